"""Warning bulletins (预警信息): who may issue them, which enterprises the filters select (exactly), the
delivery through the outbox with a failing channel (queued and retried, then sent exactly once when the
channel is back), the re-send after a final failure, and the officer's acknowledgement (签收)."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail.backends.base import BaseEmailBackend
from django.http import Http404
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.core.errors import Conflict, ServiceError
from jingwu.enterprises import selectors, services
from jingwu.enterprises.models import BulletinDelivery, Enterprise
from jingwu.enterprises.services import Targeting
from jingwu.enterprises.tests.conftest import PINGCHUAN, SHIFANG, village_of
from jingwu.geo.models import Division
from jingwu.notifications.models import OutboxMessage
from jingwu.notifications.services import MAX_ATTEMPTS, outbox_deliver

pytestmark = pytest.mark.django_db

TEXT = "近期出现不法分子冒充企业老板拉财务人员进QQ群、微信群，以“急需付款”为由要求转账。"


class DownBackend(BaseEmailBackend):
    """A mail server that is down: every send raises."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("SMTP 服务器无法连接")


def _township(code: str) -> int:
    return Division.objects.get(code=code).pk


@pytest.fixture
def county(brigade_officer, make, park, leader) -> dict[str, Enterprise]:
    """Enterprises across two parks, three industries and three townships (one of them suspended)."""
    other = services.park_create(actor=leader, name="平川测试园", township_id=_township(PINGCHUAN))
    pingchuan, shifang = village_of(PINGCHUAN).pk, village_of(SHIFANG).pk
    return {
        "a_food": make(brigade_officer, park_id=park.pk, industry="food"),
        "a_elec": make(brigade_officer, park_id=park.pk, industry="electronics", contact_phone="13905972222"),
        "b_food": make(brigade_officer, park_id=other.pk, industry="food", village_id=pingchuan),
        "shifang_food": make(brigade_officer, industry="food", village_id=shifang),
        "pingchuan_finance": make(brigade_officer, industry="finance", village_id=pingchuan),
        "a_suspended": make(brigade_officer, park_id=park.pk, industry="food", status="suspended"),
        "park_b": other,  # type: ignore[dict-item]
    }


def _names(actor: Any, county: dict[str, Any], **targeting: Any) -> set[str]:
    chosen = set(services.bulletin_targets(actor=actor, targeting=Targeting(**targeting)))
    return {key for key, e in county.items() if e in chosen}


def test_the_filters_select_exactly_the_right_enterprises(leader, chief, park, county) -> None:
    park_b = county["park_b"].pk
    assert _names(leader, county, park_ids=(park.pk,)) == {"a_food", "a_elec"}
    assert _names(leader, county, industries=("food",)) == {"a_food", "b_food", "shifang_food"}
    assert _names(leader, county, township_ids=(_township(PINGCHUAN),)) == {"b_food", "pingchuan_finance"}
    assert _names(leader, county, park_ids=(park.pk, park_b), industries=("food",)) == {"a_food", "b_food"}
    assert _names(
        leader,
        county,
        industries=("food", "finance"),
        township_ids=(_township(PINGCHUAN), _township(SHIFANG)),
    ) == {"b_food", "pingchuan_finance", "shifang_food"}
    assert _names(leader, county) == {"a_food", "a_elec", "b_food", "shifang_food", "pingchuan_finance"}
    # A station chief reaches only his own station's enterprises, whatever he ticks.
    assert _names(chief, county) == {"a_food", "a_elec"}
    assert _names(chief, county, township_ids=(_township(PINGCHUAN),)) == set()


def test_who_may_issue(officer, brigade_officer, chief, county) -> None:
    with pytest.raises(PermissionDenied, match="只有所长、局领导或治安管理大队民警"):
        services.bulletin_issue(actor=officer, title="t", body="b", kind="safety_tip")
    assert AuditEntry.objects.filter(
        action="bulletin.issue", actor_username="officer", outcome="denied"
    ).exists()
    assert services.bulletin_issue(actor=brigade_officer, title="t", body="b", kind="safety_tip").pk
    with pytest.raises(ServiceError) as excinfo:
        services.bulletin_issue(actor=chief, title="", body="", kind="x", channel="fax")
    assert excinfo.value.field_errors == {
        "title": "请填写标题",
        "body": "请填写预警内容",
        "kind": "请选择类别",
        "channel": "请选择推送渠道",
    }
    with pytest.raises(ServiceError, match="没有正常经营的企业"):
        services.bulletin_issue(
            actor=chief, title="t", body="b", kind="safety_tip", targeting=Targeting(industries=("mining",))
        )
    with pytest.raises(ServiceError) as excinfo:
        services.bulletin_targets(actor=chief, targeting=Targeting(industries=("bogus",), park_ids=(10**9,)))
    assert excinfo.value.field_errors == {"industries": "行业无效：bogus", "park_ids": "园区无效"}


