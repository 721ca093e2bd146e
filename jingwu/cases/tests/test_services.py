"""Case handling through the service layer (issue 4): the criminal walk from an incident to closure
after a return for supplementary investigation, the administrative walk, case numbers (also under
interleaved transactions on PostgreSQL), optimistic locking, scope, approvals and deliberations.

Demo accounts (jingwu/org/demo.py): `officer` (桃溪社区警务队), `chief` (桃溪派出所所长),
`legal_officer` and `wubei_officer` (武北联合派出所案件办理队), `pingchuan_officer` (平川),
`leader` (局领导), `procurator`, `legal_affairs` (法制大队).
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jingwu.audit.models import AuditEntry, Outcome
from jingwu.cases import selectors, services
from jingwu.cases.choices import ApprovalStatus, PartyRole
from jingwu.cases.models import Approval, Case, CaseNumberCounter, CaseParty, Deliberation, Measure
from jingwu.cases.offences import find_offence
from jingwu.core.errors import Conflict, ServiceError
from jingwu.incidents import services as incident_services
from jingwu.incidents.models import Incident
from jingwu.org.models import Unit, User
from jingwu.people.models import Person
from jingwu.people.services import person_create
from jingwu.timeline.models import LegalEvent

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TAOXI_VILLAGE = "350824105201"  # 桃溪镇 桃溪村委会
TAOXI = "wp-ps-350824105"
YONGPING = "wp-ps-350824110"
PINGCHUAN = "wp-ps-350824001"
ZHONGSHAN = "wp-ps-350824101"
WUBEI_NUMBER = re.compile(r"^WP-WB-AJ-(\d{4})-(\d{5})$")
CENTER_NUMBER = re.compile(r"^WP-ZX-(\d{4})-(\d{5})$")
THEFT = find_offence("盗窃罪", "criminal").code  # type: ignore[union-attr]
ADMIN_THEFT = "A-theft"


# --- helpers ---------------------------------------------------------------------------------------------


@pytest.fixture
def users(user_of) -> Any:
    """`users.officer`, `users.chief` …: fresh instances of the demo accounts."""

    class Users:
        def __getattr__(self, name: str) -> User:
            user = user_of(name)
            setattr(self, name, user)
            return user

    return Users()


def pingchuan_chief() -> User:
    """A unit chief of 平川: an approver who does not see 桃溪's cases."""
    from jingwu.org.models import Role

    chief, created = User.objects.get_or_create(
        username="test-pingchuan-chief",
        defaults={"full_name": "平川所长", "unit": Unit.objects.get(code=PINGCHUAN)},
    )
    if created:
        chief.roles.add(Role.objects.get(code="unit_chief"))
    return User.objects.select_related("unit").get(pk=chief.pk)


def roster(unit_code: str, number: int = 1) -> User:
    return User.objects.select_related("unit").get(username=f"roster-{unit_code}-{number}")


def incident(dispatcher: User, **extra: Any) -> Incident:
    result = incident_services.incident_create(
        actor=dispatcher,
        source="phone_110",
        village_code=TAOXI_VILLAGE,
        category="dispute",
        subcategory="neighbour",
        priority=2,
        narrative="村民报称家中财物被盗",
        caller_name="报案人甲",
        caller_phone="13912345678",
        received_at=timezone.now() - timedelta(minutes=30),
        **extra,
    )
    return result.incident


def accept(actor: User, kind: str = "criminal", **extra: Any) -> Case:
    data: dict[str, Any] = {
        "kind": kind,
        "title": "桃溪村民家中被盗案" if kind == "criminal" else "桃溪村民殴打他人案",
        "facts": "报案人称其家中财物被盗" if kind == "criminal" else "两村民因琐事发生争执，一方殴打另一方",
        "source": "walk_in",
        **extra,
    }
    return services.case_accept(actor=actor, **data)


def assign(reviewer: User, case: Case, lead: User, *, major: bool = False, **extra: Any) -> Case:
    case.refresh_from_db()
    return services.case_assign(
        actor=reviewer,
        case_id=case.pk,
        version=case.version,
        kind=case.kind,
        offence_code=extra.pop("offence_code", THEFT if case.kind == "criminal" else ADMIN_THEFT),
        is_major=major,
        lead_officer_id=lead.pk,
        **extra,
    )


def suspect(officer: User, case: Case, name: str = "嫌疑人乙") -> CaseParty:
    person = person_create(actor=officer, name=name, sex="male")
    return services.party_add(actor=officer, case_id=case.pk, person_id=person.pk, role=PartyRole.SUSPECT)


def approve_all(approval: Approval, *approvers: User) -> Approval:
    for approver in approvers:
        approval = services.approval_decide(
            actor=approver, approval_id=approval.pk, decision="approve", opinion="同意"
        )
    return approval


def filed(users: Any, kind: str = "criminal", *, major: bool = False) -> Case:
    """A case accepted by the 桃溪 officer, assigned to him by the legal officer, filed by the chief."""
    case = accept(users.officer, kind)
    assign(users.legal_officer, case, users.officer, major=major)
    approval = services.case_request(actor=users.legal_officer, case_id=case.pk, transition="file")
    approve_all(approval, users.chief)
    case.refresh_from_db()
    assert case.status == "filed"
    return case


def events(case: Case) -> list[tuple[str, str]]:
    return [(e.code, e.person) for e in LegalEvent.objects.filter(subject_type="case", subject_id=case.pk)]


def audited(case: Case, *, outcome: str = Outcome.ALLOWED) -> list[tuple[str, str]]:
    return [
        (e.action, e.actor_username)
        for e in AuditEntry.objects.filter(
            object_type="cases.case", object_id=str(case.pk), outcome=outcome
        ).order_by("seq")
        if e.action != "case.view"
    ]


