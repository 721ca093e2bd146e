"""Case handling over the API (/api/cases): acceptance, review and assignment, the workflow's
transitions and approvals (法制审核/审批), parties, measures, legal events and deliberations.

Thin handlers: every write is a call of jingwu.cases.services, every read one of the selectors; the
services' refusals come out through jingwu/api.py's handlers (400, 403, 404, 409). Personal data of
the parties is always masked here (full values only through the audited /api/persons/{id}/reveal).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from jingwu.access.policy import require
from jingwu.cases import selectors, services
from jingwu.cases.models import Approval, Case, CaseParty, Deliberation, Measure
from jingwu.cases.workflow import workflow
from jingwu.org.models import Unit, User
from jingwu.people.selectors import personal_data
from jingwu.timeline.models import LegalEvent
from jingwu.timeline.services import vocabulary

router = Router(tags=["案件"])

MAX_PAGE = 200


# --------------------------------------------------------------------------------------------------
# schemas


class CaseUnitRef(Schema):
    id: int
    code: str
    name: str


class CaseUserRef(Schema):
    id: int
    username: str
    full_name: str


class CaseIn(Schema):
    kind: str = Field(..., description="criminal 刑事 / administrative 行政（治安）")
    title: str
    facts: str
    source: str = Field(..., description="incident / walk_in / transfer / self_report")
    incident_id: int | None = Field(None, description="来源警情（110警情转案）")
    station_id: int | None = Field(None, description="辖区派出所；默认为来源警情或本人所在派出所")
    offence_code: str = Field("", description="案由代码（可在审查时再定）")
    transfer_agency: str = Field("", description="移送机关（来源为其他机关移送时必填）")


class AssignmentIn(Schema):
    version: int = Field(..., description="审查时看到的版本号；他人已修改则返回409")
    kind: str
    offence_code: str
    is_major: bool = False
    lead_officer_id: int
    officer_ids: list[int] = []


class TransitionIn(Schema):
    transition: str = Field(..., description="流程操作，见案件详情的 available_transitions")
    reason: str = ""


class ApprovalDecisionIn(Schema):
    decision: str = Field(..., description="approve 同意 / return 退回")
    opinion: str = Field("", description="审核意见；退回时必填")


class PartyIn(Schema):
    person_id: int
    role: str = Field(..., description="suspect / victim / witness / reporter / other")


class MeasureIn(Schema):
    party_id: int
    kind: str = Field(..., description="措施，见 workflow.yaml 的 measures（summons、criminal_detention…）")
    started_at: datetime | None = Field(None, description="须带时区；需审批的措施默认为最后审批时")
    note: str = ""


class MeasureEndIn(Schema):
    ended_at: datetime | None = Field(None, description="默认当前时间；须带时区")


class PartyEventIn(Schema):
    party_id: int
    code: str = Field(..., description="法律事件代码（workflow.yaml 的 party_events）")
    at: datetime | None = Field(None, description="默认当前时间；须带时区")
    note: str = ""


class DeliberationOpinion(Schema):
    name: str
    opinion: str


class DeliberationIn(Schema):
    topic: str
    held_at: datetime | None = Field(None, description="默认当前时间；须带时区")
    participant_ids: list[int]
    opinions: list[DeliberationOpinion] = []
    decision: str
    votes_for: int = Field(..., ge=0)
    votes_against: int = Field(0, ge=0)
    votes_abstain: int = Field(0, ge=0)


class CaseQuery(Schema):
    status: str = ""
    kind: str = ""
    q: str = ""
    mine: bool = False
    review_queue: bool = False
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0)


class CaseOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    title: str
    offence_code: str
    offence: str
    is_major: bool
    source: str
    station: CaseUnitRef
    reviewing_unit: CaseUnitRef
    handling_unit: CaseUnitRef | None
    lead_officer: CaseUserRef | None
    accepted_at: datetime
    filed_at: datetime | None
    closed_at: datetime | None
    version: int


class PartyPersonOut(Schema):
    """A party's person, masked as everywhere."""

    id: int
    name: str
    sex: str
    id_number: str
    phone: str
    address: str
    masked: bool


class PartyOut(Schema):
    id: int
    key: str = Field(..., description="法律时间线上的人员键")
    role: str
    role_label: str
    person: PartyPersonOut


class MeasureOut(Schema):
    id: int
    case_id: int
    party_id: int
    kind: str
    label: str
    started_at: datetime
    ended_at: datetime | None
    note: str


class ApprovalStepOut(Schema):
    role: str
    user: str
    name: str
    decision: str
    opinion: str
    at: str


class ApprovalOut(Schema):
    id: int
    case_id: int
    case_status: str
    subject: str
    label: str
    status: str
    roles: list[str]
    step: int
    current_role: str = Field(..., description="待审批环节（审批中时）；办结后为空")
    history: list[ApprovalStepOut]
    submitted_by: CaseUserRef
    submitted_at: datetime
    decided_at: datetime | None