def _states(bulletin_id: int, actor: Any) -> dict[int, str]:
    bulletin = selectors.bulletin_get(actor=actor, bulletin_id=bulletin_id)
    return {d.enterprise_id: d.state for d in selectors.deliveries(actor=actor, bulletin=bulletin)}


def test_sms_delivery_survives_a_gateway_outage_and_is_sent_exactly_once(
    settings, leader, brigade_officer, park, county, tmp_path
) -> None:
    settings.JINGWU_SMS_COMMAND = f'{sys.executable} -c "import sys; sys.exit(3)"'
    bulletin = services.bulletin_issue(
        actor=leader,
        title="警惕冒充老板诈骗",
        body=TEXT,
        kind="fraud_pattern",
        targeting=Targeting(park_ids=(park.pk,)),
    )
    reached = {county["a_food"].pk, county["a_elec"].pk}
    assert set(_states(bulletin.pk, leader).values()) == {"queued"}
    assert set(_states(bulletin.pk, leader)) == reached
    assert OutboxMessage.objects.filter(bulletin_delivery__bulletin=bulletin).count() == 2
    # The gateway is down: each attempt fails, the messages stay queued and are retried.
    for attempt in (1, 2):
        result = outbox_deliver()
        assert (result.sent, result.retry) == (0, 2)
        assert set(_states(bulletin.pk, leader).values()) == {"retrying"}
        assert set(
            OutboxMessage.objects.filter(bulletin_delivery__bulletin=bulletin).values_list(
                "attempts", flat=True
            )
        ) == {attempt}
    # The gateway is back: each enterprise gets the bulletin once.
    log = tmp_path / "sms.log"
    script = (
        f"import sys; open({str(log)!r}, 'a').write(sys.argv[1] + '|' + sys.stdin.read() + '\\n<END>\\n')"
    )
    settings.JINGWU_SMS_COMMAND = f'{sys.executable} -c "{script}" {{phone}}'
    assert outbox_deliver().sent == 2
    assert outbox_deliver().sent == 0  # nothing is sent twice
    assert set(_states(bulletin.pk, leader).values()) == {"sent"}
    sent = log.read_text().split("\n<END>\n")[:-1]
    assert sorted(s.split("|")[0] for s in sent) == ["13905971234", "13905972222"]
    assert all("【武平县公安局】电诈新手法：警惕冒充老板诈骗" in s and "冒充企业老板" in s for s in sent)
    # A re-send of a delivered bulletin is refused.
    delivery = BulletinDelivery.objects.filter(bulletin=bulletin).first()
    with pytest.raises(Conflict, match="不能重复推送"):
        services.delivery_resend(actor=brigade_officer, delivery_id=delivery.pk)


def test_email_with_the_server_down_then_given_up_then_resent(
    settings, leader, brigade_officer, make
) -> None:
    enterprise = make(
        brigade_officer, contact_phone="", contact_email="caiwu@minfeng.example", industry="mining"
    )
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.DownBackend"}}
    bulletin = services.bulletin_issue(
        actor=leader,
        title="合同诈骗典型案例",
        body="某公司与冒充央企的“项目方”签订虚假合同，被骗保证金六十万元。",
        kind="typical_case",
        targeting=Targeting(industries=("mining",)),
    )
    delivery = BulletinDelivery.objects.get(bulletin=bulletin)
    # SMS was chosen but the enterprise has only an e-mail address: it goes by e-mail.
    assert (delivery.channel, delivery.address) == ("email", "caiwu@minfeng.example")
    for _ in range(MAX_ATTEMPTS - 1):
        assert outbox_deliver().retry == 1
    assert _states(bulletin.pk, leader)[enterprise.pk] == "retrying"
    assert outbox_deliver().failed == 1
    assert _states(bulletin.pk, leader)[enterprise.pk] == "failed"
    # Acknowledging an undelivered bulletin needs an in-person notice.
    with pytest.raises(ServiceError, match="只能以上门告知"):
        services.delivery_acknowledge(actor=brigade_officer, delivery_id=delivery.pk, method="phone")
    # The server is back; the officer re-sends; the enterprise gets it once.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    services.delivery_resend(actor=brigade_officer, delivery_id=delivery.pk)
    with pytest.raises(Conflict):
        services.delivery_resend(actor=brigade_officer, delivery_id=delivery.pk)  # already queued
    assert outbox_deliver().sent == 1 and outbox_deliver().sent == 0
    assert [m.to for m in mail.outbox] == [["caiwu@minfeng.example"]]
    delivery.refresh_from_db()
    assert delivery.messages_queued == 2 and _states(bulletin.pk, leader)[enterprise.pk] == "sent"
    assert AuditEntry.objects.filter(action="bulletin.resend", object_id=str(delivery.pk)).count() == 1