def deliberate(
    leader: User, case: Case, participants: list[User], votes_for: int, **extra: Any
) -> Deliberation:
    return services.deliberation_record(
        actor=leader,
        case_id=case.pk,
        topic="是否移送审查起诉",
        held_at=timezone.now(),
        participant_ids=[u.pk for u in participants],
        opinions=[{"name": u.full_name, "opinion": "同意移送"} for u in participants[:votes_for]],
        decision="同意移送审查起诉",
        votes_for=votes_for,
        votes_against=extra.pop("votes_against", len(participants) - votes_for),
        **extra,
    )


# --- the criminal walk ------------------------------------------------------------------------------------


def test_the_criminal_walk_from_an_incident_to_closure(users: Any) -> None:
    officer, legal, chief, leader = users.officer, users.legal_officer, users.chief, users.leader
    call = incident(users.dispatcher)

    # 受案 from the incident's disposition: into the 武北 case team's review queue.
    case = accept(officer, source="incident", incident_id=call.pk, title="桃溪村民家中被盗案")
    assert (case.status, case.station.code, case.reviewing_unit.code) == ("accepted", TAOXI, "wp-wb-aj")
    assert WUBEI_NUMBER.match(case.number)
    assert case.number[9:13] == str(timezone.localtime(case.accepted_at).year)
    assert case.incident_id == call.pk and case.filed_at is None and case.closed_at is None
    call.refresh_from_db()
    assert call.linked_case_id == case.pk
    [reporter] = case.parties.all()
    assert (reporter.role, reporter.person.name) == (PartyRole.REPORTER, "报案人甲")
    assert case in selectors.case_list(actor=legal, filters=selectors.CaseFilters(review_queue=True))

    # 立案 needs the review first, and an officer may not review.
    with pytest.raises(Conflict, match="请先完成审查指派（案由、主办民警）"):
        services.case_request(actor=legal, case_id=case.pk, transition="file")
    with pytest.raises(PermissionDenied):
        services.case_request(actor=officer, case_id=case.pk, transition="file")

    # 审查指派: major, led by the 桃溪 officer with a colleague.
    helper = roster(f"{TAOXI}-sq")
    case = assign(legal, case, officer, major=True, officer_ids=[helper.pk])
    assert (case.offence, case.is_major, case.lead_officer, case.handling_unit.code) == (
        "盗窃罪",
        True,
        officer,
        TAOXI,
    )
    assert list(case.officers.all()) == [helper] and case.version == 2

    # 立案: the unit chief approves, then the case is filed.
    approval = services.case_request(actor=legal, case_id=case.pk, transition="file")
    assert isinstance(approval, Approval)
    assert (approval.status, approval.roles, approval.current_role) == (
        "pending",
        ["unit_chief"],
        "unit_chief",
    )
    case.refresh_from_db()
    assert case.status == "accepted"
    approval = approve_all(approval, chief)
    case.refresh_from_db()
    assert (approval.status, approval.current_role, case.status) == ("approved", "", "filed")
    assert case.filed_at is not None and approval.decided_at is not None
    assert [(h["role"], h["user"], h["decision"]) for h in approval.history] == [
        ("unit_chief", "chief", "approve")
    ]

    # 刑事拘留 on the suspect: legal officer, then the leader; the measure starts at the last approval.
    party = suspect(officer, case)
    detention = services.measure_request(
        actor=officer, case_id=case.pk, party_id=party.pk, kind="criminal_detention", note="涉嫌盗窃"
    )
    assert isinstance(detention, Approval) and detention.roles == ["legal_officer", "leader"]
    detention = approve_all(detention, legal)
    assert (detention.status, detention.current_role) == ("pending", "leader")
    assert not Measure.objects.filter(case=case).exists()
    with pytest.raises(ServiceError, match="该事项待局领导审批"):
        services.approval_decide(actor=legal, approval_id=detention.pk, decision="approve")
    before_last = timezone.now()
    detention = approve_all(detention, leader)
    [measure] = Measure.objects.filter(case=case)
    assert (measure.kind, measure.party, measure.note, measure.ended_at) == (
        "criminal_detention",
        party,
        "涉嫌盗窃",
        None,
    )
    assert measure.started_at >= before_last and measure.created_by == officer

    # 提请批准逮捕 (legal review and the leader first) → 批准逮捕 → 执行逮捕 (refused before the
    # procuratorate's approval is recorded).
    request = services.party_event_record(
        actor=officer, case_id=case.pk, party_id=party.pk, code="arrest_request_submitted"
    )
    assert isinstance(request, Approval) and request.roles == ["legal_officer", "leader"]
    assert "arrest_request_submitted" not in [code for code, _ in events(case)]
    approve_all(request, legal, leader)
    with pytest.raises(Conflict, match="执行逮捕须先登记检察院批准逮捕决定"):
        services.measure_request(actor=officer, case_id=case.pk, party_id=party.pk, kind="arrest")
    services.party_event_record(
        actor=officer, case_id=case.pk, party_id=party.pk, code="arrest_approved", note="武检捕〔2026〕1号"
    )
    arrest = services.measure_request(actor=officer, case_id=case.pk, party_id=party.pk, kind="arrest")
    assert isinstance(arrest, Measure) and arrest.kind == "arrest"

    # 移送审查起诉: a major case needs a passed collective deliberation first.
    with pytest.raises(Conflict, match="重大疑难复杂案件须经集体议案通过后方可“移送审查起诉”"):
        services.case_request(actor=officer, case_id=case.pk, transition="transfer_for_prosecution")
    with pytest.raises(ServiceError) as too_few:
        deliberate(leader, case, [leader, legal], votes_for=2)
    assert too_few.value.field_errors["participant_ids"] == "集体议案参会人员不少于3人"
    meeting = deliberate(leader, case, [leader, legal, chief, officer], votes_for=3)
    assert meeting.passed and meeting.participants.count() == 4 and meeting.chair == leader
    transfer = services.case_request(actor=officer, case_id=case.pk, transition="transfer_for_prosecution")
    assert transfer.roles == ["legal_officer", "leader"]
    approve_all(transfer, legal, leader)
    case.refresh_from_db()
    assert (case.status, case.closed_at) == ("transferred", None)

    # 退回补充侦查: recorded at once, with a reason.
    with pytest.raises(ServiceError, match="“登记退回补充侦查”须说明理由") as no_reason:
        services.case_request(actor=officer, case_id=case.pk, transition="record_return")
    assert no_reason.value.field_errors == {"reason": "请说明理由"}
    returned = services.case_request(
        actor=officer, case_id=case.pk, transition="record_return", reason="证据不足，退回补充侦查"
    )
    assert isinstance(returned, Case)
    assert (returned.status, returned.decision_reason) == ("returned", "证据不足，退回补充侦查")

    # 重新移送 (legal review), then 结案.
    resubmit = services.case_request(actor=officer, case_id=case.pk, transition="resubmit")
    assert resubmit.roles == ["legal_officer"]
    approve_all(resubmit, legal)
    case.refresh_from_db()
    assert case.status == "transferred"
    closed = services.case_request(actor=officer, case_id=case.pk, transition="close")
    assert closed.status == "closed" and closed.closed_at is not None
    assert closed.closed_at >= closed.filed_at >= closed.accepted_at
    assert selectors.available_transitions(actor=officer, case=closed) == []
    with pytest.raises(Conflict, match="案件已办结"):
        suspect(officer, case, "嫌疑人丙")

    # The legal timeline, in order, with the suspect's person key on his events.
    key = party.key
    assert key == f"P{party.pk}"
    assert events(case) == [
        ("report_received", ""),
        ("case_accepted", ""),
        ("case_filed", ""),
        ("criminal_detention_executed", key),
        ("arrest_request_submitted", key),
        ("arrest_approved", key),
        ("arrest_executed", key),
        ("transferred_for_prosecution", ""),
        ("returned_for_supplementary_investigation", ""),
        ("resubmitted_for_prosecution", ""),
    ]
    received = LegalEvent.objects.get(subject_type="case", subject_id=case.pk, code="report_received")
    assert received.at == call.received_at and received.fields == {"incident": call.number}
    assert received.unit.code == "wp-wb-aj"
    # Transitions that waited for approval are recorded as the requesting officer's acts.
    filing = LegalEvent.objects.get(subject_type="case", subject_id=case.pk, code="case_filed")
    assert filing.recorded_by == legal and filing.at == case.filed_at

    assert audited(case) == [
        ("case.accept", "officer"),
        ("case.assign", "legal_officer"),
        ("case.request", "legal_officer"),
        ("case.file", "legal_officer"),
        ("case.approval.approve", "chief"),
        ("case.party_add", "officer"),
        ("case.request", "officer"),
        ("case.approval.approve", "legal_officer"),
        ("case.measure_start", "officer"),
        ("case.approval.approve", "leader"),
        ("case.request", "officer"),
        ("case.approval.approve", "legal_officer"),
        ("case.event", "officer"),
        ("case.approval.approve", "leader"),
        ("case.event", "officer"),
        ("case.measure_start", "officer"),
        ("case.deliberation", "leader"),
        ("case.request", "officer"),
        ("case.approval.approve", "legal_officer"),
        ("case.transfer_for_prosecution", "officer"),
        ("case.approval.approve", "leader"),
        ("case.record_return", "officer"),
        ("case.request", "officer"),
        ("case.resubmit", "officer"),
        ("case.approval.approve", "legal_officer"),
        ("case.close", "officer"),
    ]
    # The refused approval step was audited as a denial.
    assert ("case.approve", "legal_officer") in audited(case, outcome=Outcome.DENIED)
    texts = list(case.activities.values_list("text", flat=True))
    assert texts[0].startswith("受案，进入武北区域联合派出所案件办理队审查队列")
    assert "局领导审批“刑事拘留（嫌疑人乙）”：同意。同意" in texts


