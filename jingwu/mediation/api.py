"""Dispute mediation over the API (/api/disputes): list, detail, registration, route, sessions, agreement,
failure, follow-up visits, judicial confirmation, the agreement PDF and the resolution rate (化解率).

Thin handlers: every write is a call of jingwu.mediation.services, every read one of the selectors;
refusals come out through jingwu/api.py's handlers (400, 403, 404, 409). Parties' personal data is
always masked here (full values only through the audited /api/persons/{id}/reveal).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema, Status

from jingwu.access.policy import require
from jingwu.mediation import documents, selectors, services
from jingwu.mediation.models import Agreement, Dispute, FollowUp
from jingwu.mediation.rules import dispute_types
from jingwu.mediation.services import PartyInput, TermInput
from jingwu.mediation.workflow import STATES

router = Router(tags=["矛盾纠纷"])
MAX_PAGE = 200
BINARY = {"schema": {"type": "string", "format": "binary"}}


class PartyIn(Schema):
    role: str = Field(..., description="applicant 申请人 / respondent 被申请人 / party 当事人")
    person_id: int | None = Field(None, description="已登记人员；或填写姓名等登记新人员")
    name: str = ""
    id_number: str = ""
    phone: str = ""


class DisputeIn(Schema):
    source: str = Field(
        ..., description="incident 警情处置 / walk_in 群众来访 / screening 网格排查 / dialogue 警民恳谈"
    )
    kind: str = Field(..., description="纠纷类型代码（mediation/data/dispute_types.yaml）")
    village_id: int | None = Field(None, description="发生地村（社区）；来源为警情时默认为警情地点")
    description: str
    parties: list[PartyIn]
    relationship: str = ""
    address: str = ""
    amount: Decimal | None = Field(None, description="涉及金额（元）")
    risk_level: str = Field("", description="low / medium / high；空则取系统建议")
    incident_id: int | None = None
    case_id: int | None = Field(None, description="关联行政（治安）案件")


class RouteIn(Schema):
    route: str = Field(..., description="police 治安调解 / people 人民调解 / other 移交其他机关")
    mediator_id: int | None = None
    body: str = Field("", description="移交机关代码（route=other）")
    case_id: int | None = None
    exclusions: list[str] = Field([], description="不适用调解的情形代码（程序规定第179条）")
    note: str = ""


class SessionIn(Schema):
    held_at: datetime | None = Field(None, description="须带时区；默认当前时间")
    place: str
    participants: str
    summary: str
    result: str = Field(..., description="agreed / not_agreed / adjourned")


class TermIn(Schema):
    text: str
    amount: Decimal | None = None
    due_on: date | None = None


class AgreementIn(Schema):
    concluded_on: date | None = Field(None, description="协议生效日期；默认今天")
    terms: list[TermIn]
    facts: str = ""
    session_id: int | None = None


class FailIn(Schema):
    reason: str
    follow_on: str = Field(..., description="administrative_case / lawsuit / other_route / none")
    follow_on_case_id: int | None = None


class FollowUpIn(Schema):
    performed: bool
    note: str = ""
    visited_on: date | None = None


class ConfirmationIn(Schema):
    applied_on: date | None = None
    court: str = ""


class ConfirmationDecisionIn(Schema):
    result: str = Field(..., description="confirmed / rejected")
    decided_on: date | None = None
    note: str = ""


class DisputeQuery(Schema):
    status: str = ""
    risk: str = ""
    kind: str = ""
    q: str = ""
    open: bool = False
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=1_000_000_000)  # beyond 64-bit SQL integers: a 500


class RateQuery(Schema):
    start: date
    end: date
    by: str = Field("station", pattern="^(station|township|bureau)$")


def _summary(d: Dispute) -> dict[str, Any]:
    return {
        "id": d.pk,
        "number": d.number,
        "source": d.source,
        "kind": d.kind,
        "kind_label": dispute_types()[d.kind].name if d.kind in dispute_types() else d.kind,
        "status": d.status,
        "status_label": STATES.get(d.status, d.status),
        "risk_level": d.risk_level,
        "registered_at": d.registered_at,
        "station": {"id": d.station_id, "code": d.station.code, "name": d.station.name},
        "village": {"id": d.village_id, "code": d.village.code, "name": d.village.name},
    }


def _agreement(a: Agreement) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": a.pk,
        "number": a.number,
        "route": a.route.route,
        "concluded_on": a.concluded_on,
        "terms": [
            {"number": t.number, "text": t.text, "amount": t.amount, "due_on": t.due_on}
            for t in a.terms.all()
        ],
    }
    if a.route.route == "people":
        info = selectors.confirmation_info(a)
        row = getattr(a, "confirmation", None)
        out["judicial_confirmation"] = {
            "due_on": info["due_on"],
            "overdue": info["overdue"],
            "applied_on": row.applied_on if row else None,
            "court": row.court if row else "",
            "result": row.result if row else "",
        }
    return out


def _detail(d: Dispute) -> dict[str, Any]:
    route = d.current_route
    return {
        **_summary(d),
        "relationship": d.relationship,
        "description": d.description,
        "amount": d.amount,
        "risk_suggested": d.risk_suggested,
        "risk_reasons": d.risk_reasons,
        "incident_id": d.incident_id,
        "case_id": d.case_id,
        "parties": selectors.party_rows(d),
        "route": {"route": route.route, "mediator_id": route.mediator_id, "body": route.body}
        if route
        else None,
        "routes": [
            {
                "route": r.route,
                "mediator_id": r.mediator_id,
                "body": r.body,
                "started_at": r.started_at,
                "ended_at": r.ended_at,
            }
            for r in d.routes.all()
        ],
        "sessions": [
            {"id": s.pk, "held_at": s.held_at, "place": s.place, "result": s.result, "summary": s.summary}
            for s in d.sessions.all()
        ],
        "agreements": [_agreement(a) for a in d.agreements.select_related("route").prefetch_related("terms")],
        "follow_ups": [
            {
                "id": f.pk,
                "term": f.term.number,
                "agreement": f.term.agreement.number,
                "due_on": f.due_on,
                "status": f.status,
            }
            for f in d.follow_ups.select_related("term__agreement")
        ],
        "failure_reason": d.failure_reason,
        "follow_on": d.follow_on,
    }


def _fresh(request: HttpRequest, dispute_id: int) -> dict[str, Any]:
    return _detail(services.visible_dispute(request.user, dispute_id))


@router.get("", summary="纠纷列表（按权限范围）")
def list_disputes(request: HttpRequest, params: Query[DisputeQuery]) -> dict[str, Any]:
    require(request.user, "dispute.view")
    filters = selectors.DisputeFilters(
        status=params.status, risk=params.risk, kind=params.kind, text=params.q, open_only=params.open
    )
    disputes = selectors.dispute_list(actor=request.user, filters=filters)
    page = disputes[params.offset : params.offset + params.limit]
    return {"count": disputes.count(), "items": [_summary(d) for d in page]}


@router.get("/resolution-rate", summary="化解率（口径见 docs/mediation.md）")
def resolution_rate(request: HttpRequest, params: Query[RateQuery]) -> dict[str, Any]:
    rows = selectors.resolution_rate(actor=request.user, start=params.start, end=params.end, by=params.by)
    return {
        "start": params.start,
        "end": params.end,
        "by": params.by,
        "rows": [
            {
                "key": r.key,
                "label": r.label,
                "registered": r.registered,
                "resolved": r.resolved,
                "referred": r.referred,
                "rate": float(r.rate) if r.rate is not None else None,
            }
            for r in rows
        ],
    }


@router.get("/follow-ups/overdue", summary="逾期未回访")
def overdue_follow_ups(request: HttpRequest) -> list[dict[str, Any]]:
    require(request.user, "dispute.view")
    rows = selectors.follow_ups_overdue(actor=request.user, today=timezone.localdate())
    return [
        {"id": f.pk, "dispute_id": f.dispute_id, "number": f.dispute.number, "due_on": f.due_on} for f in rows
    ]


@router.post("", response={201: dict[str, Any]}, summary="登记矛盾纠纷")
def create_dispute(request: HttpRequest, payload: DisputeIn) -> Status:
    data = payload.dict()
    parties = [PartyInput(**p) for p in data.pop("parties")]
    dispute = services.dispute_create(actor=request.user, parties=parties, **data)
    return Status(201, _fresh(request, dispute.pk))


@router.get("/{dispute_id}", summary="纠纷详情（个人信息已脱敏）")
def get_dispute(request: HttpRequest, dispute_id: int) -> dict[str, Any]:
    return _detail(selectors.dispute_get(actor=request.user, dispute_id=dispute_id))


@router.post("/{dispute_id}/route", summary="确定或变更化解途径")
def set_route(request: HttpRequest, dispute_id: int, payload: RouteIn) -> dict[str, Any]:
    services.dispute_route(actor=request.user, dispute_id=dispute_id, **payload.dict())
    return _fresh(request, dispute_id)


@router.post("/{dispute_id}/sessions", response={201: dict[str, Any]}, summary="记录调解")
def add_session(request: HttpRequest, dispute_id: int, payload: SessionIn) -> Status:
    services.session_record(actor=request.user, dispute_id=dispute_id, **payload.dict())
    return Status(201, _fresh(request, dispute_id))


@router.post("/{dispute_id}/agreement", response={201: dict[str, Any]}, summary="达成调解协议")
def add_agreement(request: HttpRequest, dispute_id: int, payload: AgreementIn) -> Status:
    data = payload.dict()
    terms = [TermInput(**t) for t in data.pop("terms")]
    services.agreement_record(actor=request.user, dispute_id=dispute_id, terms=terms, **data)
    return Status(201, _fresh(request, dispute_id))


@router.post("/{dispute_id}/failure", summary="调解不成")
def fail(request: HttpRequest, dispute_id: int, payload: FailIn) -> dict[str, Any]:
    services.mediation_fail(actor=request.user, dispute_id=dispute_id, **payload.dict())
    return _fresh(request, dispute_id)


@router.post("/{dispute_id}/follow-ups/{follow_up_id}", summary="记录回访")
def follow_up(
    request: HttpRequest, dispute_id: int, follow_up_id: int, payload: FollowUpIn
) -> dict[str, Any]:
    services.visible_dispute(request.user, dispute_id)
    if not FollowUp.objects.filter(pk=follow_up_id, dispute_id=dispute_id).exists():
        raise Http404
    services.follow_up_record(actor=request.user, follow_up_id=follow_up_id, **payload.dict())
    return _fresh(request, dispute_id)


@router.post(
    "/agreements/{agreement_id}/confirmation", response={201: dict[str, Any]}, summary="登记司法确认申请"
)
def apply_confirmation(request: HttpRequest, agreement_id: int, payload: ConfirmationIn) -> Status:
    row = services.confirmation_apply(actor=request.user, agreement_id=agreement_id, **payload.dict())
    return Status(201, _fresh(request, row.agreement.dispute_id))


@router.post("/agreements/{agreement_id}/confirmation/decision", summary="登记司法确认裁定")
def decide_confirmation(
    request: HttpRequest, agreement_id: int, payload: ConfirmationDecisionIn
) -> dict[str, Any]:
    row = services.confirmation_decide(actor=request.user, agreement_id=agreement_id, **payload.dict())
    return _fresh(request, row.agreement.dispute_id)


@router.get(
    "/agreements/{agreement_id}/pdf",
    summary="调解协议书（PDF）",
    openapi_extra={"responses": {200: {"content": {"application/pdf": BINARY}}}},
)
def agreement_pdf(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement, pdf = documents.agreement_pdf(actor=request.user, agreement_id=agreement_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"调解协议书-{agreement.number}.pdf")
    return response
