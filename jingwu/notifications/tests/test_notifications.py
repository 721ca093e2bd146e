"""The inbox and the outbox (站内消息、发件箱): messages are created in bulk for active users only, each user
reads and marks only their own, the header counts the unread ones, and the outbox sends e-mail through
Django's mail backend and SMS only through a configured gateway command."""

from __future__ import annotations

import sys

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingwu.audit.models import AuditEntry
from jingwu.notifications.models import Notification, OutboxMessage
from jingwu.notifications.services import Message, notify, notify_bulk, outbox_deliver
from jingwu.org.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(user_of):
    return user_of("officer")


@pytest.fixture
def chief(user_of):
    return user_of("chief")


def test_notify_creates_one_message_per_active_recipient(officer, chief, user_of) -> None:
    gone = user_of("wubei_officer")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    created = notify(
        recipients=[officer, chief, chief.pk, gone, None],
        kind="general",
        title="测试消息",
        body="内容",
        url="/",
    )
    assert created == 2
    assert set(
        Notification.objects.filter(title="测试消息").values_list("recipient__username", flat=True)
    ) == {
        "officer",
        "chief",
    }
    entry = AuditEntry.objects.filter(action="notification.send").order_by("-seq").first()
    assert entry is not None and entry.changes["inbox"] == 2
    # Nothing goes out unless a channel is configured.
    assert not OutboxMessage.objects.exists()


def test_notify_bulk_takes_a_constant_number_of_queries(user_of) -> None:
    people = list(User.objects.filter(username__startswith="roster-").values_list("pk", flat=True)[:60])
    counts = []
    for n in (2, 60):
        messages = [Message(recipient_id=pk, kind="general", title=f"批量{n}") for pk in people[:n]]
        with CaptureQueriesContext(connection) as queries:
            assert notify_bulk(messages=messages) == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_outbox_rows_where_configured_and_an_address_exists(settings, officer, chief) -> None:
    settings.JINGWU_NOTIFY_CHANNELS = ("email", "sms")
    User.objects.filter(pk=chief.pk).update(email="chief@taoxi.example", phone="13900000001")
    User.objects.filter(pk=officer.pk).update(email="", phone="")
    notify(
        recipients=[officer, chief], kind="deadline_breach", title="超期告警：测试", body="已超期", url="/x/"
    )
    rows = {(o.channel, o.address) for o in OutboxMessage.objects.all()}
    assert rows == {("email", "chief@taoxi.example"), ("sms", "13900000001")}
    assert OutboxMessage.objects.get(channel="email").body == "已超期\n/x/"
    # In-app only when the caller says so (warnings).
    notify(recipients=[chief], kind="deadline_warning", title="预警", external=False)
    assert OutboxMessage.objects.count() == 2


def test_outbox_send_delivers_email_and_keeps_sms_without_a_gateway(settings, chief) -> None:
    settings.JINGWU_NOTIFY_CHANNELS = ("email", "sms")
    settings.JINGWU_SMS_COMMAND = ""
    User.objects.filter(pk=chief.pk).update(email="chief@taoxi.example", phone="13900000001")
    notify(recipients=[chief], kind="notice_issued", title="监督通知", body="请整改")
    call_command("outbox_send")
    assert [m.to for m in mail.outbox] == [["chief@taoxi.example"]] and mail.outbox[0].subject == "监督通知"
    email = OutboxMessage.objects.get(channel="email")
    assert (email.status, email.attempts) == ("sent", 1) and email.sent_at is not None
    sms = OutboxMessage.objects.get(channel="sms")
    assert (sms.status, sms.attempts) == ("queued", 0)
    assert outbox_deliver().skipped == 1


def test_sms_through_the_gateway_command_and_retries(settings, chief, tmp_path) -> None:
    settings.JINGWU_NOTIFY_CHANNELS = ("sms",)
    out = tmp_path / "sms.txt"
    script = f"import sys; open({str(out)!r}, 'a').write(sys.argv[1] + ':' + sys.stdin.read())"
    settings.JINGWU_SMS_COMMAND = f'{sys.executable} -c "{script}" {{phone}}'
    User.objects.filter(pk=chief.pk).update(phone="13900000001")
    notify(recipients=[chief], kind="notice_issued", title="监督通知", body="请整改")
    assert outbox_deliver().sent == 1
    assert out.read_text() == "13900000001:监督通知\n请整改"
    # A failing gateway: retried, then given up after five attempts.
    settings.JINGWU_SMS_COMMAND = f'{sys.executable} -c "import sys; sys.exit(3)"'
    notify(recipients=[chief], kind="notice_issued", title="第二条", body="")
    for _ in range(4):
        assert outbox_deliver().retry == 1
    assert outbox_deliver().failed == 1
    failed = OutboxMessage.objects.get(subject="第二条")
    assert (failed.status, failed.attempts) == ("failed", 5) and "3" in failed.last_error


def test_the_inbox_shows_only_ones_own_messages(client, officer, chief) -> None:
    notify(recipients=[officer], kind="general", title="给民警的消息", url="/cases/")
    notify(recipients=[chief], kind="general", title="给所长的消息")
    client.force_login(officer)
    html = client.get("/notifications/").content.decode()
    assert "给民警的消息" in html and "给所长的消息" not in html
    assert 'data-testid="unread-count">1<' in html  # the header's count
    assert "给民警的消息" in client.get("/").content.decode()  # the home section

    mine = Notification.objects.get(title="给民警的消息")
    theirs = Notification.objects.get(title="给所长的消息")
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    response = client.post(f"/notifications/{mine.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert AuditEntry.objects.filter(action="notification.read", object_id=str(mine.pk)).exists()
    assert 'data-testid="unread-count"' not in client.get("/notifications/").content.decode()
    assert client.get(f"/notifications/{mine.pk}/read/").status_code == 405


def test_mark_all_read_touches_only_ones_own(client, officer, chief) -> None:
    notify(recipients=[officer, chief], kind="general", title="全体消息")
    notify(recipients=[officer], kind="general", title="第二条")
    client.force_login(officer)
    assert client.post("/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(recipient=officer, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=chief, read_at__isnull=True).count() == 1
    client.logout()
    assert client.post("/notifications/read-all/").status_code == 302  # to the login page
    assert Notification.objects.filter(recipient=chief, read_at__isnull=True).count() == 1


def test_an_outside_link_is_never_followed(client, officer) -> None:
    notify(recipients=[officer], kind="general", title="外链", url="https://example.com/")
    message = Notification.objects.get(title="外链")
    client.force_login(officer)
    response = client.post(f"/notifications/{message.pk}/read/", {"open": "1"})
    assert response["Location"] == "/notifications/"


def test_every_role_that_logs_in_has_an_inbox(client, user_of) -> None:
    for username in ("mediator", "assistant", "auditor", "admin", "procurator", "custody"):
        client.force_login(user_of(username))
        assert client.get("/notifications/").status_code == 200, username