def test_the_administrative_walk(users: Any) -> None:
    officer, legal, chief = users.officer, users.legal_officer, users.chief

    case = accept(officer, "administrative")
    assert (case.station.code, case.reviewing_unit.code) == (TAOXI, "wp-wb-aj")  # the officer's station
    assert case.parties.count() == 0
    assign(legal, case, officer)
    approve_all(services.case_request(actor=legal, case_id=case.pk, transition="file"), chief)
    case.refresh_from_db()
    assert case.status == "filed" and case.filed_at is not None
    assert case.offence == "盗窃"

    # 传唤 needs no approval: it starts at once, and ends.
    party = suspect(officer, case, "违法嫌疑人丁")
    summons = services.measure_request(actor=officer, case_id=case.pk, party_id=party.pk, kind="summons")
    assert isinstance(summons, Measure) and summons.started_at >= case.filed_at
    arrived = summons.started_at
    with pytest.raises(Conflict, match="该当事人的传唤尚未结束"):
        services.measure_request(actor=officer, case_id=case.pk, party_id=party.pk, kind="summons")
    with pytest.raises(ServiceError, match="结束时间不能早于开始时间"):
        services.measure_end(actor=officer, measure_id=summons.pk, ended_at=arrived - timedelta(minutes=1))
    ended = services.measure_end(actor=officer, measure_id=summons.pk)
    assert ended.ended_at >= arrived
    with pytest.raises(Conflict, match="该措施已结束"):
        services.measure_end(actor=officer, measure_id=summons.pk)
    # Criminal measures do not apply to an administrative case.
    with pytest.raises(ServiceError, match="该案件类别不适用此措施"):
        services.measure_request(actor=officer, case_id=case.pk, party_id=party.pk, kind="criminal_detention")

    # 作出处罚决定: legal review, then the unit chief.
    decision = services.case_request(actor=officer, case_id=case.pk, transition="decide", reason="罚款五百元")
    assert decision.roles == ["legal_officer", "unit_chief"]
    decision = approve_all(decision, legal)
    with pytest.raises(ServiceError, match="该事项待办案单位负责人审批"):
        services.approval_decide(actor=legal, approval_id=decision.pk, decision="approve")
    approve_all(decision, chief)
    case.refresh_from_db()
    assert (case.status, case.decision_reason, case.closed_at) == ("decided", "罚款五百元", None)
    closed = services.case_request(actor=officer, case_id=case.pk, transition="close")
    assert closed.status == "closed" and closed.closed_at is not None

    key = party.key
    assert events(case) == [
        ("report_received", ""),
        ("admin_case_accepted", ""),
        ("admin_case_filed", ""),
        ("summons_arrived", key),
        ("summons_ended", key),
        ("admin_decision_made", ""),
    ]
    assert [action for action, _ in audited(case)] == [
        "case.accept",
        "case.assign",
        "case.request",
        "case.file",
        "case.approval.approve",
        "case.party_add",
        "case.measure_start",
        "case.measure_end",
        "case.request",
        "case.approval.approve",
        "case.decide",
        "case.approval.approve",
        "case.close",
    ]


