"""Case handling over the API (/api/cases): acceptance, review and assignment, the workflow's
transitions and approvals (法制审核/审批), parties, measures, legal events and deliberations; legal
documents (法律文书, PDF), evidence and attachments (multipart upload, integrity check), and the
electronic dossier (电子卷宗) with the procuratorate's receipt and outcome.

Thin handlers: every write is a call of jingwu.cases.services, every read one of the selectors; the
services' refusals come out through jingwu/api.py's handlers (400, 403, 404, 409). Personal data of
the parties is always masked here (full values only through the audited /api/persons/{id}/reveal).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from jingwu.access.policy import require
from jingwu.access.roles import Role
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.cases import documents, dossier, selectors, services
from jingwu.cases.forms import ATTACHMENT_MAX_BYTES
from jingwu.cases.models import (
    Approval,
    Attachment,
    Case,
    CaseDocument,
    CaseParty,
    Deliberation,
    Dossier,
    DossierOutcome,
    Evidence,
    Measure,
)
from jingwu.cases.workflow import workflow
from jingwu.core.errors import ServiceError
from jingwu.org.models import Unit, User
from jingwu.people.selectors import personal_data
from jingwu.timeline.models import LegalEvent
from jingwu.timeline.services import vocabulary

router = Router(tags=["案件"])

MAX_PAGE = 200
# A download's body in the OpenAPI document.
BINARY = {"schema": {"type": "string", "format": "binary"}}


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
    offset: int = Field(0, ge=0, le=1_000_000_000)  # beyond 64-bit SQL integers: a 500


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
    return _page(request, selectors.case_get(actor=request.auth, case_id=case_id))


def _page(request: HttpRequest, case: Case, *, just_accepted: bool = False) -> dict[str, Any]:
    """The page's data of `case`. A case accepted a moment ago has no officers, measures, approvals or
    deliberations yet: its page is three reads (parties, legal events, history)."""
    parties = list(case.parties.select_related("person"))
    out = _case(case)
    out.update(
        facts=case.facts,
        incident_id=case.incident_id,
        transfer_agency=case.transfer_agency,
        decision_reason=case.decision_reason,
        officers=[] if just_accepted else [_user(u) for u in case.officers.order_by("username")],
        parties=[_party(p) for p in parties],
        measures=[] if just_accepted else [_measure(m) for m in case.measures.all()],
        approvals=[]
        if just_accepted
        else [_approval(a, case.status) for a in case.approvals.select_related("submitted_by")],
        deliberations=[]
        if just_accepted
        else [_deliberation(d) for d in case.deliberations.select_related("chair")],
        timeline=selectors.case_timeline(case, parties),
        available_transitions=_transitions(request, case),
    )
    return out


# --------------------------------------------------------------------------------------------------
# cases


def _accepted(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The answer to 受案: the page's data of the case just written, from the case in hand — not the audited
    re-read of _detail (the case.accept entry records this write)."""
    return _page(request, case, just_accepted=True)


def _transitions(request: HttpRequest, case: Case) -> list[dict[str, Any]]:
    return [
        {
            "name": t.name,
            "label": t.label,
            "target": t.target,
            "approvals": list(t.approvals),
            "requires": list(t.requires),
        }
        for t in selectors.available_transitions(actor=request.auth, case=case)
    ]


@router.post("", response={201: CaseDetailOut}, summary="受案登记（进入统一审查队列）")
def accept_case(request: HttpRequest, payload: CaseIn) -> Status:
    case = services.case_accept(actor=request.auth, **payload.model_dump())
    return Status(201, _accepted(request, case))


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


@router.post(
    "/{int:case_id}/events",
    response={201: PartyEventOut, 202: ApprovalOut},
    summary="登记当事人的法律事件：无需审批的立即登记（201），需审批的（如提请批准逮捕）提请审批（202）",
)
def record_event(request: HttpRequest, case_id: int, payload: PartyEventIn) -> Status:
    event: LegalEvent | Approval = services.party_event_record(
        actor=request.auth, case_id=case_id, **payload.model_dump()
    )
    if isinstance(event, Approval):
        return Status(202, _approval(event))
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


# --------------------------------------------------------------------------------------------------
# legal documents, evidence, attachments


class DocumentIn(Schema):
    kind: str = Field(..., description="文书种类，见 documents.yaml（filing_decision、summons…）")
    party_id: int | None = Field(None, description="涉及的嫌疑人（当事人 id）；默认第一名嫌疑人")
    detail: str = Field("", description="文书需要时：不予立案/撤案的理由、处罚种类和幅度；默认为案件决定理由")


class DocumentOut(Schema):
    id: int
    case_id: int
    kind: str
    title: str
    number: str = Field(..., description="文号")
    sha256: str
    size: int
    created_at: datetime
    created_by: CaseUserRef
    pdf_url: str


class EvidenceIn(Schema):
    name: str
    description: str = ""
    collected_at: datetime | None = Field(None, description="默认当前时间；须带时区")