class DeliberationOut(Schema):
    id: int
    case_id: int
    topic: str
    held_at: datetime
    chair: CaseUserRef
    participants: list[CaseUserRef]
    opinions: list[DeliberationOpinion]
    decision: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    passed: bool


class CaseTimelineRow(Schema):
    at: datetime
    kind: str = Field(..., description="event 法律事件 / activity 办案记录")
    code: str
    text: str
    person: str
    actor: str


class TransitionOut(Schema):
    name: str
    label: str
    target: str
    approvals: list[str]
    requires: list[str]


class PartyEventOut(Schema):
    id: int
    code: str
    name: str
    at: datetime
    person: str
    recorded_by: str


class CaseDetailOut(CaseOut):
    facts: str
    incident_id: int | None
    transfer_agency: str
    decision_reason: str
    officers: list[CaseUserRef]
    parties: list[PartyOut]
    measures: list[MeasureOut]
    approvals: list[ApprovalOut]
    deliberations: list[DeliberationOut]
    timeline: list[CaseTimelineRow]
    available_transitions: list[TransitionOut]


class CasePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseOut]


# --------------------------------------------------------------------------------------------------
# output


def _unit(unit: Unit | None) -> dict[str, Any] | None:
    return {"id": unit.pk, "code": unit.code, "name": unit.name} if unit else None


def _user(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "username": user.username, "full_name": user.full_name} if user else None


def _case(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "kind_label": case.get_kind_display(),
        "status": case.status,
        "status_label": workflow().states.get(case.status, case.status),
        "title": case.title,
        "offence_code": case.offence_code,
        "offence": case.offence,
        "is_major": case.is_major,
        "source": case.source,
        "station": _unit(case.station),
        "reviewing_unit": _unit(case.reviewing_unit),
        "handling_unit": _unit(case.handling_unit),
        "lead_officer": _user(case.lead_officer),
        "accepted_at": case.accepted_at,
        "filed_at": case.filed_at,
        "closed_at": case.closed_at,
        "version": case.version,
    }


def _party(party: CaseParty) -> dict[str, Any]:
    data = personal_data(person=party.person)
    return {
        "id": party.pk,
        "key": party.key,
        "role": party.role,
        "role_label": party.get_role_display(),
        "person": {
            "id": party.person.pk,
            "name": party.person.name,
            "sex": party.person.sex,
            "id_number": data.id_number,
            "phone": data.phone,
            "address": data.address,
            "masked": data.masked,
        },
    }


def _measure(measure: Measure) -> dict[str, Any]:
    definition = workflow().measures.get(measure.kind)
    return {
        "id": measure.pk,
        "case_id": measure.case_id,
        "party_id": measure.party_id,
        "kind": measure.kind,
        "label": definition.label if definition else measure.kind,
        "started_at": measure.started_at,
        "ended_at": measure.ended_at,
        "note": measure.note,
    }


def _approval(approval: Approval, case_status: str | None = None) -> dict[str, Any]:
    if case_status is None:
        case_status = Case.objects.values_list("status", flat=True).get(pk=approval.case_id)
    return {
        "id": approval.pk,
        "case_id": approval.case_id,
        "case_status": case_status,
        "subject": approval.subject,
        "label": approval.label,
        "status": approval.status,
        "roles": approval.roles,
        "step": approval.step,
        "current_role": approval.current_role,
        "history": approval.history,
        "submitted_by": _user(approval.submitted_by),
        "submitted_at": approval.submitted_at,
        "decided_at": approval.decided_at,
    }


def _deliberation(meeting: Deliberation) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "case_id": meeting.case_id,
        "topic": meeting.topic,
        "held_at": meeting.held_at,
        "chair": _user(meeting.chair),
        "participants": [_user(u) for u in meeting.participants.order_by("username")],
        "opinions": meeting.opinions,
        "decision": meeting.decision,
        "votes_for": meeting.votes_for,
        "votes_against": meeting.votes_against,
        "votes_abstain": meeting.votes_abstain,
        "passed": meeting.passed,
    }


def _detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """The case as its page shows it, read (and audited) through the selector."""
    case = selectors.case_get(actor=request.auth, case_id=case_id)
    out = _case(case)
    out.update(
        facts=case.facts,
        incident_id=case.incident_id,
        transfer_agency=case.transfer_agency,
        decision_reason=case.decision_reason,
        officers=[_user(u) for u in case.officers.order_by("username")],
        parties=[_party(p) for p in case.parties.select_related("person")],
        measures=[_measure(m) for m in case.measures.all()],
        approvals=[_approval(a, case.status) for a in case.approvals.select_related("submitted_by")],
        deliberations=[_deliberation(d) for d in case.deliberations.select_related("chair")],
        timeline=selectors.case_timeline(case),
        available_transitions=[
            {
                "name": t.name,
                "label": t.label,
                "target": t.target,
                "approvals": list(t.approvals),
                "requires": list(t.requires),
            }
            for t in selectors.available_transitions(actor=request.auth, case=case)
        ],
    )
    return out


# --------------------------------------------------------------------------------------------------
# cases