def test_declining_to_file_needs_a_reason_and_ends_the_case(users: Any) -> None:
    case = accept(users.officer)
    with pytest.raises(ServiceError, match="“不予立案”须说明理由"):
        services.case_request(actor=users.legal_officer, case_id=case.pk, transition="decline")
    approval = services.case_request(
        actor=users.legal_officer, case_id=case.pk, transition="decline", reason="没有犯罪事实"
    )
    approve_all(approval, users.chief)
    case.refresh_from_db()
    assert (case.status, case.decision_reason) == ("not_filed", "没有犯罪事实")
    assert case.closed_at is not None and case.filed_at is None
    assert ("decision_not_to_file", "") in events(case)


def test_a_transition_from_the_wrong_state_or_for_the_wrong_kind_is_refused(users: Any) -> None:
    case = accept(users.officer, "administrative")
    with pytest.raises(Conflict, match="案件当前状态为“已受案（待审查）”，不能“结案”"):
        services.case_request(actor=users.officer, case_id=case.pk, transition="close")
    with pytest.raises(Conflict, match="不适用“移送审查起诉”"):
        services.case_request(actor=users.officer, case_id=case.pk, transition="transfer_for_prosecution")


# --- case numbers ------------------------------------------------------------------------------------------


def test_numbers_are_sequential_per_reviewing_unit_and_year(users: Any) -> None:
    officer, wubei, pingchuan = users.officer, users.wubei_officer, users.pingchuan_officer
    yongping = Unit.objects.get(code=YONGPING)
    zhongshan = Unit.objects.get(code=ZHONGSHAN)
    zhongshan_officer = roster(f"{ZHONGSHAN}-sq")  # the bureau center reviews for 中山

    first = accept(officer)
    center = accept(pingchuan)
    second = accept(wubei, station_id=yongping.pk)  # the joint station's case team accepts for 永平
    center_2 = accept(zhongshan_officer, station_id=zhongshan.pk)
    third = accept(officer, "administrative")

    wubei_numbers = [WUBEI_NUMBER.match(c.number) for c in (first, second, third)]
    assert all(wubei_numbers), [c.number for c in (first, second, third)]
    assert {c.reviewing_unit.code for c in (first, second, third)} == {"wp-wb-aj"}
    assert second.station.code == YONGPING
    year = str(timezone.localtime(first.accepted_at).year)
    assert {m.group(1) for m in wubei_numbers} == {year}
    sequence = [int(m.group(2)) for m in wubei_numbers]
    assert sequence == [sequence[0], sequence[0] + 1, sequence[0] + 2]

    center_numbers = [CENTER_NUMBER.match(c.number) for c in (center, center_2)]
    assert all(center_numbers), (center.number, center_2.number)
    assert {center.reviewing_unit.code, center_2.reviewing_unit.code} == {"wp-zx"}
    assert int(center_numbers[1].group(2)) == int(center_numbers[0].group(2)) + 1
    counter = CaseNumberCounter.objects.get(unit__code="wp-wb-aj", year=int(year))
    assert counter.last == sequence[-1]


def test_the_year_of_the_number_is_the_local_year_of_acceptance(users: Any) -> None:
    # 00:30 on 1 January in Beijing is still 31 December in UTC: the number takes the local year.
    year = timezone.localtime().year
    new_year = datetime(year, 1, 1, 0, 30, tzinfo=SHANGHAI)
    assert new_year.astimezone(ZoneInfo("UTC")).year == year - 1
    old = accept(users.officer, accepted_at=new_year - timedelta(hours=1))
    new = accept(users.officer, accepted_at=new_year)
    assert old.number.startswith(f"WP-WB-AJ-{year - 1}-")
    assert new.number.startswith(f"WP-WB-AJ-{year}-")


def test_a_naive_or_future_acceptance_time_is_refused(users: Any) -> None:
    with pytest.raises(ServiceError, match="时间须带时区"):
        accept(users.officer, accepted_at=datetime(2026, 1, 1, 8, 0))
    with pytest.raises(ServiceError, match="时间不能晚于当前时间"):
        accept(users.officer, accepted_at=timezone.now() + timedelta(hours=1))


