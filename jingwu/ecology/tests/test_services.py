"""Forest zones, chiefs, patrols and findings, and 行刑衔接 transfers through their services: the overdue
computation, a finding turned into an incident or a case, the 3-day review deadline at the right minute,
accepting and refusing with Chinese validation errors, every write audited, and who may do what."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.cases import services as case_services
from jingwu.core.errors import Conflict, ServiceError
from jingwu.ecology import selectors, services
from jingwu.ecology.choices import TransferState
from jingwu.ecology.models import Patrol, ZoneChief
from jingwu.ecology.services import FindingInput
from jingwu.ecology.tests.conftest import DAHE, TAOXI, township, villages
from jingwu.incidents.models import Incident
from jingwu.supervision.models import Deadline
from jingwu.supervision.services import deadlines_sweep
from jingwu.timeline.models import LegalEvent

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)


def patrol(users, zone, ended: datetime, findings=None, actor=None):
    return services.patrol_record(
        actor=actor or users.officer,
        zone_id=zone.pk,
        started_at=ended - timedelta(hours=3),
        ended_at=ended,
        officer_ids=[users.officer.pk, users.forest.pk],
        route_text="亭头村—小澜村林道",
        route_points=[[25.10, 116.12], [25.11, 116.13]],
        findings=findings or [],
    )


# --- zones, chiefs and the overdue computation -----------------------------------------------------


def test_a_zone_is_overdue_the_day_after_its_patrol_cycle_ends(users, zone) -> None:
    today = timezone.localdate()
    patrol(users, zone, timezone.now() - timedelta(days=8))
    [row] = [r for r in selectors.zone_rows(actor=users.officer) if r.zone.pk == zone.pk]
    assert row.due.overdue and row.due.days_overdue == 1
    assert row.due.due_on == today - timedelta(days=1)
    assert [r.zone.pk for r in selectors.zone_rows(actor=users.leader, overdue_only=True)] == [zone.pk]
    # A patrol today clears it; a longer cycle would have too.
    patrol(users, zone, timezone.now() - timedelta(minutes=5))
    assert not selectors.zone_status(zone).overdue
    services.zone_set_frequency(actor=users.leader, zone_id=zone.pk, patrol_every_days=30)
    assert selectors.zone_rows(actor=users.leader, overdue_only=True) == []


def test_chiefs_keep_their_history_and_see_their_overdue_zones(users, zone) -> None:
    services.chief_assign(actor=users.chief, zone_id=zone.pk, level="village", user_id=users.officer.pk)
    with pytest.raises(Conflict):
        services.chief_assign(actor=users.chief, zone_id=zone.pk, level="village", user_id=users.officer.pk)
    services.chief_assign(
        actor=users.leader, zone_id=zone.pk, level="village", user_id=users.forest.pk, note="调岗"
    )
    history = list(ZoneChief.objects.filter(zone=zone, level="village").order_by("id"))
    assert [(c.user, c.ended_on) for c in history] == [
        (users.officer, timezone.localdate()),
        (users.forest, None),
    ]
    assert AuditEntry.objects.filter(action="ecology.chief_assign", object_id=str(zone.pk)).count() == 2
    # The zone was created now and never patrolled: due in 7 days, so nothing is overdue yet…
    assert selectors.zone_rows(actor=users.forest, mine=True, overdue_only=True) == []
    # …but it is the forest officer's own zone, and no longer the station officer's.
    assert [r.zone for r in selectors.zone_rows(actor=users.forest, mine=True)] == [zone]
    assert selectors.zone_rows(actor=users.officer, mine=True) == []


def test_zone_validation_speaks_chinese(users) -> None:
    with pytest.raises(ServiceError) as refused:
        services.zone_create(
            actor=users.leader,
            code="",
            name="林区",
            township_id=township(TAOXI).pk,
            village_ids=villages(DAHE),  # villages of another township
            patrol_every_days=0,
        )
    assert refused.value.field_errors == {"code": "请填写林区编号", "patrol_every_days": "巡护周期为1至90天"}
    with pytest.raises(ServiceError) as refused:
        services.zone_create(
            actor=users.leader,
            code="X",
            name="林区",
            township_id=township(TAOXI).pk,
            village_ids=villages(DAHE),
        )
    assert refused.value.field_errors == {"village_ids": "请选择本乡镇的村（社区）"}


def test_who_may_set_up_zones_and_who_sees_them(users, zone) -> None:
    with pytest.raises(PermissionDenied):
        services.zone_create(
            actor=users.officer,
            code="X",
            name="X",
            township_id=township(TAOXI).pk,
            village_ids=villages(TAOXI),
        )
    # A 平川 chief cannot create a zone in 桃溪, nor see the 桃溪 one; the forest brigade sees every zone.
    with pytest.raises(ServiceError) as refused:
        services.zone_create(
            actor=users.pingchuan_chief,
            code="X",
            name="X",
            township_id=township(TAOXI).pk,
            village_ids=villages(TAOXI),
        )
    assert refused.value.field_errors == {"township_id": "该乡镇不在您的范围内"}
    assert selectors.zones_visible(users.pingchuan_officer).count() == 0
    with pytest.raises(Http404):
        selectors.zone_get(actor=users.pingchuan_officer, zone_id=zone.pk)
    assert zone in selectors.zones_visible(users.forest)
    assert zone in selectors.zones_visible(users.legal_affairs)
    for outsider in (users.mediator, users.assistant, users.procurator, users.dispatcher):
        assert selectors.zones_visible(outsider).count() == 0


# --- patrols and findings ----------------------------------------------------------------------------


def test_a_patrol_with_findings_and_its_validation(users, zone) -> None:
    village = villages(TAOXI, 1)[0]
    logged = patrol(
        users,
        zone,
        timezone.now() - timedelta(hours=1),
        findings=[
            FindingInput("illegal_logging", "发现新伐杉木桩5个", village),
            FindingInput("wildlife", "发现野猪活动痕迹"),
        ],
    )
    assert set(logged.officers.all()) == {users.officer, users.forest}
    assert [f.kind for f in logged.findings.all()] == ["illegal_logging", "wildlife"]
    assert AuditEntry.objects.filter(action="ecology.patrol_record", object_id=str(logged.pk)).exists()
    now = timezone.now()
    with pytest.raises(ServiceError) as refused:
        services.patrol_record(
            actor=users.officer,
            zone_id=zone.pk,
            started_at=now - timedelta(hours=1),
            ended_at=now - timedelta(hours=2),
            officer_ids=[users.officer.pk],
            findings=[FindingInput("poaching", ""), FindingInput("other", "x", villages(DAHE, 1)[0])],
        )
    assert refused.value.field_errors == {
        "ended_at": "结束时间不能早于开始时间",
        "route_text": "请填写巡护路线或上传轨迹点",
        "findings.0.kind": "请选择发现类别",
        "findings.0.description": "请描述发现的情况",
        "findings.1.village_id": "发现地点应在本林区所在乡镇",
    }
    with pytest.raises(ServiceError) as refused:
        services.patrol_record(
            actor=users.officer,
            zone_id=zone.pk,
            started_at=now - timedelta(hours=2),
            ended_at=now - timedelta(hours=1),
            officer_ids=[users.officer.pk],
            route_points=[[125.1, 116.1]],
        )
    assert refused.value.field_errors == {"route_points": "纬度、经度超出范围或轨迹点过多"}
    with pytest.raises(Http404):  # 平川's officer: the 桃溪 zone is outside his scope
        patrol(users, zone, now, actor=users.pingchuan_officer)
    with pytest.raises(PermissionDenied):
        patrol(users, zone, now, actor=users.leader)  # leaders read; they do not log patrols
    assert Patrol.objects.filter(zone=zone).count() == 1


def test_a_finding_turns_into_an_incident_with_one_action(users, zone) -> None:
    found = patrol(
        users,
        zone,
        timezone.now() - timedelta(hours=1),
        findings=[FindingInput("illegal_logging", "亭头村后山发现新伐杉木桩23个", villages(TAOXI, 1)[0])],
    ).findings.get()
    done = services.finding_to_incident(actor=users.forest, finding_id=found.pk)
    incident = Incident.objects.get(pk=done.incident_id)
    assert (incident.category, incident.subcategory) == ("fire_forest", "illegal_logging")
    assert incident.village_id == found.village_id and incident.station.name == "桃溪派出所"
    assert "盗伐滥伐林木" in incident.narrative and "23个" in incident.narrative
    with pytest.raises(Conflict):
        services.finding_to_incident(actor=users.forest, finding_id=found.pk)
    with pytest.raises(Conflict):
        services.finding_to_case(actor=users.officer, finding_id=found.pk)
    assert AuditEntry.objects.filter(action="ecology.finding_to_incident").count() == 1


def test_a_finding_turns_into_a_case_of_the_proposed_charge(users, zone) -> None:
    found = patrol(
        users,
        zone,
        timezone.now() - timedelta(hours=1),
        findings=[FindingInput("land_occupation", "毁林开垦约6亩种植茶叶")],
    ).findings.get()
    # The forest brigade cannot accept a case for the 桃溪 station's territory…
    with pytest.raises(ServiceError) as refused:
        services.finding_to_case(actor=users.forest, finding_id=found.pk)
    assert refused.value.message == "只能受理本单位辖区的案件"
    # …the station's officer can.
    done = services.finding_to_case(actor=users.officer, finding_id=found.pk)
    assert done.case.offence == "非法占用农用地罪" and done.case.station.name == "桃溪派出所"
    assert "毁林开垦" in done.case.facts


# --- 行刑衔接: the transfer, its deadline and the decision --------------------------------------------


def test_an_undecided_transfer_warns_on_its_last_day_and_breaches_after_it(users, receive) -> None:
    # Received on a Monday (2026-11-16, a working week): 3 days excluding the first → due Thu 23:59:59.
    received = datetime(2026, 11, 16, 10, 0, tzinfo=TZ)
    transfer = receive(at=received)
    row = Deadline.objects.get(subject_type="case", subject_id=transfer.case_id, rule_id="TR-003")
    due = datetime(2026, 11, 19, 23, 59, 59, tzinfo=TZ)
    assert row.due_at == due
    assert row.warn_from == datetime(2026, 11, 19, 0, 0, tzinfo=TZ)
    deadlines_sweep(now=row.warn_from - timedelta(minutes=1))
    row.refresh_from_db()
    assert row.status == "pending"
    deadlines_sweep(now=row.warn_from)
    row.refresh_from_db()
    assert row.status == "warning"
    deadlines_sweep(now=due)
    row.refresh_from_db()
    assert row.status == "warning"
    deadlines_sweep(now=due + timedelta(minutes=1))
    row.refresh_from_db()
    assert row.status == "breach"
    assert "行政执法机关移送涉嫌犯罪案件的规定" in row.citation or "第8条" in row.citation


def test_accepting_a_transfer_files_the_case_and_meets_the_deadline(users, receive, on_commit) -> None:
    transfer = receive(volume="25", at=timezone.now() - timedelta(hours=5))
    assert transfer.case.source == "transfer" and transfer.case.transfer_agency == "武平县林业局"
    assert selectors.transfer_assessment(transfer).met
    assert LegalEvent.objects.filter(
        subject_id=transfer.case_id, code="transfer_received_from_admin_agency"
    ).exists()
    assert selectors.transfer_state(transfer) == TransferState.RECEIVED
    # 立案 needs a lead officer; a bad choice is refused in Chinese.
    with pytest.raises(ServiceError) as refused:
        services.transfer_decide(actor=users.legal_officer, transfer_id=transfer.pk, decision="accept")
    assert refused.value.field_errors == {"lead_officer_id": "请选择主办民警"}
    with pytest.raises(PermissionDenied):  # officers receive; they do not review
        services.transfer_decide(
            actor=users.wubei_officer,
            transfer_id=transfer.pk,
            decision="accept",
            lead_officer_id=users.wubei_officer.pk,
        )
    services.transfer_decide(
        actor=users.legal_officer,
        transfer_id=transfer.pk,
        decision="accept",
        reason="达到立案追诉标准",
        lead_officer_id=users.wubei_officer.pk,
    )
    transfer.refresh_from_db()
    assert selectors.transfer_state(transfer) == TransferState.REQUESTED
    with pytest.raises(Conflict):
        services.transfer_decide(
            actor=users.legal_officer, transfer_id=transfer.pk, decision="refuse", reason="x"
        )
    # The notice cannot be recorded before the decision takes effect.
    with pytest.raises(Conflict):
        services.transfer_notify(
            actor=users.wubei_officer,
            transfer_id=transfer.pk,
            notice_number="立通1号",
            issued_on=timezone.localdate(),
        )
    approval = services.pending_decision(transfer.case)
    on_commit(
        case_services.approval_decide, actor=users.wubei_chief, approval_id=approval.pk, decision="approve"
    )
    transfer.refresh_from_db()
    assert transfer.case.status == "filed" and transfer.case.lead_officer == users.wubei_officer
    assert Deadline.objects.get(subject_id=transfer.case_id, rule_id="TR-003").status == "met"
    on_commit(
        services.transfer_notify,
        actor=users.wubei_officer,
        transfer_id=transfer.pk,
        notice_number="武公立通字〔2026〕1号",
        issued_on=timezone.localdate(),
        served_at=timezone.now(),
        received_by="王某",
    )
    transfer.refresh_from_db()
    assert selectors.transfer_state(transfer) == TransferState.NOTIFIED
    event = LegalEvent.objects.get(subject_id=transfer.case_id, code="transfer_review_decided")
    assert event.fields["result"] == "filed"
    assert [
        a.action
        for a in AuditEntry.objects.filter(
            object_id=str(transfer.pk), action__startswith="ecology."
        ).order_by("seq")
    ] == [
        "ecology.transfer_receive",
        "ecology.transfer_decide",
        "ecology.transfer_notify",
    ]


def test_refusing_a_transfer_needs_reasons(users, receive, on_commit) -> None:
    transfer = receive(volume="8.6", at=timezone.now() - timedelta(hours=2))
    assessment = selectors.transfer_assessment(transfer)
    assert not assessment.met and "未达立案追诉标准" in assessment.explanation
    with pytest.raises(ServiceError) as refused:
        services.transfer_decide(
            actor=users.legal_officer, transfer_id=transfer.pk, decision="refuse", reason="  "
        )
    assert refused.value.message == "不予立案须写明理由"
    assert refused.value.field_errors == {"reason": "请写明不予立案的理由"}
    with pytest.raises(ServiceError) as refused:
        services.transfer_decide(actor=users.legal_officer, transfer_id=transfer.pk, decision="maybe")
    assert refused.value.field_errors == {"decision": "请选择立案或不予立案"}
    services.transfer_decide(
        actor=users.legal_officer,
        transfer_id=transfer.pk,
        decision="refuse",
        reason="立木蓄积8.6立方米，未达滥伐林木罪立案追诉标准（20立方米）",
    )
    approval = services.pending_decision(transfer.case)
    on_commit(
        case_services.approval_decide, actor=users.wubei_chief, approval_id=approval.pk, decision="approve"
    )
    transfer.refresh_from_db()
    assert transfer.case.status == "not_filed" and "8.6立方米" in transfer.case.decision_reason
    assert selectors.transfer_state(transfer) == TransferState.REFUSED
    with pytest.raises(ServiceError) as refused:
        services.transfer_notify(
            actor=users.wubei_officer,
            transfer_id=transfer.pk,
            notice_number="",
            issued_on=timezone.localdate() - timedelta(days=5),
        )
    assert refused.value.field_errors == {
        "notice_number": "请填写通知书文号",
        "issued_on": "通知书日期不能早于接受移送日期",
    }
    services.transfer_notify(
        actor=users.wubei_officer,
        transfer_id=transfer.pk,
        notice_number="不立通1号",
        issued_on=timezone.localdate(),
    )
    assert LegalEvent.objects.get(subject_id=transfer.case_id, code="transfer_review_decided").fields[
        "result"
    ] == ("not_filed")


def test_transfer_validation_and_duplicates(users, receive, agency) -> None:
    with pytest.raises(ServiceError) as refused:
        services.transfer_receive(
            actor=users.wubei_officer,
            agency_id=users.wubei_officer.unit_id,  # not an external body
            letter_number=" ",
            township_id=township(TAOXI).pk,
            offence_code="",
            facts="",
            materials="",
            quantities={"standing_volume_m3": "-1", "saplings": "2.5"},
        )
    assert refused.value.field_errors == {
        "agency_id": "请选择移送机关",
        "letter_number": "请填写移送书文号",
        "facts": "请填写涉嫌犯罪事实",
        "materials": "请列明移送材料",
        "offence_code": "请选择涉嫌罪名",
        "standing_volume_m3": "请填写不小于0的数量",
        "saplings": "请填写不小于0的数量（整数）",
    }
    receive(letter_number="武林移〔2026〕99号")
    with pytest.raises(Conflict):
        receive(letter_number="武林移〔2026〕99号")


def test_incomplete_materials_start_the_24_hour_supplement_notice(users, receive, on_commit) -> None:
    transfer = receive(materials_complete=False, at=timezone.now() - timedelta(hours=3))
    row = Deadline.objects.get(subject_id=transfer.case_id, rule_id="TR-004")
    assert row.due_at == transfer.received_at + timedelta(hours=24)
    on_commit(services.transfer_request_supplement, actor=users.wubei_officer, transfer_id=transfer.pk)
    assert Deadline.objects.get(subject_id=transfer.case_id, rule_id="TR-004").status == "met"
    with pytest.raises(Conflict):
        services.transfer_request_supplement(actor=users.wubei_officer, transfer_id=transfer.pk)


def test_who_sees_a_transfer(users, receive) -> None:
    transfer = receive()
    audited = AuditEntry.objects.filter(action="ecology.transfer_view").count()
    for reader in (users.forest, users.legal_affairs, users.leader, users.wubei_officer, users.legal_officer):
        assert selectors.transfer_get(actor=reader, transfer_id=transfer.pk) == transfer
    assert AuditEntry.objects.filter(action="ecology.transfer_view").count() == audited + 5
    for outsider in (users.pingchuan_officer, users.officer):  # 平川; 桃溪 team does not reach 湘店
        with pytest.raises(Http404):
            selectors.transfer_get(actor=outsider, transfer_id=transfer.pk)
    for outsider in (users.procurator, users.mediator, users.assistant, users.auditor):
        with pytest.raises(PermissionDenied):
            selectors.transfer_get(actor=outsider, transfer_id=transfer.pk)