@router.post("", response={201: CaseDetailOut}, summary="受案登记（进入统一审查队列）")
def accept_case(request: HttpRequest, payload: CaseIn) -> Status:
    case = services.case_accept(actor=request.auth, **payload.model_dump())
    return Status(201, _detail(request, case.pk))


@router.get("", response=CasePage, summary="案件列表（按权限范围）")
def list_cases(request: HttpRequest, params: Query[CaseQuery]) -> dict[str, Any]:
    # Roles without case.view get a clear (audited) 403 instead of an always-empty list.
    require(request.auth, "case.view")
    filters = selectors.CaseFilters(
        status=params.status,
        kind=params.kind,
        text=params.q,
        mine=params.mine,
        review_queue=params.review_queue,
    )
    cases = selectors.case_list(actor=request.auth, filters=filters)
    page = cases[params.offset : params.offset + params.limit]
    return {
        "count": cases.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": [_case(c) for c in page],
    }


@router.get("/approvals", response=list[ApprovalOut], summary="待我审批的事项")
def my_approvals(request: HttpRequest) -> list[dict[str, Any]]:
    require(request.auth, "case.approve")
    approvals = selectors.approvals_waiting_for(actor=request.auth).select_related("submitted_by")
    return [_approval(a, a.case.status) for a in approvals]


@router.get("/{int:case_id}", response=CaseDetailOut, summary="案件详情（查看留痕）")
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return _detail(request, case_id)


@router.put("/{int:case_id}/assignment", response=CaseDetailOut, summary="审查指派（须带版本号）")
def assign_case(request: HttpRequest, case_id: int, payload: AssignmentIn) -> dict[str, Any]:
    services.case_assign(actor=request.auth, case_id=case_id, **payload.model_dump())
    return _detail(request, case_id)


@router.post(
    "/{int:case_id}/transitions",
    response={200: CaseDetailOut, 202: ApprovalOut},
    summary="流程操作：无需审批的立即执行（200），需审批的提请审批（202）",
)
def request_transition(request: HttpRequest, case_id: int, payload: TransitionIn) -> Status:
    result = services.case_request(
        actor=request.auth, case_id=case_id, transition=payload.transition, reason=payload.reason
    )
    if isinstance(result, Approval):
        return Status(202, _approval(result))
    return Status(200, _detail(request, case_id))


@router.post(
    "/approvals/{int:approval_id}/decision",
    response=ApprovalOut,
    summary="审批：同意（最后一环通过后执行所请事项）或退回（须写明意见）",
)
def decide_approval(request: HttpRequest, approval_id: int, payload: ApprovalDecisionIn) -> dict[str, Any]:
    approval = services.approval_decide(
        actor=request.auth, approval_id=approval_id, decision=payload.decision, opinion=payload.opinion
    )
    return _approval(Approval.objects.select_related("submitted_by").get(pk=approval.pk))


# --------------------------------------------------------------------------------------------------
# parties, measures, events, deliberations


@router.post("/{int:case_id}/parties", response={201: PartyOut}, summary="添加当事人")
def add_party(request: HttpRequest, case_id: int, payload: PartyIn) -> Status:
    party = services.party_add(actor=request.auth, case_id=case_id, **payload.model_dump())
    return Status(201, _party(party))


@router.post(
    "/{int:case_id}/measures",
    response={201: MeasureOut, 202: ApprovalOut},
    summary="采取措施：无需审批的立即开始（201），需审批的提请审批（202）",
)
def request_measure(request: HttpRequest, case_id: int, payload: MeasureIn) -> Status:
    result = services.measure_request(actor=request.auth, case_id=case_id, **payload.model_dump())
    if isinstance(result, Approval):
        return Status(202, _approval(result))
    return Status(201, _measure(result))


@router.post("/measures/{int:measure_id}/end", response=MeasureOut, summary="结束措施")
def end_measure(request: HttpRequest, measure_id: int, payload: MeasureEndIn) -> dict[str, Any]:
    measure = services.measure_end(actor=request.auth, measure_id=measure_id, ended_at=payload.ended_at)
    return _measure(measure)


@router.post("/{int:case_id}/events", response={201: PartyEventOut}, summary="登记当事人的法律事件")
def record_event(request: HttpRequest, case_id: int, payload: PartyEventIn) -> Status:
    event: LegalEvent = services.party_event_record(
        actor=request.auth, case_id=case_id, **payload.model_dump()
    )
    return Status(
        201,
        {
            "id": event.pk,
            "code": event.code,
            "name": vocabulary()[event.code].name_zh,
            "at": event.at,
            "person": event.person,
            "recorded_by": request.auth.full_name,
        },
    )


@router.post("/{int:case_id}/deliberations", response={201: DeliberationOut}, summary="记录集体议案")
def record_deliberation(request: HttpRequest, case_id: int, payload: DeliberationIn) -> Status:
    data = payload.model_dump()
    meeting = services.deliberation_record(actor=request.auth, case_id=case_id, **data)
    return Status(201, _deliberation(meeting))