def test_acceptance_validates_its_input_and_scope(users: Any) -> None:
    with pytest.raises(ServiceError) as bad:
        accept(users.officer, kind="civil", title=" ", facts="", source="transfer")
    assert set(bad.value.field_errors) == {"kind", "title", "facts", "transfer_agency"}
    with pytest.raises(ServiceError, match="只能受理本单位辖区的案件"):
        accept(users.officer, station_id=Unit.objects.get(code=PINGCHUAN).pk)
    with pytest.raises(ServiceError, match="案由与案件类别不符"):
        accept(users.officer, offence_code=ADMIN_THEFT)
    with pytest.raises(PermissionDenied):
        accept(users.procurator)
    transferred = accept(users.officer, source="transfer", transfer_agency="武平县市场监督管理局")
    assert transferred.transfer_agency == "武平县市场监督管理局"


def _interleaved_numbers(unit: Unit, year: int) -> dict[str, str]:
    """Two transactions on their own connections: the first takes a number and stays open until the
    second has had time to try; the second must wait for the first, then take the next number."""
    numbers: dict[str, str] = {}
    errors: list[BaseException] = []
    first_has_number, first_may_commit = threading.Event(), threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                numbers["first"] = services._next_number(unit, year)
                first_has_number.set()
                first_may_commit.wait(10)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            first_has_number.set()
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_has_number.wait(10)
            with transaction.atomic():
                numbers["second"] = services._next_number(unit, year)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    try:
        for thread in threads:
            thread.start()
        assert first_has_number.wait(10)
        time.sleep(0.5)
        # The first transaction is still open: the second waits for it, without a number.
        assert "second" not in numbers and threads[1].is_alive()
    finally:
        first_may_commit.set()
        for thread in threads:
            thread.join(15)
    assert not errors, errors
    return numbers


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across connections: PostgreSQL")
def test_numbering_waits_for_a_concurrent_transaction_and_never_repeats(users: Any) -> None:
    """Numbers taken by interleaved transactions, when the (unit, year) has no counter row yet (the
    second waits on the first's insert) and when it has one (the second waits on its row lock).

    The threads' connections commit outside this test's transaction, so they write nothing but the
    counter row of a year no case uses, which is deleted at the end (the audit table forbids DELETE,
    so whole acceptances under concurrency are tested over HTTP in tests/api/test_cases_api.py).
    """
    unit = Unit.objects.get(code="wp-wb-aj")
    year = 1999

    def cleanup() -> None:
        try:
            CaseNumberCounter.objects.filter(unit=unit, year=year).delete()
        finally:
            connections.close_all()

    try:
        assert _interleaved_numbers(unit, year) == {
            "first": "WP-WB-AJ-1999-00001",
            "second": "WP-WB-AJ-1999-00002",
        }
        assert _interleaved_numbers(unit, year) == {
            "first": "WP-WB-AJ-1999-00003",
            "second": "WP-WB-AJ-1999-00004",
        }
    finally:
        remover = threading.Thread(target=cleanup)
        remover.start()
        remover.join(15)


# --- optimistic locking, scope ------------------------------------------------------------------------


def test_a_stale_version_is_a_conflict_and_overwrites_nothing(users: Any) -> None:
    case = accept(users.officer)
    seen = case.version
    services.case_assign(
        actor=users.legal_officer,
        case_id=case.pk,
        version=seen,
        kind="criminal",
        offence_code=THEFT,
        is_major=True,
        lead_officer_id=users.officer.pk,
    )
    with pytest.raises(Conflict, match="该案件已被他人修改，请刷新后重试"):
        services.case_assign(
            actor=users.chief,
            case_id=case.pk,
            version=seen,
            kind="administrative",
            offence_code=ADMIN_THEFT,
            is_major=False,
            lead_officer_id=users.wubei_officer.pk,
        )
    case.refresh_from_db()
    assert (case.kind, case.offence_code, case.is_major, case.lead_officer, case.version) == (
        "criminal",
        THEFT,
        True,
        users.officer,
        seen + 1,
    )
    assert [a for a, _ in audited(case)] == ["case.accept", "case.assign"]


def test_the_lead_officer_must_be_within_reach(users: Any) -> None:
    case = accept(users.officer)
    with pytest.raises(ServiceError, match="主办民警须为辖区或统一指挥范围内的民警"):
        assign(users.legal_officer, case, users.pingchuan_officer)
    with pytest.raises(ServiceError, match="协办民警须为辖区或统一指挥范围内的民警"):
        assign(users.legal_officer, case, users.officer, officer_ids=[users.pingchuan_officer.pk])
    # The joint station's case team reaches its member stations' cases.
    case = assign(users.legal_officer, case, users.wubei_officer)
    assert case.handling_unit.code == "wp-wb"


def test_another_stations_officer_sees_nothing_of_the_case(users: Any) -> None:
    case = accept(users.officer)
    stranger = users.pingchuan_officer
    with pytest.raises(Http404):
        selectors.case_get(actor=stranger, case_id=case.pk)
    with pytest.raises(Http404):
        services.case_request(actor=stranger, case_id=case.pk, transition="close")
    with pytest.raises(Http404):
        services.measure_request(actor=stranger, case_id=case.pk, party_id=0, kind="summons")
    assert case not in selectors.case_list(actor=stranger)
    assert case in selectors.case_list(actor=users.wubei_officer)  # the reviewing unit's staff
    assert case in selectors.case_list(actor=users.leader)
    denied = AuditEntry.objects.filter(actor_username="pingchuan_officer", outcome=Outcome.DENIED)
    assert denied.filter(action="case.view", object_id=str(case.pk)).exists()