def test_no_address_is_recorded_not_lost(leader, brigade_officer, make) -> None:
    enterprise = make(brigade_officer, industry="pharma")
    Enterprise.objects.filter(pk=enterprise.pk).update(contact_phone="")  # the number was withdrawn
    bulletin = services.bulletin_issue(
        actor=leader,
        title="危化品安全提示",
        body="请落实危化品双人双锁管理。",
        kind="safety_tip",
        targeting=Targeting(industries=("pharma",)),
    )
    assert _states(bulletin.pk, leader) == {enterprise.pk: "no_address"}
    with pytest.raises(ServiceError, match="请先补充联系方式"):
        services.delivery_resend(
            actor=brigade_officer, delivery_id=BulletinDelivery.objects.get(bulletin=bulletin).pk
        )


def test_acknowledgement_by_the_liaison_officer(settings, chief, officer, outsider, park, county) -> None:
    settings.JINGWU_SMS_COMMAND = "true"
    bulletin = services.bulletin_issue(
        actor=chief,
        title="警惕冒充老板诈骗",
        body=TEXT,
        kind="fraud_pattern",
        targeting=Targeting(park_ids=(park.pk,)),
    )
    outbox_deliver()
    delivery = BulletinDelivery.objects.get(bulletin=bulletin, enterprise=county["a_food"])
    with pytest.raises(ServiceError, match="不能早于发布时间"):
        services.delivery_acknowledge(
            actor=officer,
            delivery_id=delivery.pk,
            method="phone",
            at=bulletin.issued_at - timedelta(minutes=5),
        )
    with pytest.raises(ServiceError, match="请选择签收方式"):
        services.delivery_acknowledge(actor=officer, delivery_id=delivery.pk, method="")
    with pytest.raises(Http404):
        services.delivery_acknowledge(actor=outsider, delivery_id=delivery.pk, method="phone")
    done = services.delivery_acknowledge(
        actor=officer, delivery_id=delivery.pk, method="phone", note="财务负责人电话确认已组织学习"
    )
    assert done.acknowledged_by == officer and done.acknowledged_at <= timezone.now()
    with pytest.raises(Conflict, match="已签收"):
        services.delivery_acknowledge(actor=officer, delivery_id=delivery.pk, method="phone")
    # A time stated to the minute, in the minute the bulletin went out, is not before it.
    other = BulletinDelivery.objects.get(bulletin=bulletin, enterprise=county["a_elec"])
    same_minute = bulletin.issued_at.replace(second=0, microsecond=0)
    assert services.delivery_acknowledge(
        actor=officer, delivery_id=other.pk, method="sms_reply", at=same_minute
    )
    counts = selectors.delivery_counts(selectors.deliveries(actor=chief, bulletin=bulletin))
    assert (counts["acknowledged"], counts["sent"], counts["total"]) == (2, 0, 2)
    listed = selectors.bulletin_list(actor=chief).get(pk=bulletin.pk)
    assert (listed.delivery_count, listed.acknowledged_count) == (2, 2)


def test_bulletin_visibility_follows_the_deliveries(leader, outsider, officer, park, county) -> None:
    bulletin = services.bulletin_issue(
        actor=leader, title="t", body="b", kind="risk_alert", targeting=Targeting(park_ids=(park.pk,))
    )
    assert selectors.bulletin_get(actor=officer, bulletin_id=bulletin.pk) == bulletin  # 桃溪's enterprises
    with pytest.raises(Http404):
        selectors.bulletin_get(actor=outsider, bulletin_id=bulletin.pk)
    everything = services.bulletin_issue(actor=leader, title="全县", body="b", kind="risk_alert")
    rows = selectors.deliveries(
        actor=outsider, bulletin=selectors.bulletin_get(actor=outsider, bulletin_id=everything.pk)
    )
    assert {d.enterprise_id for d in rows} == {county["b_food"].pk, county["pingchuan_finance"].pk}
