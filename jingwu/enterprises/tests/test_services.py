"""Enterprises, visits, requests and incident links: validation in Chinese, the station's area, the
county brigade's reach, audit entries, and the 404 for those outside."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.core.errors import Conflict, ServiceError
from jingwu.enterprises import selectors, services
from jingwu.enterprises.models import EnterpriseRequest
from jingwu.enterprises.services import EnterpriseInput
from jingwu.enterprises.tests.conftest import PINGCHUAN, TAOXI_VILLAGE, uscc, village_of
from jingwu.geo.models import Division
from jingwu.incidents.models import Incident
from jingwu.incidents.services import incident_create

pytestmark = pytest.mark.django_db


def _errors(excinfo: pytest.ExceptionInfo[ServiceError]) -> dict[str, str]:
    return excinfo.value.field_errors


def test_registration_derives_township_and_station_and_masks_the_audit(officer, make) -> None:
    enterprise = make(officer, contact_phone="139 0597 1234", liaison_id=officer.pk)
    assert enterprise.township.code == "350824105000"
    assert enterprise.station.path.startswith(officer.unit.operational_unit().path)
    assert enterprise.contact_phone == "13905971234" and enterprise.liaison == officer
    entry = AuditEntry.objects.filter(action="enterprise.create", object_id=str(enterprise.pk)).get()
    assert entry.changes["contact_phone"] == [None, "139****1234"]


def test_every_field_error_at_once_in_chinese(officer) -> None:
    data = EnterpriseInput(
        name="",
        uscc="91350824MA00000011",
        industry="nope",
        village_id=None,
        contact_name="",
        contact_phone="12",
        contact_email="not-an-email",
        status="bogus",
    )
    with pytest.raises(ServiceError) as excinfo:
        services.enterprise_create(actor=officer, data=data)
    errors = _errors(excinfo)
    assert excinfo.value.message == "企业信息有误，请修改后再提交"
    assert errors["name"] == "请填写企业名称"
    assert "统一社会信用代码" in errors["uscc"]
    assert errors["industry"] == "请选择行业"
    assert errors["village_id"] == "请选择村（社区）"
    assert errors["contact_name"] == "请填写企业联系人"
    assert "电话" in errors["contact_phone"]
    assert errors["contact_email"] == "电子邮箱格式错误"
    assert errors["status"] == "经营状态无效"


def test_a_contact_needs_a_phone_or_an_email(officer, make) -> None:
    with pytest.raises(ServiceError) as excinfo:
        make(officer, contact_phone="", contact_email="")
    assert "至少填写一项" in _errors(excinfo)["contact_phone"]
    assert (
        make(officer, contact_phone="", contact_email="Caiwu@Example.COM").contact_email
        == "caiwu@example.com"
    )


def test_the_same_code_twice_is_a_conflict_naming_the_first(officer, make) -> None:
    code = uscc()
    first = make(officer, uscc=code, name="武平县甲公司")
    with pytest.raises(Conflict) as excinfo:
        make(officer, uscc=code.lower())
    assert excinfo.value.existing_id == first.pk and "武平县甲公司" in excinfo.value.message


def test_an_officer_registers_only_in_his_area_and_the_liaison_must_be_local(officer, outsider, make) -> None:
    with pytest.raises(ServiceError) as excinfo:
        make(officer, village_id=village_of(PINGCHUAN).pk)
    assert _errors(excinfo)["village_id"] == "该村（社区）不在您的辖区"
    with pytest.raises(ServiceError) as excinfo:
        make(officer, liaison_id=outsider.pk)
    assert "不属于" in _errors(excinfo)["liaison_id"]


def test_scoping_station_leader_brigade_and_outsiders(
    officer, chief, outsider, leader, brigade_officer, make
):
    taoxi = make(officer)
    pingchuan = make(outsider, village_id=village_of(PINGCHUAN).pk)
    seen = {
        u.username: set(selectors.enterprise_list(actor=u).values_list("pk", flat=True))
        for u in (officer, chief, outsider, leader, brigade_officer)
    }
    assert taoxi.pk in seen["officer"] and pingchuan.pk not in seen["officer"]
    assert taoxi.pk in seen["chief"] and pingchuan.pk not in seen["chief"]
    assert pingchuan.pk in seen["pingchuan_officer"] and taoxi.pk not in seen["pingchuan_officer"]
    assert {taoxi.pk, pingchuan.pk} <= seen["leader"] and {taoxi.pk, pingchuan.pk} <= seen["za-officer"]
    with pytest.raises(Http404):
        selectors.enterprise_get(actor=outsider, enterprise_id=taoxi.pk)
    assert AuditEntry.objects.filter(
        action="enterprise.view",
        object_id=str(taoxi.pk),
        outcome="denied",
        actor_username="pingchuan_officer",
    ).exists()
    # The leader reads, but does not keep the records.
    with pytest.raises(PermissionDenied):
        services.visit_record(actor=leader, enterprise_id=taoxi.pk, topics="走访")
    # The brigade keeps any enterprise of the county.
    assert services.visit_record(actor=brigade_officer, enterprise_id=pingchuan.pk, topics="反诈宣传").pk


@pytest.mark.parametrize("username", ["dispatcher", "assistant", "mediator", "legal_affairs", "auditor"])
def test_other_roles_see_no_enterprise(user_of, officer, make, username) -> None:
    enterprise = make(officer)
    with pytest.raises(PermissionDenied):
        selectors.enterprise_list(actor=user_of(username))
    with pytest.raises(PermissionDenied):
        services.visible_enterprise(user_of(username), enterprise.pk)


def test_visit_with_checks_and_its_refusals(officer, make) -> None:
    enterprise = make(officer)
    with pytest.raises(ServiceError) as excinfo:
        services.visit_record(
            actor=officer,
            enterprise_id=enterprise.pk,
            topics=" ",
            checks=["fire", "bogus"],
            visited_on=timezone.localdate() + timedelta(days=1),
        )
    errors = _errors(excinfo)
    assert errors == {
        "topics": "请填写交流内容",
        "checks": "安全检查项目无效：bogus",
        "visited_on": "走访日期不能晚于今天",
    }
    visit = services.visit_record(
        actor=officer,
        enterprise_id=enterprise.pk,
        topics="通报近期冒充老板诈骗案情，督促财务落实转账双人核验。",
        checks=["payment_check", "fire", "payment_check"],
        findings="二号仓库消防通道堆放纸箱，已要求当日清理。",
    )
    assert visit.checks == ["payment_check", "fire"] and visit.officer == officer
    assert AuditEntry.objects.filter(action="enterprise.visit", object_id=str(visit.pk)).exists()


def test_request_from_open_to_handled_once(officer, chief, make) -> None:
    enterprise = make(officer)
    with pytest.raises(ServiceError) as excinfo:
        services.request_record(actor=officer, enterprise_id=enterprise.pk, kind="", summary="")
    assert _errors(excinfo) == {"kind": "请选择诉求类别", "summary": "请填写诉求内容"}
    raised = timezone.localdate() - timedelta(days=3)
    request = services.request_record(
        actor=officer,
        enterprise_id=enterprise.pk,
        kind="traffic",
        summary="上下班高峰厂区门口货车乱停，请求交警协助疏导。",
        raised_on=raised,
    )
    assert request.status == "open"
    assert list(selectors.open_requests(actor=chief)) == [request]
    with pytest.raises(ServiceError) as excinfo:
        services.request_handle(
            actor=officer, request_id=request.pk, handling_note="", handled_on=raised - timedelta(days=1)
        )
    assert _errors(excinfo) == {
        "handling_note": "请填写办理情况",
        "handled_on": "办结日期不能早于诉求提出日期",
    }
    handled = services.request_handle(
        actor=chief, request_id=request.pk, handling_note="已协调交警中队早晚高峰派员疏导，增设临时停车区。"
    )
    assert (handled.status, handled.handled_by, handled.handled_on) == (
        "handled",
        chief,
        timezone.localdate(),
    )
    with pytest.raises(Conflict, match="该诉求已办结"):
        services.request_handle(actor=officer, request_id=request.pk, handling_note="再次")
    assert EnterpriseRequest.objects.get(pk=request.pk).handling_note.startswith("已协调")
    assert not selectors.open_requests(actor=chief).exists()


def test_an_outsider_cannot_handle_a_request_of_another_area(officer, outsider, make) -> None:
    request = services.request_record(
        actor=officer, enterprise_id=make(officer).pk, kind="security", summary="夜间有人翻越围墙"
    )
    with pytest.raises(Http404):
        services.request_handle(actor=outsider, request_id=request.pk, handling_note="越权")


def _incident(
    dispatcher, village_code: str, days_ago: int = 1, narrative: str = "厂区仓库被盗铜线一批。"
) -> Incident:
    return incident_create(
        actor=dispatcher,
        source="phone_110",
        village_code=village_code,
        category="criminal",
        subcategory="theft",
        narrative=narrative,
        received_at=timezone.now() - timedelta(days=days_ago),
        caller_name="钟报警",
        caller_phone="13905970000",
    ).incident


def test_incident_links_by_number_and_the_village_suggestions(officer, outsider, user_of, make) -> None:
    dispatcher = user_of("wubei_dispatcher")
    enterprise = make(officer)
    near = _incident(dispatcher, TAOXI_VILLAGE, 2)
    old = _incident(dispatcher, TAOXI_VILLAGE, 120)
    suggested = set(selectors.incident_suggestions(actor=officer, enterprise=enterprise))
    assert near in suggested and old not in suggested
    with pytest.raises(ServiceError) as excinfo:
        services.incident_link(actor=officer, enterprise_id=enterprise.pk, number="JQ-NOPE")
    assert _errors(excinfo) == {"number": "未找到该警情"}
    link = services.incident_link(
        actor=officer, enterprise_id=enterprise.pk, number=f" {near.number.lower()} ", note="发生在厂区仓库"
    )
    assert link.incident == near
    assert near not in set(selectors.incident_suggestions(actor=officer, enterprise=enterprise))
    with pytest.raises(Conflict):
        services.incident_link(actor=officer, enterprise_id=enterprise.pk, incident_id=near.pk)
    services.incident_link(actor=officer, enterprise_id=enterprise.pk, incident_id=old.pk)
    assert [row["incident"] for row in selectors.incident_links(actor=officer, enterprise=enterprise)] == [
        old,
        near,
    ]
    services.incident_unlink(actor=officer, enterprise_id=enterprise.pk, link_id=link.pk)
    assert AuditEntry.objects.filter(
        action="enterprise.incident_unlink", object_id=str(enterprise.pk)
    ).exists()


def test_an_incident_outside_ones_scope_cannot_be_linked(officer, outsider, user_of, make) -> None:
    pingchuan_incident = _incident(user_of("dispatcher"), village_of(PINGCHUAN).code)
    with pytest.raises(ServiceError, match="未找到警情"):
        services.incident_link(
            actor=officer, enterprise_id=make(officer).pk, number=pingchuan_incident.number
        )


def test_revealing_the_contact_is_audited(officer, make, user_of) -> None:
    enterprise = make(officer, contact_email="boss@example.com")
    masked = selectors.contact(enterprise)
    assert masked["contact_phone"] == "139****1234" and masked["contact_email"] == "b***@example.com"
    full = services.enterprise_contact_reveal(actor=officer, enterprise_id=enterprise.pk)
    assert full == {"contact_phone": "13905971234", "contact_email": "boss@example.com"}
    assert AuditEntry.objects.filter(
        action="person.reveal", object_id=str(enterprise.pk), outcome="allowed"
    ).exists()


def test_edit_with_a_stale_version_is_refused(officer, make) -> None:
    enterprise = make(officer)
    data = EnterpriseInput(
        name="武平县改名后有限公司",
        uscc=enterprise.uscc,
        industry="logistics",
        village_id=Division.objects.get(code=TAOXI_VILLAGE).pk,
        contact_name="刘会计",
        contact_phone="13905971234",
    )
    saved = services.enterprise_update(actor=officer, enterprise_id=enterprise.pk, data=data, version=1)
    assert (saved.name, saved.version) == ("武平县改名后有限公司", 2)
    with pytest.raises(Conflict, match="已被他人修改"):
        services.enterprise_update(actor=officer, enterprise_id=enterprise.pk, data=data, version=1)
    entry = AuditEntry.objects.filter(action="enterprise.change", object_id=str(enterprise.pk)).get()
    assert entry.changes["industry"] == ["food", "logistics"]