def test_the_procurator_reads_criminal_cases_only(users: Any) -> None:
    criminal = accept(users.officer)
    administrative = accept(users.officer, "administrative")
    procurator = users.procurator

    assert selectors.case_get(actor=procurator, case_id=criminal.pk) == criminal
    with pytest.raises(Http404):
        selectors.case_get(actor=procurator, case_id=administrative.pk)
    listed = selectors.case_list(actor=procurator)
    assert criminal in listed and administrative not in listed
    assert not listed.filter(kind="administrative").exists()
    assert selectors.available_transitions(actor=procurator, case=criminal) == []
    with pytest.raises(PermissionDenied):
        services.case_request(actor=procurator, case_id=criminal.pk, transition="file")
    with pytest.raises(PermissionDenied):
        services.party_add(
            actor=procurator, case_id=criminal.pk, person_id=Person.objects.first().pk, role="witness"
        )
    assert AuditEntry.objects.filter(
        actor_username="procurator", action="case.view", object_id=str(criminal.pk), outcome=Outcome.ALLOWED
    ).exists()


# --- approvals ----------------------------------------------------------------------------------------------


def test_approvals_are_taken_only_by_the_role_the_step_waits_for(users: Any) -> None:
    case = filed(users)
    party = suspect(users.officer, case)
    request = services.measure_request(
        actor=users.officer, case_id=case.pk, party_id=party.pk, kind="criminal_detention"
    )
    # The leader cannot skip the legal review; the chief is no approver of this request at all.
    for wrong in (users.leader, users.chief):
        with pytest.raises(ServiceError, match="该事项待法制员审批"):
            services.approval_decide(actor=wrong, approval_id=request.pk, decision="approve")
    # An officer may not approve anything.
    with pytest.raises(PermissionDenied):
        services.approval_decide(actor=users.officer, approval_id=request.pk, decision="approve")
    # The legal affairs brigade reviews for the legal officer.
    request = approve_all(request, users.legal_affairs)
    assert request.current_role == "leader"
    with pytest.raises(ServiceError, match="该事项待局领导审批") as refused:
        services.approval_decide(actor=users.legal_officer, approval_id=request.pk, decision="approve")
    assert refused.value.field_errors == {"decision": "您不是当前环节的审批人"}
    request.refresh_from_db()
    assert (request.step, request.status, len(request.history)) == (1, "pending", 1)
    assert in_inbox(users.leader, request) and not in_inbox(users.legal_officer, request)
    with pytest.raises(ServiceError, match="请选择同意或退回"):
        services.approval_decide(actor=users.leader, approval_id=request.pk, decision="maybe")
    approve_all(request, users.leader)
    assert Measure.objects.filter(case=case, kind="criminal_detention").count() == 1
    with pytest.raises(Conflict, match="该审批事项已办结"):
        services.approval_decide(actor=users.leader, approval_id=request.pk, decision="approve")


def in_inbox(user: User, approval: Approval) -> bool:
    return selectors.approvals_waiting_for(actor=user).filter(pk=approval.pk).exists()


def test_a_return_needs_an_opinion_and_ends_the_request(users: Any) -> None:
    case = filed(users)
    request = services.case_request(
        actor=users.officer, case_id=case.pk, transition="transfer_for_prosecution"
    )
    with pytest.raises(ServiceError, match="退回须写明审核意见") as silent:
        services.approval_decide(
            actor=users.legal_officer, approval_id=request.pk, decision="return", opinion=" "
        )
    assert silent.value.field_errors == {"opinion": "请写明审核意见"}

    returned = services.approval_decide(
        actor=users.legal_officer,
        approval_id=request.pk,
        decision="return",
        opinion="证据链不完整，补充后再报",
    )
    assert (returned.status, returned.current_role, returned.step) == (ApprovalStatus.RETURNED, "", 0)
    assert returned.decided_at is not None
    assert [(h["decision"], h["opinion"]) for h in returned.history] == [
        ("return", "证据链不完整，补充后再报")
    ]
    case.refresh_from_db()
    assert case.status == "filed"
    assert not in_inbox(users.legal_officer, returned)
    with pytest.raises(Conflict, match="该审批事项已办结"):
        services.approval_decide(actor=users.leader, approval_id=request.pk, decision="approve")
    assert "法制员审批“移送审查起诉”：退回。证据链不完整，补充后再报" in case.activities.values_list(
        "text", flat=True
    )

    # The officer revises and submits anew: a new request, which can go through.
    again = services.case_request(actor=users.officer, case_id=case.pk, transition="transfer_for_prosecution")
    assert again.pk != request.pk and again.status == "pending"
    approve_all(again, users.legal_officer, users.leader)
    case.refresh_from_db()
    assert case.status == "transferred"


def test_a_pending_request_cannot_be_opened_twice(users: Any) -> None:
    case = accept(users.officer)
    assign(users.legal_officer, case, users.officer)
    first = services.case_request(actor=users.legal_officer, case_id=case.pk, transition="file")
    with pytest.raises(Conflict, match="“立案”已在审批中"):
        services.case_request(actor=users.chief, case_id=case.pk, transition="file")
    assert case.approvals.filter(subject="transition:file").count() == 1
    # Another transition is another request.
    other = services.case_request(actor=users.chief, case_id=case.pk, transition="decline", reason="情节轻微")
    assert other.subject == "transition:decline" and first.status == "pending"