class EvidenceOut(Schema):
    id: int
    case_id: int
    number: int
    name: str
    description: str
    collected_at: datetime
    collected_by: CaseUserRef


class AttachmentOut(Schema):
    id: int
    case_id: int
    evidence_id: int | None
    file_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: CaseUserRef


class VerifyOut(Schema):
    id: int
    file_name: str
    sha256: str
    result: str = Field(..., description="ok 完好 / altered 已被改动或缺失")


class DossierReceiveIn(Schema):
    note: str = ""


class DossierOutcomeIn(Schema):
    outcome: str = Field(..., description="accepted 受理 / returned 退回补充侦查")
    note: str = Field("", description="说明；退回时须写明理由")


class DossierCaseRef(Schema):
    id: int
    number: str
    title: str
    status: str


class DossierOut(Schema):
    id: int
    case: DossierCaseRef
    sequence: int = Field(..., description="移送次序（第几次移送）")
    sha256: str
    size: int
    sent_at: datetime
    sent_by: CaseUserRef
    received_at: datetime | None
    received_by: CaseUserRef | None
    receipt_note: str
    outcome: str
    outcome_label: str
    outcome_note: str
    outcome_at: datetime | None
    outcome_by: CaseUserRef | None
    package_url: str


class DossierQuery(Schema):
    state: str = Field("all", description="unreceived 待签收 / pending 待审查 / decided 已审查 / all")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=1_000_000_000)  # beyond 64-bit SQL integers: a 500


class DossierPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DossierOut]


def _document(document: CaseDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "case_id": document.case_id,
        "kind": document.kind,
        "title": document.title,
        "number": document.number,
        "sha256": document.sha256,
        "size": document.size,
        "created_at": document.created_at,
        "created_by": _user(document.created_by),
        "pdf_url": f"/api/cases/documents/{document.pk}/pdf",
    }


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "case_id": evidence.case_id,
        "number": evidence.number,
        "name": evidence.name,
        "description": evidence.description,
        "collected_at": evidence.collected_at,
        "collected_by": _user(evidence.collected_by),
    }


def _attachment(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "case_id": attachment.case_id,
        "evidence_id": attachment.evidence_id,
        "file_name": attachment.file_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_at": attachment.uploaded_at,
        "uploaded_by": _user(attachment.uploaded_by),
    }


def _dossier(item: Dossier) -> dict[str, Any]:
    return {
        "id": item.pk,
        "case": {
            "id": item.case.pk,
            "number": item.case.number,
            "title": item.case.title,
            "status": item.case.status,
        },
        "sequence": item.sequence,
        "sha256": item.sha256,
        "size": item.size,
        "sent_at": item.sent_at,
        "sent_by": _user(item.sent_by),
        "received_at": item.received_at,
        "received_by": _user(item.received_by),
        "receipt_note": item.receipt_note,
        "outcome": item.outcome,
        "outcome_label": item.get_outcome_display(),
        "outcome_note": item.outcome_note,
        "outcome_at": item.outcome_at,
        "outcome_by": _user(item.outcome_by),
        "package_url": f"/api/cases/dossiers/{item.pk}/package",
    }


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _exists(model: Any, pk: int) -> None:
    """A missing id is a 404, as one outside the actor's scope is (the services say 400)."""
    if not model.objects.filter(pk=pk).exists():
        raise Http404


