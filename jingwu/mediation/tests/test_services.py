"""Dispute mediation's services: registration, each route (治安调解 with its eligibility, 人民调解, 移交),
sessions and agreement with the case timeline's events, failure, follow-up with reopening, judicial
confirmation, and the illegal transitions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from jingwu.audit.models import AuditEntry
from jingwu.cases import services as case_services
from jingwu.core.errors import Conflict, ServiceError
from jingwu.mediation import services, workflow
from jingwu.mediation.models import DisputeHistory, FollowUp
from jingwu.mediation.services import TermInput
from jingwu.mediation.tests.conftest import parties
from jingwu.org.models import Role, Unit, User
from jingwu.timeline.models import LegalEvent

pytestmark = pytest.mark.django_db


def admin_case(officer, offence_code: str = "A-beating", kind: str = "administrative"):
    return case_services.case_accept(
        actor=officer,
        kind=kind,
        title="桃溪村民因滴水纠纷殴打他人案",
        facts="两邻居因滴水纠纷发生推搡，一方面部轻微受伤。",
        source="walk_in",
        offence_code=offence_code if kind == "administrative" else "",
    )


def case_events(case) -> list[str]:
    return list(
        LegalEvent.objects.filter(subject_type="case", subject_id=case.pk, code__startswith="mediation")
        .order_by("at", "id")
        .values_list("code", flat=True)
    ) + list(
        LegalEvent.objects.filter(subject_type="case", subject_id=case.pk, code__startswith="agreement")
        .order_by("at", "id")
        .values_list("code", flat=True)
    )


def session(actor, dispute, result="not_agreed"):
    return services.session_record(
        actor=actor,
        dispute_id=dispute.pk,
        held_at=timezone.now(),
        place="桃溪派出所调解室",
        participants="双方当事人、村调解主任",
        summary="双方陈述各自意见，民警释法说理。",
        result=result,
    )


def agree(actor, dispute, *due: date | None):
    terms = [TermInput(f"赔偿第{i}笔", Decimal("500.00"), d) for i, d in enumerate(due or (None,), start=1)]
    return services.agreement_record(
        actor=actor, dispute_id=dispute.pk, concluded_on=timezone.localdate(), terms=terms
    )


# --------------------------------------------------------------------------------------------------
# registration


def test_registration_records_parties_history_suggestion_and_audit(officer, register):
    dispute = register(officer, description="双方因滴水问题多次争吵，一方扬言要放火烧房。")
    assert dispute.number.startswith(f"JF{timezone.localdate().year}")
    assert dispute.status == "registered"
    assert dispute.station.code == "wp-ps-350824105"
    assert [p.role for p in dispute.parties.all()] == ["applicant", "respondent"]
    # Left empty by the officer, the level is the system's suggestion, with its reasons.
    assert dispute.risk_suggested == "high" and dispute.risk_level == "high"
    assert any("扬言" in r for r in dispute.risk_reasons)
    assert DisputeHistory.objects.get(dispute=dispute).to_status == "registered"
    assert AuditEntry.objects.filter(action="dispute.create", object_id=str(dispute.pk)).exists()


def test_the_officer_sets_the_level_against_the_suggestion(officer, register):
    dispute = register(officer, risk_level="medium")
    assert dispute.risk_suggested == "low" and dispute.risk_level == "medium"
    changed = services.dispute_set_risk(actor=officer, dispute_id=dispute.pk, level="high", reason="所长研判")
    assert changed.risk_level == "high"
    assert "风险等级：中 → 高" in DisputeHistory.objects.filter(dispute=dispute).last().text


def test_a_repeated_dispute_between_the_same_parties_is_a_signal(officer, register):
    first = register(officer)
    again = [services.PartyInput(role="applicant", person_id=p.person_id) for p in first.parties.all()]
    second = register(officer, parties=again, description="两户又因排水沟问题发生争吵。")
    assert second.risk_suggested == "medium"
    assert any("已有1起纠纷" in r for r in second.risk_reasons)


def test_registration_outside_ones_area_is_refused(outsider, register):
    with pytest.raises(ServiceError) as refused:
        register(outsider)
    assert refused.value.field_errors["village_id"] == "该村（社区）不在您的辖区"


def test_a_dispute_needs_two_parties(officer, register):
    with pytest.raises(ServiceError) as refused:
        register(officer, parties=parties("钟独一"))
    assert "至少登记两方当事人" in refused.value.message


def test_registration_from_an_incident_links_both_ways(officer, register):
    from jingwu.incidents.models import Incident
    from jingwu.incidents.services import incident_create

    dispatcher = User.objects.get(username="dispatcher")
    incident = incident_create(
        actor=dispatcher,
        source="phone_110",
        village_code="350824105201",
        category="dispute",
        subcategory="neighbour",
        narrative="报警称邻居因宅基地滴水发生争吵。",
        caller_name="钟报警",
        caller_phone="13900001111",
    ).incident
    dispute = register(officer, source="incident", incident_id=incident.pk)
    assert dispute.incident_id == incident.pk
    assert Incident.objects.get(pk=incident.pk).linked_dispute_id == dispute.pk
    with pytest.raises(Conflict):
        register(officer, source="incident", incident_id=incident.pk, parties=parties("甲某", "乙某"))


# --------------------------------------------------------------------------------------------------
# routes


def test_police_mediation_of_an_eligible_case_records_the_timeline(officer, register):
    case = admin_case(officer, "A-beating")
    dispute = register(officer)
    services.dispute_route(actor=officer, dispute_id=dispute.pk, route="police", case_id=case.pk)
    dispute.refresh_from_db()
    assert dispute.status == "in_mediation" and dispute.case_id == case.pk
    session(officer, dispute)
    session(officer, dispute, "agreed")
    agree(officer, dispute, timezone.localdate() + timedelta(days=10))
    assert case_events(case) == [
        "mediation_first_session",
        "mediation_second_session",
        "mediation_agreement_reached",
    ]
    dispute.refresh_from_db()
    assert dispute.status == "agreed"


@pytest.mark.parametrize(
    ("offence", "kind", "message"),
    [
        ("A-theft", "administrative", "不属于可以治安调解"),
        ("A-gambling", "administrative", "不属于可以治安调解"),
        ("", "criminal", "只能关联行政（治安）案件"),
    ],
)
def test_police_mediation_is_refused_for_an_ineligible_case(officer, register, offence, kind, message):
    case = admin_case(officer, offence, kind)
    dispute = register(officer)
    with pytest.raises(ServiceError) as refused:
        services.dispute_route(actor=officer, dispute_id=dispute.pk, route="police", case_id=case.pk)
    assert message in refused.value.message
    dispute.refresh_from_db()
    assert dispute.status == "registered" and not dispute.routes.exists()


def test_police_mediation_is_refused_when_an_exclusion_applies(officer, register):
    dispute = register(officer, case_id=admin_case(officer).pk)
    with pytest.raises(ServiceError) as refused:
        services.dispute_route(
            actor=officer, dispute_id=dispute.pk, route="police", exclusions=["gang_fight"]
        )
    assert "结伙斗殴" in refused.value.message and "第179条" in refused.value.message


def test_referral_to_people_mediation_then_the_mediator_mediates(officer, mediator, register):
    dispute = register(officer, kind="land_forest")
    route = services.dispute_route(
        actor=officer, dispute_id=dispute.pk, route="people", mediator_id=mediator.pk
    )
    assert route.mediator == mediator
    session(mediator, dispute, "agreed")
    agreement = agree(mediator, dispute, timezone.localdate() + timedelta(days=20))
    assert agreement.route == route
    # No case, no legal events; the agreement's dated term has its follow-up visit.
    assert FollowUp.objects.filter(dispute=dispute).count() == 1


def test_the_route_can_change_and_its_history_is_kept(officer, mediator, register):
    dispute = register(officer)
    services.dispute_route(actor=officer, dispute_id=dispute.pk, route="people", mediator_id=mediator.pk)
    services.dispute_route(actor=officer, dispute_id=dispute.pk, route="other", body="court")
    dispute.refresh_from_db()
    assert dispute.status == "referred_out"
    routes = list(dispute.routes.order_by("id"))
    assert [r.route for r in routes] == ["people", "other"]
    assert routes[0].ended_at is not None and routes[1].ended_at is None
    # The mediator keeps seeing what was once referred to them, but may no longer record on it.
    assert services.visible_dispute(mediator, dispute.pk) == dispute
    with pytest.raises(PermissionDenied):
        session(mediator, dispute)


def test_referral_to_another_body_needs_a_known_body(officer, register):
    dispute = register(officer)
    with pytest.raises(ServiceError) as refused:
        services.dispute_route(actor=officer, dispute_id=dispute.pk, route="other", body="nowhere")
    assert refused.value.field_errors == {"body": "请选择移交的机关"}


def test_failure_records_why_and_what_follows(officer, register):
    case = admin_case(officer)
    dispute = register(officer)
    services.dispute_route(actor=officer, dispute_id=dispute.pk, route="police", case_id=case.pk)
    session(officer, dispute)
    failed = services.mediation_fail(
        actor=officer,
        dispute_id=dispute.pk,
        reason="被侵害人坚持要求处罚",
        follow_on="administrative_case",
        follow_on_case_id=case.pk,
    )
    assert failed.status == "failed" and failed.follow_on_case == case
    assert case_events(case) == ["mediation_first_session", "mediation_failed"]


# --------------------------------------------------------------------------------------------------
# follow-up


def test_non_performance_reopens_the_dispute_and_records_the_case_event(officer, register):
    case = admin_case(officer)
    dispute = register(officer)
    services.dispute_route(actor=officer, dispute_id=dispute.pk, route="police", case_id=case.pk)
    session(officer, dispute, "agreed")
    agree(officer, dispute, timezone.localdate(), timezone.localdate())
    first, second = FollowUp.objects.filter(dispute=dispute).order_by("id")
    services.follow_up_record(actor=officer, follow_up_id=first.pk, performed=True)
    dispute.refresh_from_db()
    assert dispute.status == "agreed"  # one term still pending
    with pytest.raises(ServiceError):
        services.follow_up_record(actor=officer, follow_up_id=second.pk, performed=False)  # no reason
    services.follow_up_record(actor=officer, follow_up_id=second.pk, performed=False, note="对方拒不支付")
    dispute.refresh_from_db()
    assert dispute.status == "reopened"
    last = DisputeHistory.objects.filter(dispute=dispute).exclude(to_status="").last()
    assert (last.from_status, last.to_status, last.resolved) == ("agreed", "reopened", False)
    assert case_events(case)[-1] == "agreement_not_performed"
    with pytest.raises(Conflict):
        services.follow_up_record(actor=officer, follow_up_id=second.pk, performed=True)


def test_all_terms_performed_close_the_dispute_as_resolved(officer, mediator, register):
    dispute = register(officer)
    services.dispute_route(actor=officer, dispute_id=dispute.pk, route="people", mediator_id=mediator.pk)
    agree(mediator, dispute, timezone.localdate())
    (visit,) = FollowUp.objects.filter(dispute=dispute)
    services.follow_up_record(actor=mediator, follow_up_id=visit.pk, performed=True, note="已当面付清")
    dispute.refresh_from_db()
    assert dispute.status == "closed"
    assert DisputeHistory.objects.filter(dispute=dispute).exclude(to_status="").last().resolved


def test_an_agreement_with_pending_visits_is_not_closed_by_hand(officer, register):
    dispute = register(officer)
    services.dispute_route(actor=officer, dispute_id=dispute.pk, route="police")
    agree(officer, dispute, timezone.localdate() + timedelta(days=5))
    with pytest.raises(Conflict) as refused:
        services.dispute_close(actor=officer, dispute_id=dispute.pk)
    assert "待回访" in refused.value.message


# --------------------------------------------------------------------------------------------------
# judicial confirmation


def test_judicial_confirmation_of_a_people_mediation_agreement(officer, mediator, register):
    dispute = register(officer)
    services.dispute_route(actor=officer, dispute_id=dispute.pk, route="people", mediator_id=mediator.pk)
    agreement = agree(mediator, dispute)
    row = services.confirmation_apply(
        actor=mediator, agreement_id=agreement.pk, applied_on=timezone.localdate()
    )
    assert row.court == "武平县人民法院" and row.result == "pending"
    with pytest.raises(Conflict):
        services.confirmation_apply(
            actor=mediator, agreement_id=agreement.pk, applied_on=timezone.localdate()
        )
    services.confirmation_decide(
        actor=officer, agreement_id=agreement.pk, result="rejected", decided_on=timezone.localdate()
    )
    dispute.refresh_from_db()
    assert dispute.status == "reopened"


def test_police_mediation_agreements_are_not_judicially_confirmed(officer, register):
    dispute = register(officer)
    services.dispute_route(actor=officer, dispute_id=dispute.pk, route="police")
    agreement = agree(officer, dispute)
    with pytest.raises(Conflict) as refused:
        services.confirmation_apply(actor=officer, agreement_id=agreement.pk, applied_on=timezone.localdate())
    assert "只有人民调解协议" in refused.value.message


# --------------------------------------------------------------------------------------------------
# workflow and access


def test_illegal_transitions_are_refused_in_chinese():
    with pytest.raises(Conflict) as refused:
        workflow.check("registered", "agreed")
    assert refused.value.message == "纠纷当前状态为“已登记”，不能变更为“达成协议”"
    assert workflow.check("agreed", "reopened") == "协议未履行，重新开启"
    assert "reopened" in workflow.targets("closed")


def test_an_agreement_needs_a_mediation_route(officer, register):
    dispute = register(officer)
    with pytest.raises(Conflict) as refused:
        agree(officer, dispute)
    assert "请先选择治安调解或人民调解途径" in refused.value.message


def test_another_stations_officer_gets_a_404_that_is_audited(officer, outsider, register):
    dispute = register(officer)
    with pytest.raises(Http404):
        services.visible_dispute(outsider, dispute.pk)
    assert AuditEntry.objects.filter(
        action="dispute.view", object_id=str(dispute.pk), outcome="denied", actor_username="pingchuan_officer"
    ).exists()
    with pytest.raises(Http404):
        services.dispute_route(actor=outsider, dispute_id=dispute.pk, route="police")


def test_mediators_see_only_their_referrals(officer, mediator, register):
    other = User.objects.create_user(
        username="mediator_b", password="x" * 12, full_name="刘调解", unit=Unit.objects.get(code="ext-tjw")
    )
    other.roles.add(Role.objects.get(code="mediator"))
    mine, theirs, nobody = register(officer), register(officer), register(officer)
    services.dispute_route(actor=officer, dispute_id=mine.pk, route="people", mediator_id=mediator.pk)
    services.dispute_route(actor=officer, dispute_id=theirs.pk, route="people", mediator_id=other.pk)
    seen = set(services.visible_disputes(mediator).values_list("pk", flat=True))
    assert mine.pk in seen and theirs.pk not in seen and nobody.pk not in seen
    with pytest.raises(Http404):
        services.visible_dispute(mediator, theirs.pk)
    # A mediator does not choose routes: that is the station's.
    with pytest.raises(PermissionDenied):
        services.dispute_route(actor=mediator, dispute_id=mine.pk, route="other", body="court")


def test_assistants_report_and_see_only_their_reports(officer, assistant, register):
    reported = register(assistant, source="screening", parties=parties("蓝排查", "钟排查"))
    assert reported.reported_by == assistant and reported.source == "screening"
    by_officer = register(officer)
    seen = set(services.visible_disputes(assistant).values_list("pk", flat=True))
    assert reported.pk in seen and by_officer.pk not in seen
    with pytest.raises(ServiceError):
        register(assistant, source="walk_in")
    with pytest.raises(PermissionDenied):
        services.dispute_route(actor=assistant, dispute_id=reported.pk, route="police")