def test_the_last_approval_rechecks_the_gates(users: Any) -> None:
    """An approval that no longer fits the case's state fails at the last step and stays pending."""
    case = accept(users.officer)
    assign(users.legal_officer, case, users.officer)
    filing = services.case_request(actor=users.legal_officer, case_id=case.pk, transition="file")
    declining = services.case_request(
        actor=users.legal_officer, case_id=case.pk, transition="decline", reason="无犯罪事实"
    )
    approve_all(filing, users.chief)
    with pytest.raises(Conflict, match="案件当前状态为“已立案（办理中）”，不能“不予立案”"):
        approve_all(declining, users.chief)
    declining.refresh_from_db()
    assert declining.status == "pending"
    case.refresh_from_db()
    assert case.status == "filed"


# --- deliberations ----------------------------------------------------------------------------------------


def test_a_deliberation_passes_by_a_majority_of_those_present(users: Any) -> None:
    case = filed(users, major=True)
    present = [users.leader, users.legal_officer, users.chief, users.officer]
    with pytest.raises(PermissionDenied):
        deliberate(users.chief, case, present, votes_for=4)
    with pytest.raises(ServiceError) as miscount:
        deliberate(users.leader, case, present, votes_for=4, votes_against=1)
    assert "votes_for" in miscount.value.field_errors

    tied = deliberate(users.leader, case, present, votes_for=2)
    assert not tied.passed
    with pytest.raises(Conflict, match="须经集体议案通过"):
        services.case_request(actor=users.officer, case_id=case.pk, transition="transfer_for_prosecution")

    carried = deliberate(users.leader, case, present, votes_for=3)
    assert carried.passed and (carried.votes_for, carried.votes_against) == (3, 1)
    assert carried.opinions[0] == {"name": users.leader.full_name, "opinion": "同意移送"}
    request = services.case_request(
        actor=users.officer, case_id=case.pk, transition="transfer_for_prosecution"
    )
    assert request.status == "pending"


def test_a_case_that_is_not_major_needs_no_deliberation(users: Any) -> None:
    case = filed(users, major=False)
    request = services.case_request(
        actor=users.officer, case_id=case.pk, transition="transfer_for_prosecution"
    )
    approve_all(request, users.legal_officer, users.leader)
    case.refresh_from_db()
    assert case.status == "transferred" and not case.deliberations.exists()


# --- parties and party events ------------------------------------------------------------------------------


def test_party_events_fit_the_case_kind_and_the_party(users: Any) -> None:
    case = filed(users)
    party = suspect(users.officer, case)
    other = filed(users)
    stranger = suspect(users.officer, other, "嫌疑人戊")
    with pytest.raises(ServiceError, match="该案件类别不适用此事项"):
        services.party_event_record(
            actor=users.officer, case_id=case.pk, party_id=party.pk, code="hearing_requested"
        )
    with pytest.raises(ServiceError, match="当事人不属于该案件"):
        services.party_event_record(
            actor=users.officer, case_id=case.pk, party_id=stranger.pk, code="family_notified"
        )
    event = services.party_event_record(
        actor=users.officer, case_id=case.pk, party_id=party.pk, code="family_notified", note="电话通知其妻"
    )
    assert (event.person, event.fields, event.recorded_by) == (
        party.key,
        {"note": "电话通知其妻"},
        users.officer,
    )
    # Adding the same person in the same role twice keeps one party.
    again = services.party_add(
        actor=users.officer, case_id=case.pk, person_id=party.person_id, role=PartyRole.SUSPECT
    )
    assert again == party and case.parties.filter(role=PartyRole.SUSPECT).count() == 1
    with pytest.raises(ServiceError, match="当事人身份无效"):
        services.party_add(actor=users.officer, case_id=case.pk, person_id=party.person_id, role="judge")


# --- known bugs of the services (xfail until fixed; see the report of this test module's author) ---------


def test_an_unknown_transition_is_a_service_error(users: Any) -> None:
    case = accept(users.officer)
    with pytest.raises(ServiceError) as refused:
        services.case_request(actor=users.officer, case_id=case.pk, transition="teleport")
    assert "transition" in refused.value.field_errors


def test_a_missing_approval_or_measure_looks_like_a_hidden_one(users: Any) -> None:
    case = filed(users)
    party = suspect(users.officer, case)
    hidden = services.measure_request(
        actor=users.officer, case_id=case.pk, party_id=party.pk, kind="criminal_detention"
    )
    summons = services.measure_request(
        actor=users.officer, case_id=case.pk, party_id=party.pk, kind="summons"
    )
    stranger = users.pingchuan_officer
    with pytest.raises(Http404):
        services.measure_end(actor=stranger, measure_id=summons.pk)
    with pytest.raises(Http404):
        services.approval_decide(actor=pingchuan_chief(), approval_id=hidden.pk, decision="approve")
    missing = max(Approval.objects.order_by("-pk").values_list("pk", flat=True)[:1]) + 1000
    with pytest.raises(Http404):
        services.measure_end(actor=stranger, measure_id=summons.pk + 1000)
    with pytest.raises(Http404):
        services.approval_decide(actor=users.leader, approval_id=missing, decision="approve")


def test_a_pending_measure_request_cannot_be_opened_twice(users: Any) -> None:
    case = filed(users)
    party = suspect(users.officer, case)
    first = services.measure_request(
        actor=users.officer, case_id=case.pk, party_id=party.pk, kind="criminal_detention"
    )
    try:
        with pytest.raises(Conflict, match="已在审批中"):
            services.measure_request(
                actor=users.officer, case_id=case.pk, party_id=party.pk, kind="criminal_detention"
            )
    finally:
        second = case.approvals.exclude(pk=first.pk).filter(subject="measure:criminal_detention").first()
        if second is not None:
            approve_all(first, users.legal_officer, users.leader)
            approve_all(second, users.legal_officer, users.leader)
            # What the missing check lets through: two open detentions of one person.
            assert Measure.objects.filter(party=party, kind="criminal_detention", ended_at=None).count() == 2


