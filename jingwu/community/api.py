"""Grid work over the API (/api/community), for the police assistant's phone: their village, the list of
what they recorded, recording a patrol, a visit, a hazard or an information report, fixing a hazard, the
day's log; and for station officers, turning a report into an incident.

Thin handlers over jingwu.community.services and selectors; refusals come out through jingwu/api.py's
handlers (400, 403, 404, 409). An assistant sees only their own village's records.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from jingwu.access.policy import require
from jingwu.community import selectors, services
from jingwu.community.models import GridActivity, Hazard, InfoReport
from jingwu.core.errors import ServiceError

router = Router(tags=["社区警务"])
MAX_PAGE = 200
KINDS = ("patrol", "visit", "hazard", "report")


class WorkIn(Schema):
    kind: str = Field(..., description="patrol 巡逻 / visit 入户走访 / hazard 安全隐患 / report 信息报送")
    place: str = Field("", description="巡逻路线、走访地址或隐患位置")
    summary: str = Field("", description="巡逻或走访情况")
    household: str = Field("", description="走访对象（户主），kind=visit")
    category: str = Field("", description="隐患类别或信息类别")
    description: str = Field("", description="隐患情况，kind=hazard")
    title: str = Field("", description="信息标题，kind=report")
    content: str = Field("", description="信息内容，kind=report")
    at: datetime | None = Field(None, description="发生时间，须带时区；默认当前时间")
    staff_id: int | None = Field(None, description="民警代录时的工作人员；警务助理不填")


class WorkQuery(Schema):
    kind: str = Field("", pattern="^(|patrol|visit|hazard|report)$")
    limit: int = Field(50, ge=1, le=MAX_PAGE)


class FixIn(Schema):
    note: str
    fixed_on: date | None = None


class LogIn(Schema):
    content: str
    day: date | None = Field(None, description="默认今天")


class ToIncidentIn(Schema):
    category: str
    subcategory: str
    priority: int = Field(2, ge=1, le=3)


def _activity(a: GridActivity) -> dict[str, Any]:
    return {
        "kind": a.kind,
        "id": a.pk,
        "at": a.occurred_at,
        "village": a.village.name,
        "place": a.place,
        "household": a.household,
        "summary": a.summary,
    }


def _hazard(h: Hazard) -> dict[str, Any]:
    return {
        "kind": "hazard",
        "id": h.pk,
        "at": h.found_at,
        "village": h.village.name,
        "category": h.category,
        "place": h.place,
        "description": h.description,
        "status": h.status,
        "fixed_on": h.fixed_on,
        "fix_note": h.fix_note,
    }


def _report(r: InfoReport) -> dict[str, Any]:
    return {
        "kind": "report",
        "id": r.pk,
        "number": r.number,
        "at": r.reported_at,
        "village": r.village.name,
        "category": r.category,
        "title": r.title,
        "content": r.content,
        "status": r.status,
        "incident": r.incident.number if r.incident else None,
        "dispute": r.dispute.number if r.dispute else None,
    }


@router.get("/me", summary="我的网格（警务助理）")
def me(request: HttpRequest) -> dict[str, Any]:
    require(request.user, "gridwork.record")
    assignment = services.current_assignment(request.user)
    log = selectors.today_log(actor=request.user) if assignment else None
    return {
        "village": {
            "id": assignment.village_id,
            "code": assignment.village.code,
            "name": assignment.village.name,
        }
        if assignment
        else None,
        "township": assignment.village.parent.name if assignment else None,
        "today_log": log.content if log else None,
    }


@router.get("/work", summary="网格工作记录（警务助理只见本人本村）")
def list_work(request: HttpRequest, query: Query[WorkQuery]) -> dict[str, Any]:
    user = request.user
    items: list[dict[str, Any]] = []
    if query.kind in ("", "patrol", "visit"):
        items += [_activity(a) for a in selectors.activity_list(actor=user, kind=query.kind)[: query.limit]]
    if query.kind in ("", "hazard"):
        items += [_hazard(h) for h in selectors.hazard_list(actor=user)[: query.limit]]
    if query.kind in ("", "report"):
        items += [_report(r) for r in selectors.report_list(actor=user)[: query.limit]]
    items.sort(key=lambda item: item["at"], reverse=True)
    return {"items": items[: query.limit]}


@router.post("/work", response={201: dict[str, Any]}, summary="记录网格工作")
def create_work(request: HttpRequest, payload: WorkIn) -> Status:
    user = request.user
    if payload.kind in ("patrol", "visit"):
        activity = services.activity_record(
            actor=user,
            kind=payload.kind,
            place=payload.place,
            summary=payload.summary,
            household=payload.household,
            occurred_at=payload.at,
            staff_id=payload.staff_id,
        )
        return Status(201, _activity(activity))
    if payload.kind == "hazard":
        hazard = services.hazard_report(
            actor=user,
            category=payload.category,
            place=payload.place,
            description=payload.description,
            found_at=payload.at,
            staff_id=payload.staff_id,
        )
        return Status(201, _hazard(hazard))
    if payload.kind == "report":
        report = services.report_submit(
            actor=user,
            category=payload.category,
            title=payload.title,
            content=payload.content,
            reported_at=payload.at,
            staff_id=payload.staff_id,
        )
        return Status(201, _report(report))
    raise ServiceError("类别无效", {"kind": "应为 patrol、visit、hazard 或 report"})


@router.post("/hazards/{hazard_id}/fix", summary="隐患已整改")
def fix_hazard(request: HttpRequest, hazard_id: int, payload: FixIn) -> dict[str, Any]:
    hazard = services.hazard_fix(
        actor=request.user, hazard_id=hazard_id, fixed_on=payload.fixed_on, note=payload.note
    )
    return _hazard(hazard)


@router.put("/log", summary="填写当日工作日志")
def save_log(request: HttpRequest, payload: LogIn) -> dict[str, Any]:
    log = services.daily_log_save(actor=request.user, content=payload.content, day=payload.day)
    return {"day": log.day, "content": log.content}


@router.post("/reports/{report_id}/incident", response={201: dict[str, Any]}, summary="信息报送转为警情")
def report_to_incident(request: HttpRequest, report_id: int, payload: ToIncidentIn) -> Status:
    incident = services.report_to_incident(
        actor=request.user,
        report_id=report_id,
        category=payload.category,
        subcategory=payload.subcategory,
        priority=payload.priority,
    )
    return Status(
        201, {"incident_id": incident.pk, "incident_number": incident.number, "report_id": report_id}
    )
