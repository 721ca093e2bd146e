"""Grid work (网格工作): what an assistant records, that they see only their own village and what they
recorded there (never case files or another village), and a station officer turning a report into an
incident or a dispute with one action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.community import selectors, services
from jingwu.community.models import InfoReport
from jingwu.core.errors import Conflict, ServiceError
from jingwu.incidents.models import Incident
from jingwu.mediation.models import Dispute
from jingwu.mediation.services import PartyInput


def patrol(actor, **extra):
    values = {"kind": "patrol", "place": "村部—小学—村道", "summary": "巡查未见异常"}
    values.update(extra)
    return services.activity_record(actor=actor, **values)


def report(actor, **extra):
    values = {
        "category": "dispute",
        "title": "两户因水圳发生争吵",
        "content": "两户村民因灌溉水圳改道发生争吵。",
    }
    values.update(extra)
    return services.report_submit(actor=actor, **values)


def test_an_assistant_records_in_the_assigned_village(assistant, assigned, taoxi) -> None:
    activity = patrol(assistant)
    visit = services.activity_record(
        actor=assistant, kind="visit", place="桃溪村3组", household="钟某", summary="宣传反诈"
    )
    hazard = services.hazard_report(
        actor=assistant, category="electrical", place="村道边", description="村道边电线老化，外皮破损"
    )
    info = report(assistant)
    assert {activity.village, visit.village, hazard.village, info.village} == {taoxi}
    assert info.number.startswith(f"XB{timezone.localdate().year}") and info.status == "submitted"
    assert hazard.status == "open"
    actions = set(AuditEntry.objects.filter(actor_username="assistant").values_list("action", flat=True))
    assert {"gridwork.patrol", "gridwork.visit", "gridwork.hazard", "gridwork.report"} <= actions


def test_an_assistant_without_a_village_cannot_record(assistant) -> None:
    with pytest.raises(ServiceError, match="尚未分配"):
        patrol(assistant)


def test_a_visit_names_the_household_and_times_are_not_in_the_future(assistant, assigned) -> None:
    with pytest.raises(ServiceError) as refused:
        services.activity_record(actor=assistant, kind="visit", place="桃溪村3组", summary="走访")
    assert "household" in refused.value.field_errors
    with pytest.raises(ServiceError):
        patrol(assistant, occurred_at=timezone.now() + timedelta(hours=2))


def test_an_assistant_cannot_record_for_someone_else(assistant, assigned, neighbour) -> None:
    other_staff = neighbour.community_staff
    with pytest.raises(PermissionDenied):
        patrol(assistant, staff_id=other_staff.pk)


def test_the_assistant_sees_only_their_village_and_their_own_records(
    assistant, assigned, neighbour, officer
) -> None:
    mine = patrol(assistant)
    theirs = patrol(neighbour)
    their_report = report(neighbour)
    assert list(selectors.activity_list(actor=assistant)) == [mine]
    assert list(selectors.report_list(actor=assistant)) == []
    with pytest.raises(Http404):
        selectors.report_get(actor=assistant, report_id=their_report.pk)
    with pytest.raises(Http404):
        selectors.village_get(actor=assistant, village_id=theirs.village_id)
    assert selectors.village_get(actor=assistant, village_id=mine.village_id) == mine.village
    # The station sees both villages.
    assert set(selectors.activity_list(actor=officer)) == {mine, theirs}
    assert AuditEntry.objects.filter(actor_username="assistant", outcome="denied").count() == 2


def test_the_assistant_cannot_write_on_another_villages_hazard(assistant, assigned, neighbour) -> None:
    hazard = services.hazard_report(actor=neighbour, category="fire", place="老街", description="柴草堆放")
    with pytest.raises(Http404):
        services.hazard_fix(actor=assistant, hazard_id=hazard.pk, note="已清理")


def test_other_stations_see_nothing(assistant, assigned, outsider) -> None:
    info = report(assistant)
    assert not selectors.report_list(actor=outsider).exists()
    with pytest.raises(Http404):
        selectors.report_get(actor=outsider, report_id=info.pk)
    with pytest.raises(Http404):
        services.report_to_incident(
            actor=outsider, report_id=info.pk, category="dispute", subcategory="neighbour"
        )


def test_the_assistant_cannot_open_case_files_or_other_villages_in_the_browser(
    assistant, assigned, neighbour
) -> None:
    their_report = report(neighbour)
    client = Client()
    client.force_login(assistant)
    assert client.get("/cases/").status_code == 403
    assert client.get("/incidents/").status_code == 403
    assert client.get(f"/community/reports/{their_report.pk}/").status_code == 404
    assert client.get(f"/community/villages/{their_report.village_id}/").status_code == 404
    assert client.get("/community/performance/").status_code == 403
    assert client.get("/community/").status_code == 302  # to their grid page
    assert client.get("/community/grid/").status_code == 200


def test_a_hazard_is_fixed_once_with_its_date(assistant, assigned) -> None:
    hazard = services.hazard_report(
        actor=assistant,
        category="forest_fire",
        place="后山",
        description="山林防火通道堵塞",
        found_at=timezone.now() - timedelta(days=3),
    )
    with pytest.raises(ServiceError, match="早于发现日期"):
        services.hazard_fix(
            actor=assistant, hazard_id=hazard.pk, fixed_on=timezone.localdate() - timedelta(days=5), note="x"
        )
    fixed = services.hazard_fix(actor=assistant, hazard_id=hazard.pk, note="组织村民清理通道")
    assert (fixed.status, fixed.fixed_on, fixed.fixed_by) == ("fixed", timezone.localdate(), assistant)
    with pytest.raises(Conflict):
        services.hazard_fix(actor=assistant, hazard_id=hazard.pk, note="再次")


def test_the_daily_log_is_one_per_day_and_rewritable(assistant, assigned) -> None:
    first = services.daily_log_save(actor=assistant, content="上午巡逻，下午走访")
    second = services.daily_log_save(actor=assistant, content="上午巡逻，下午走访三户")
    assert first.pk == second.pk and second.content.endswith("三户")
    assert selectors.today_log(actor=assistant) == second
    entry = AuditEntry.objects.filter(action="gridwork.log").order_by("-seq").first()
    assert entry.changes["content"] == ["上午巡逻，下午走访", "上午巡逻，下午走访三户"]


def test_a_report_becomes_an_incident_with_one_action(assistant, assigned, officer, taoxi) -> None:
    info = report(assistant, category="public_order", title="村尾空房夜间聚集", content="疑似聚众赌博")
    incident = services.report_to_incident(
        actor=officer, report_id=info.pk, category="public_order", subcategory="gambling"
    )
    info.refresh_from_db()
    assert (info.status, info.incident, info.handled_by) == ("adopted", incident, officer)
    assert incident.village == taoxi and incident.source == "transferred"
    assert info.number in incident.narrative and "疑似聚众赌博" in incident.narrative
    assert AuditEntry.objects.filter(action="community.report.to_incident", object_id=str(info.pk)).exists()
    with pytest.raises(Conflict):
        services.report_to_incident(
            actor=officer, report_id=info.pk, category="public_order", subcategory="gambling"
        )
    assert Incident.objects.filter(narrative__contains=info.number).count() == 1
    # The assistant sees the outcome on the report, not the incident itself.
    assert selectors.report_get(actor=assistant, report_id=info.pk).incident_id == incident.pk


def test_a_report_becomes_a_dispute_with_one_action(assistant, assigned, officer, taoxi) -> None:
    info = report(assistant)
    dispute = services.report_to_dispute(
        actor=officer,
        report_id=info.pk,
        kind="neighbour",
        parties=[
            PartyInput(role="applicant", name="刘测甲", phone="13800001111"),
            PartyInput(role="respondent", name="钟测乙"),
        ],
    )
    info.refresh_from_db()
    assert info.dispute == dispute and info.status == "adopted"
    assert (dispute.source, dispute.village, dispute.station.code) == ("screening", taoxi, "wp-ps-350824105")
    # A bad conversion (one party) leaves the report pending and creates nothing.
    other = report(assistant, title="另一起")
    with pytest.raises(ServiceError):
        services.report_to_dispute(
            actor=officer,
            report_id=other.pk,
            kind="neighbour",
            parties=[PartyInput(role="applicant", name="甲")],
        )
    other.refresh_from_db()
    assert (
        other.status == "submitted"
        and Dispute.objects.filter(description__contains=other.number).count() == 0
    )


def test_an_assistant_cannot_convert_reports(assistant, assigned) -> None:
    info = report(assistant)
    with pytest.raises(PermissionDenied):
        services.report_to_incident(
            actor=assistant, report_id=info.pk, category="dispute", subcategory="neighbour"
        )
    assert InfoReport.objects.get(pk=info.pk).status == "submitted"


def test_not_adopting_needs_a_reason(assistant, assigned, officer) -> None:
    info = report(assistant)
    with pytest.raises(ServiceError):
        services.report_decide(actor=officer, report_id=info.pk, adopted=False, note=" ")
    decided = services.report_decide(actor=officer, report_id=info.pk, adopted=False, note="经核实不属实")
    assert decided.status == "not_adopted"


def test_an_officer_records_for_a_staff_member_who_does_not_log_in(chief, officer, taoxi, outsider) -> None:
    ranger = services.staff_register(actor=chief, name="钟护林", kind="forest_ranger", village_id=taoxi.pk)
    activity = patrol(officer, staff_id=ranger.pk, place="后山林区")
    assert activity.staff == ranger and activity.recorded_by == officer and activity.village == taoxi
    with pytest.raises(Http404):
        patrol(outsider, staff_id=ranger.pk)