@router.get("/{int:case_id}/documents", response=list[DocumentOut], summary="案件的法律文书（查看留痕）")
def list_documents(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = selectors.case_get(actor=request.auth, case_id=case_id)
    return [_document(d) for d in case.documents.select_related("created_by")]


@router.post(
    "/{int:case_id}/documents",
    response={201: DocumentOut},
    summary="制作法律文书（按模板生成PDF、编文号；种类须适用于案件类别和状态）",
)
def create_document(request: HttpRequest, case_id: int, payload: DocumentIn) -> Status:
    document = documents.document_generate(actor=request.auth, case_id=case_id, **payload.model_dump())
    return Status(201, _document(document))


@router.get(
    "/documents/{int:document_id}/pdf",
    response={200: None},
    summary="文书PDF（校验哈希，查看留痕）",
    openapi_extra={"responses": {200: {"content": {"application/pdf": BINARY}}}},
)
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    _exists(CaseDocument, document_id)
    content = documents.document_pdf(actor=request.auth, document_id=document_id)
    document = CaseDocument.objects.only("title", "number").get(pk=document_id)
    return _download(content, "application/pdf", f"{document.title}-{document.number}.pdf")


@router.post("/{int:case_id}/evidence", response={201: EvidenceOut}, summary="登记证据")
def add_evidence(request: HttpRequest, case_id: int, payload: EvidenceIn) -> Status:
    evidence = documents.evidence_add(actor=request.auth, case_id=case_id, **payload.model_dump())
    return Status(201, _evidence(evidence))


@router.post(
    "/{int:case_id}/attachments",
    response={201: AttachmentOut},
    summary="上传附件（multipart/form-data：file，可选 evidence_id；不超过20 MB）",
)
def add_attachment(
    request: HttpRequest,
    case_id: int,
    file: File[UploadedFile | None] = None,
    evidence_id: Form[int | None] = None,
) -> Status:
    # Checked here rather than by ninja: its 422 would not name the field (jingwu/api.py drops "file"
    # from error locations as a location word).
    if file is None:
        raise ServiceError("请选择要上传的文件", {"file": "请选择文件"})
    if file.size > ATTACHMENT_MAX_BYTES:
        raise ServiceError("文件过大", {"file": f"单个文件不能超过{ATTACHMENT_MAX_BYTES // 2**20} MB"})
    attachment = documents.attachment_add(
        actor=request.auth,
        case_id=case_id,
        evidence_id=evidence_id,
        name=file.name or "",
        content=file.read(),
        content_type=file.content_type or "",
    )
    return Status(201, _attachment(attachment))


@router.post(
    "/attachments/{int:attachment_id}/verify", response=VerifyOut, summary="校验附件（重新计算哈希）"
)
def verify_attachment(request: HttpRequest, attachment_id: int) -> dict[str, Any]:
    _exists(Attachment, attachment_id)
    result = documents.attachment_verify(actor=request.auth, attachment_id=attachment_id)
    attachment = Attachment.objects.get(pk=attachment_id)
    return {
        "id": attachment.pk,
        "file_name": attachment.file_name,
        "sha256": attachment.sha256,
        "result": result,
    }


# --------------------------------------------------------------------------------------------------
# the electronic dossier


def _dossier_row(dossier_id: int) -> dict[str, Any]:
    return _dossier(
        Dossier.objects.select_related("case", "sent_by", "received_by", "outcome_by").get(pk=dossier_id)
    )


@router.post(
    "/{int:case_id}/dossiers",
    response={201: DossierOut},
    summary="生成并移送电子卷宗（已移送审查起诉的刑事案件，每次移送一份）",
)
def build_dossier(request: HttpRequest, case_id: int) -> Status:
    built = dossier.dossier_build(actor=request.auth, case_id=case_id)
    return Status(201, _dossier_row(built.pk))


@router.get("/dossiers", response=DossierPage, summary="检察院：可见的电子卷宗（刑事案件，全局）")
def list_dossiers(request: HttpRequest, params: Query[DossierQuery]) -> dict[str, Any]:
    actor = request.auth
    if Role.PROCURATOR not in actor.role_codes:
        audit_record(actor=actor, action="case.dossier_list", outcome=Outcome.DENIED)
        raise PermissionDenied("case.dossier_list")
    if params.state not in ("unreceived", "pending", "decided", "all"):
        raise ServiceError("状态筛选无效", {"state": "应为 unreceived、pending、decided 或 all"})
    rows = (
        Dossier.objects.filter(case__in=selectors.case_list(actor=actor).values("pk"))
        .select_related("case", "sent_by", "received_by", "outcome_by")
        .order_by("-sent_at", "-id")
    )
    if params.state == "unreceived":
        rows = rows.filter(received_at__isnull=True)
    elif params.state == "pending":
        rows = rows.filter(received_at__isnull=False, outcome=DossierOutcome.PENDING)
    elif params.state == "decided":
        rows = rows.exclude(outcome=DossierOutcome.PENDING)
    page = rows[params.offset : params.offset + params.limit]
    return {
        "count": rows.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": [_dossier(d) for d in page],
    }


@router.get(
    "/dossiers/{int:dossier_id}/package",
    response={200: None},
    summary="电子卷宗包（zip：manifest.json、文书PDF、附件；校验哈希，查看留痕）",
    openapi_extra={"responses": {200: {"content": {"application/zip": BINARY}}}},
)
def dossier_package(request: HttpRequest, dossier_id: int) -> HttpResponse:
    _exists(Dossier, dossier_id)
    content = dossier.dossier_package(actor=request.auth, dossier_id=dossier_id)
    found = Dossier.objects.select_related("case").get(pk=dossier_id)
    return _download(content, "application/zip", f"{found.case.number}-电子卷宗-第{found.sequence}次移送.zip")


@router.post("/dossiers/{int:dossier_id}/receipt", response=DossierOut, summary="检察院签收电子卷宗")
def receive_dossier(request: HttpRequest, dossier_id: int, payload: DossierReceiveIn) -> dict[str, Any]:
    _exists(Dossier, dossier_id)
    dossier.dossier_receive(actor=request.auth, dossier_id=dossier_id, note=payload.note)
    return _dossier_row(dossier_id)


@router.post(
    "/dossiers/{int:dossier_id}/outcome",
    response=DossierOut,
    summary="检察院审查结果：受理，或退回补充侦查（须写明理由）",
)
def record_dossier_outcome(
    request: HttpRequest, dossier_id: int, payload: DossierOutcomeIn
) -> dict[str, Any]:
    _exists(Dossier, dossier_id)
    dossier.dossier_outcome(
        actor=request.auth, dossier_id=dossier_id, outcome=payload.outcome, note=payload.note
    )
    return _dossier_row(dossier_id)