def test_a_closed_case_cannot_be_reassigned(users: Any) -> None:
    case = accept(users.officer)
    assign(users.legal_officer, case, users.officer)
    approve_all(
        services.case_request(
            actor=users.legal_officer, case_id=case.pk, transition="decline", reason="无犯罪事实"
        ),
        users.chief,
    )
    case.refresh_from_db()
    assert case.status == "not_filed"
    with pytest.raises(Conflict, match="已办结"):
        services.case_assign(
            actor=users.legal_officer,
            case_id=case.pk,
            version=case.version,
            kind="administrative",
            offence_code=ADMIN_THEFT,
            is_major=False,
            lead_officer_id=users.officer.pk,
        )


def test_nobody_approves_a_request_of_their_own(users: Any) -> None:
    """审批回避: the chief who asks to decline cannot approve it; another chief-level approver can't
    exist in the demo's 桃溪, so the request waits."""
    case = accept(users.officer)
    request = services.case_request(
        actor=users.chief, case_id=case.pk, transition="decline", reason="无犯罪事实"
    )
    with pytest.raises(ServiceError, match="不能审批本人提请的事项"):
        services.approval_decide(actor=users.chief, approval_id=request.pk, decision="approve")
    request.refresh_from_db()
    assert (request.status, request.waiting_for, request.history) == ("pending", "unit_chief", [])


# --- races at the case's row lock, acceptance's own work ----------------------------------------------------


def _first_commits_while_waiting(monkeypatch: pytest.MonkeyPatch, first: Any) -> list[Any]:
    """The race of two app servers, in one connection: when the second request asks for the case's row
    lock, the first request runs to its end, as if it had committed while the second waited for the lock.
    Returns what the first request gave. (Its writes share the second's savepoint here, so the second's
    refusal undoes them too: the tests check the refusal.)"""
    real, given = services._locked, []

    def locked(case_id: int) -> Case:
        if not given:
            given.append(None)
            given[0] = first()
        return real(case_id)

    monkeypatch.setattr(services, "_locked", locked)
    return given


@pytest.mark.parametrize(
    ("request_of", "refusal", "approval_subject"),
    [
        (
            partial(services.measure_request, kind="criminal_detention"),
            "已在审批中",
            "measure:criminal_detention",
        ),
        (
            partial(services.party_event_record, code="arrest_request_submitted"),
            "已在审批中",
            "event:arrest_request_submitted",
        ),
        (partial(services.measure_request, kind="summons"), "尚未结束", None),
    ],
    ids=["detention-approval", "arrest-request-approval", "summons-started"],
)
def test_of_two_racing_requests_the_second_sees_the_first_under_the_case_lock(
    users: Any, monkeypatch: pytest.MonkeyPatch, request_of: Any, refusal: str, approval_subject: str | None
) -> None:
    """The second of two racing requests for one suspect — 刑事拘留 and 提请批准逮捕 (which open an
    approval), 传唤 (which starts at once) — checks for the first's pending approval or running measure only
    once it holds the case's row lock, and is refused (a check before the lock let both through)."""
    case = filed(users)
    party = suspect(users.officer, case)

    def request() -> Any:
        return request_of(actor=users.officer, case_id=case.pk, party_id=party.pk)

    given = _first_commits_while_waiting(monkeypatch, request)
    with pytest.raises(Conflict, match=refusal):
        request()
    if approval_subject:
        assert isinstance(given[0], Approval) and given[0].subject == approval_subject
    else:
        assert isinstance(given[0], Measure)


def test_numbers_start_a_year_and_count_on(users: Any) -> None:
    """The year's first number creates the counter row; the next ones update it."""
    unit = Unit.objects.get(code="wp-wb-aj")
    assert not CaseNumberCounter.objects.filter(unit=unit, year=1998).exists()
    numbers = [services._next_number(unit, 1998) for _ in range(3)]
    assert numbers == ["WP-WB-AJ-1998-00001", "WP-WB-AJ-1998-00002", "WP-WB-AJ-1998-00003"]
    assert CaseNumberCounter.objects.get(unit=unit, year=1998).last == 3


def test_acceptance_derives_the_deadlines_in_its_own_transaction(
    users: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The new case's deadlines are written before the acceptance commits (no refresh of its own after
    the commit); a later event of the case is still refreshed after its commit."""
    from jingwu.supervision.models import Deadline

    with django_capture_on_commit_callbacks() as callbacks:
        case = accept(users.officer)
        rules = set(
            Deadline.objects.filter(subject_type="case", subject_id=case.pk).values_list("rule_id", "status")
        )
        assert rules, "no deadline derived from the acceptance's events"
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    assert not [q for q in queries.captured_queries if "supervision_deadline" in q["sql"]]

    with django_capture_on_commit_callbacks(execute=True):
        assign(users.legal_officer, case, users.officer)
        approval = services.case_request(actor=users.legal_officer, case_id=case.pk, transition="file")
        approve_all(approval, users.chief)
    assert (
        set(Deadline.objects.filter(subject_type="case", subject_id=case.pk).values_list("rule_id", "status"))
        != rules
    )


def test_routing_is_cached_outside_transactions_and_follows_the_org_chart(
    users: Any, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    station = Unit.objects.get(code="wp-ps-350824105")
    monkeypatch.setattr(services, "_routing_cacheable", lambda: True)
    services.routing_cache_clear()
    try:
        first = services.reviewing_unit_for(station)
        with django_assert_num_queries(0):
            assert services.reviewing_unit_for(station) == first
        # A station leaving its joint station is reviewed by the bureau's center from then on.
        joint = station.commanded_by.get()
        joint.commands.remove(station)
        assert services.reviewing_unit_for(station).code == services.BUREAU_REVIEW_UNIT != first.code
    finally:
        services.routing_cache_clear()
