"""A new breach notifies the responsible officer, the unit chiefs and the legal officer covering the unit —
once each, after the sweep commits — and a warning only the officer (issue 5, part 2), with a controlled
clock on a live case. People of another station hear nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jingwu.notifications.models import Notification, OutboxMessage
from jingwu.org.models import Unit, User
from jingwu.supervision.models import Deadline
from jingwu.supervision.services import SweepResult, deadlines_notify, deadlines_sweep
from jingwu.supervision.tests.test_deadlines import (
    TAOXI,
    deadlines_of,
    detain,
    filed_case,
)

pytestmark = pytest.mark.django_db

# Everyone whose scope covers 桃溪派出所 in the role that hears of its breaches: its own chief (the demo
# account and the roster's), the chief of the 武北 joint station commanding it, and the joint station's
# stationed legal officer — plus the case's lead officer.
BREACH_AUDIENCE = {"officer", "chief", "roster-wp-ps-350824105-chief", "roster-wp-wb-chief", "legal_officer"}


def sweep(capture, now):
    with capture(execute=True):
        return deadlines_sweep(now=now)


def received(case, title_part: str) -> dict[str, int]:
    """{username: number of messages} about the case whose title contains title_part."""
    counts: dict[str, int] = {}
    rows = Notification.objects.filter(url=f"/cases/{case.pk}/", title__contains=title_part)
    for username in rows.values_list("recipient__username", flat=True):
        counts[username] = counts.get(username, 0) + 1
    return counts


def test_warning_then_breach_notify_the_right_people_once(
    users, on_commit, django_capture_on_commit_callbacks, settings
) -> None:
    settings.JINGWU_NOTIFY_CHANNELS = ("email",)
    User.objects.filter(username="chief").update(email="chief@taoxi.example")
    started = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    case = filed_case(users, on_commit, accepted_at=started - timedelta(hours=1))
    detain(users, on_commit, case, started_at=started)
    due = started + timedelta(hours=24)
    warn = due - timedelta(hours=2)
    title = deadlines_of(case)["CR-002"].title  # 刑事拘留后送看守所羁押

    assert sweep(django_capture_on_commit_callbacks, warn - timedelta(minutes=1)).warnings == 0
    assert received(case, title) == {}

    # The warning minute: the officer alone hears of it, in-app only.
    result = sweep(django_capture_on_commit_callbacks, warn)
    assert deadlines_of(case)["CR-002"].pk in result.warning_ids
    assert received(case, f"期限预警：{title}") == {"officer": 1}
    assert not OutboxMessage.objects.filter(subject__contains="期限预警").exists()

    # At the due minute nothing yet; one minute later the breach reaches the five, once each.
    assert sweep(django_capture_on_commit_callbacks, due).breaches == 0
    assert received(case, "超期告警") == {}
    result = sweep(django_capture_on_commit_callbacks, due + timedelta(minutes=1))
    assert deadlines_of(case)["CR-002"].pk in result.breach_ids
    breach = received(case, f"超期告警：{title}")
    assert breach == dict.fromkeys(BREACH_AUDIENCE, 1)
    message = Notification.objects.get(recipient__username="chief", title=f"超期告警：{title}")
    assert case.number in message.body and "届满" in message.body and message.read_at is None
    # Configured for e-mail: the chief (who has an address) gets an outbox row; the others have none.
    assert (
        OutboxMessage.objects.filter(address="chief@taoxi.example", subject=f"超期告警：{title}").count() == 1
    )

    # Another station's people, and the bureau-wide readers, hear nothing of 桃溪's breaches.
    for outsider in ("pingchuan_officer", "roster-wp-ps-350824001-chief", "legal_affairs", "wubei_officer"):
        assert not Notification.objects.filter(
            recipient__username=outsider, url=f"/cases/{case.pk}/"
        ).exists()

    # A breach is announced once: later sweeps add nothing.
    before = Notification.objects.count()
    sweep(django_capture_on_commit_callbacks, due + timedelta(hours=2))
    assert received(case, f"超期告警：{title}") == breach
    assert Notification.objects.filter(title=f"超期告警：{title}").count() == len(BREACH_AUDIENCE)
    assert Notification.objects.count() >= before


def test_the_notifications_wait_for_the_commit(users, on_commit, django_capture_on_commit_callbacks) -> None:
    started = (timezone.now() - timedelta(hours=30)).replace(second=0, microsecond=0)
    case = filed_case(users, on_commit, accepted_at=started - timedelta(hours=1))
    detain(users, on_commit, case, started_at=started)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = deadlines_sweep(now=timezone.now())
    assert result.breaches and not Notification.objects.filter(url=f"/cases/{case.pk}/").exists()
    assert len(callbacks) == 1


def _breaches(n: int, unit: Unit, officer: User) -> list[int]:
    now = timezone.now()
    rows = [
        Deadline(
            subject_type="case",
            subject_id=20_000_000 + 1000 * n + i,
            rule_id="CR-002",
            key="P1",
            title="合成期限",
            status="breach",
            due_at=now - timedelta(hours=1),
            unit=unit,
            station=unit,
            officer=officer,
            evaluated_at=now,
        )
        for i in range(n)
    ]
    return [d.pk for d in Deadline.objects.bulk_create(rows)]


def test_the_notifications_take_a_constant_number_of_queries(users) -> None:
    taoxi = Unit.objects.get(code=TAOXI)
    counts = []
    for n in (1, 40):
        ids = _breaches(n, taoxi, users.officer)
        with CaptureQueriesContext(connection) as queries:
            created = deadlines_notify(SweepResult(at=timezone.now(), breach_ids=ids))
        assert created == n * len(BREACH_AUDIENCE)
        counts.append(len(queries))
    assert counts[0] == counts[1]
