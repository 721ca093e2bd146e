"""Supervision notices over the API (/api/notices): 执法监督通知书 and 检察监督意见 — list, detail, issue,
respond, accept or reopen. Thin handlers over jingwu.supervision.services and selectors; refusals come
out through jingwu/api.py's handlers (400, 403, 404, 409)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from jingwu.access.policy import require
from jingwu.supervision import selectors, services
from jingwu.supervision.catalogue import catalogue
from jingwu.supervision.models import NoticeEntry, SupervisionNotice

router = Router(tags=["执法监督"])
MAX_PAGE = 200


class NoticeIn(Schema):
    case_id: int
    kind: str = Field(
        ..., description="notice 执法监督通知书（法制大队）/ procurator_opinion 检察监督意见（检察官）"
    )
    defect: str = Field(..., description="问题类型：overdue / missing_document / wrong_legal_basis / …")
    description: str = Field(..., description="发现的问题")
    rectify_by: date = Field(..., description="整改期限（不早于今天）")
    opinion_type: str = Field("", description="检察监督文书类型（检察监督意见必填）")
    requirement: str = ""
    deadline_id: int | None = Field(None, description="据以下发的超期期限")


class ResponseIn(Schema):
    text: str = Field(..., description="整改情况")


class ReviewIn(Schema):
    decision: str = Field(..., description="accept 验收通过 / reopen 退回重改（须写明理由）")
    comment: str = ""


class NoticeQuery(Schema):
    status: str = ""
    kind: str = ""
    overdue: bool = False
    case_id: int | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=1_000_000_000)  # beyond 64-bit SQL integers: a 500


class NoticeEntryOut(Schema):
    action: str
    action_label: str
    actor: str
    at: datetime
    text: str


class NoticeOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    case_id: int
    case_number: str
    unit_id: int
    unit_name: str
    deadline_id: int | None
    defect: str
    defect_label: str
    opinion_type: str
    description: str
    requirement: str
    issued_by: str
    issued_at: datetime
    rectify_by: date
    status: str
    status_label: str
    rectification_overdue: bool
    responded_at: datetime | None
    accepted_at: datetime | None


class NoticeDetailOut(NoticeOut):
    history: list[NoticeEntryOut]


class NoticePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[NoticeOut]


def _entry(entry: NoticeEntry) -> dict[str, Any]:
    return {
        "action": entry.action,
        "action_label": entry.get_action_display(),
        "actor": entry.actor.full_name,
        "at": entry.at,
        "text": entry.text,
    }


def _notice(notice: SupervisionNotice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "number": notice.number,
        "kind": notice.kind,
        "kind_label": notice.get_kind_display(),
        "case_id": notice.case_id,
        "case_number": notice.case.number,
        "unit_id": notice.unit_id,
        "unit_name": notice.unit.name,
        "deadline_id": notice.deadline_id,
        "defect": notice.defect,
        "defect_label": catalogue().defects.get(notice.defect, notice.defect),
        "opinion_type": notice.opinion_type,
        "description": notice.description,
        "requirement": notice.requirement,
        "issued_by": notice.issued_by.full_name,
        "issued_at": notice.issued_at,
        "rectify_by": notice.rectify_by,
        "status": notice.status,
        "status_label": notice.get_status_display(),
        "rectification_overdue": notice.rectification_overdue,
        "responded_at": notice.responded_at,
        "accepted_at": notice.accepted_at,
    }


def _detail(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    notice = selectors.notice_get(actor=request.auth, notice_id=notice_id)
    return {**_notice(notice), "history": [_entry(e) for e in notice.entries.select_related("actor")]}


@router.get("", response=NoticePage, summary="监督通知列表（按权限范围）")
def list_notices(request: HttpRequest, params: Query[NoticeQuery]) -> dict[str, Any]:
    require(request.auth, "notice.view")
    notices = selectors.notices_for(
        actor=request.auth,
        status=params.status,
        kind=params.kind,
        overdue=params.overdue,
        case_id=params.case_id,
    )
    page = notices[params.offset : params.offset + params.limit]
    return {
        "count": notices.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": [_notice(n) for n in page],
    }


@router.post("", response={201: NoticeDetailOut}, summary="下发执法监督通知书 / 提出检察监督意见")
def issue_notice(request: HttpRequest, payload: NoticeIn) -> Status:
    notice = services.notice_issue(actor=request.auth, **payload.model_dump())
    return Status(201, _detail(request, notice.pk))


@router.get("/{int:notice_id}", response=NoticeDetailOut, summary="监督通知详情与流转记录（查看留痕）")
def get_notice(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    return _detail(request, notice_id)


@router.post("/{int:notice_id}/responses", response=NoticeDetailOut, summary="整改单位反馈整改情况")
def respond_notice(request: HttpRequest, notice_id: int, payload: ResponseIn) -> dict[str, Any]:
    services.notice_respond(actor=request.auth, notice_id=notice_id, text=payload.text)
    return _detail(request, notice_id)


@router.post("/{int:notice_id}/review", response=NoticeDetailOut, summary="验收通过或退回重改（下发方）")
def review_notice(request: HttpRequest, notice_id: int, payload: ReviewIn) -> dict[str, Any]:
    services.notice_review(
        actor=request.auth, notice_id=notice_id, decision=payload.decision, comment=payload.comment
    )
    return _detail(request, notice_id)
