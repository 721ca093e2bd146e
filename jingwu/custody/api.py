"""The custody log over the API (/api/custody): who is inside now, one stay, entry, log lines,
questioning sessions and the exit. Thin handlers over jingwu.custody.services and .selectors; refusals come
out through jingwu/api.py's handlers (400, 403, 404, 409). Personal data is always masked here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from jingwu.access.policy import require
from jingwu.custody import selectors, services
from jingwu.custody.config import custody_config
from jingwu.custody.selectors import Limit, StayRow

router = Router(tags=["执法办案管理中心"])


class LimitOut(Schema):
    title: str
    due_at: datetime | None
    warn_from: datetime | None
    state: str = Field(
        ..., description="ok 正常 / warning 临近届满 / breach 已超时 / met 已结束 / none 规则中无时限"
    )
    remaining_seconds: int | None


class StaySummaryOut(Schema):
    id: int
    case_id: int
    case_number: str
    party_id: int
    person_key: str = Field(..., description="时间线上的人员键（P<当事人id>）")
    name: str
    id_number: str = Field(..., description="脱敏身份证号")
    measure_id: int
    measure: str
    measure_label: str
    basis_document: str
    entered_at: datetime
    status: str
    exited_at: datetime | None
    exit_destination: str
    limit: LimitOut
    in_session: str


class LogOut(Schema):
    id: int
    kind: str
    kind_label: str
    at: datetime
    text: str
    officer: str


class SessionOut(Schema):
    id: int
    kind: str
    room: str
    room_name: str
    started_at: datetime
    ended_at: datetime | None
    officers: list[str]


class BelongingOut(Schema):
    id: int
    name: str
    quantity: int
    description: str
    photos: int
    returned_at: datetime | None
    received_by: str


class StayDetailOut(StaySummaryOut):
    brought_by: list[str]
    registered_by: str
    exit_note: str
    unreturned_reason: str
    log: list[LogOut]
    sessions: list[SessionOut]
    belongings: list[BelongingOut]
    can_manage: bool


class StayIn(Schema):
    case_id: int
    party_id: int
    measure_id: int = Field(..., description="法律依据：对该当事人进行中的传唤、拘传、刑事拘留或逮捕")
    basis_document: str = Field(..., description="法律文书文号（必填）")
    brought_by_ids: list[int]
    entered_at: datetime | None = Field(None, description="默认当前时间；须带时区")
    note: str = ""


class LogIn(Schema):
    kind: str = Field(
        ..., description="safety_check / health / info_collection / meal_rest / counsel_visit / note"
    )
    text: str
    at: datetime | None = None


class SessionIn(Schema):
    kind: str = Field(..., description="interrogation 讯问 / inquiry 询问")
    room: str = Field(..., description="讯询问室代码，见 custody.yaml 的 rooms")
    started_at: datetime
    ended_at: datetime | None = None
    officer_ids: list[int] = Field(..., description="讯问/询问民警，不少于二人")


class ExitIn(Schema):
    destination: str = Field(
        ...,
        description="出区去向：released / detention_center / bail / residential_surveillance / "
        "administrative_detention / other",
    )
    exited_at: datetime | None = None
    note: str = ""
    unreturned_reason: str = Field("", description="有未返还的随身物品而不返还时必填")
    return_all: bool = False
    received_by: str = ""
    signature_confirmed: bool = False


def _limit(limit: Limit) -> dict[str, Any]:
    remaining = limit.remaining(timezone.now())
    return {
        "title": limit.title,
        "due_at": limit.due_at,
        "warn_from": limit.warn_from,
        "state": limit.state,
        "remaining_seconds": int(remaining.total_seconds()) if remaining is not None else None,
    }


def _summary(row: StayRow | selectors.StayDetail) -> dict[str, Any]:
    stay = row.stay
    return {
        "id": stay.pk,
        "case_id": stay.case_id,
        "case_number": stay.case.number,
        "party_id": stay.party_id,
        "person_key": stay.party.key,
        "name": stay.person.name,
        "id_number": row.id_number,
        "measure_id": stay.measure_id,
        "measure": stay.measure.kind,
        "measure_label": row.measure_label,
        "basis_document": stay.basis_document,
        "entered_at": stay.entered_at,
        "status": stay.status,
        "exited_at": stay.exited_at,
        "exit_destination": stay.exit_destination,
        "limit": _limit(row.limit),
        "in_session": getattr(row, "in_session", ""),
    }


def _detail(request: HttpRequest, stay_id: int) -> dict[str, Any]:
    detail = selectors.stay_get(actor=request.auth, stay_id=stay_id)
    rooms = custody_config().rooms
    stay = detail.stay
    return {
        **_summary(detail),
        "brought_by": [u.full_name for u in detail.brought_by],
        "registered_by": stay.registered_by.full_name,
        "exit_note": stay.exit_note,
        "unreturned_reason": stay.unreturned_reason,
        "log": [
            {
                "id": e.pk,
                "kind": e.kind,
                "kind_label": e.get_kind_display(),
                "at": e.at,
                "text": e.text,
                "officer": e.officer.full_name,
            }
            for e in detail.log
        ],
        "sessions": [
            {
                "id": s.pk,
                "kind": s.kind,
                "room": s.room,
                "room_name": rooms.get(s.room, s.room),
                "started_at": s.started_at,
                "ended_at": s.ended_at,
                "officers": [o.full_name for o in s.officers.all()],
            }
            for s in detail.sessions
        ],
        "belongings": [
            {
                "id": b.pk,
                "name": b.name,
                "quantity": b.quantity,
                "description": b.description,
                "photos": len(b.photos.all()),
                "returned_at": b.returned_at,
                "received_by": b.received_by,
            }
            for b in detail.belongings
        ],
        "can_manage": detail.can_manage,
    }


@router.get("/inside", response=list[StaySummaryOut], summary="在区人员（含距法定时限的剩余时间）")
def list_inside(request: HttpRequest) -> list[dict[str, Any]]:
    require(request.auth, "custody.view")
    return [_summary(row) for row in selectors.inside_now(actor=request.auth)]


@router.get("/stays/{int:stay_id}", response=StayDetailOut, summary="在区记录详情（查看留痕）")
def get_stay(request: HttpRequest, stay_id: int) -> dict[str, Any]:
    return _detail(request, stay_id)


@router.post("/stays", response={201: StayDetailOut}, summary="入区登记（须有法律依据文书）")
def register_stay(request: HttpRequest, payload: StayIn) -> Status:
    stay = services.stay_register(actor=request.auth, **payload.model_dump())
    return Status(201, _detail(request, stay.pk))


@router.post("/stays/{int:stay_id}/log", response={201: LogOut}, summary="在区情况记录")
def add_log(request: HttpRequest, stay_id: int, payload: LogIn) -> Status:
    entry = services.stay_log_add(actor=request.auth, stay_id=stay_id, **payload.model_dump())
    return Status(
        201,
        {
            "id": entry.pk,
            "kind": entry.kind,
            "kind_label": entry.get_kind_display(),
            "at": entry.at,
            "text": entry.text,
            "officer": entry.officer.full_name,
        },
    )


@router.post("/stays/{int:stay_id}/sessions", response={201: SessionOut}, summary="登记讯问/询问")
def add_session(request: HttpRequest, stay_id: int, payload: SessionIn) -> Status:
    session = services.session_add(actor=request.auth, stay_id=stay_id, **payload.model_dump())
    return Status(
        201,
        {
            "id": session.pk,
            "kind": session.kind,
            "room": session.room,
            "room_name": custody_config().rooms[session.room],
            "started_at": session.started_at,
            "ended_at": session.ended_at,
            "officers": [o.full_name for o in session.officers.all()],
        },
    )


@router.post("/stays/{int:stay_id}/exit", response=StayDetailOut, summary="出区登记")
def exit_stay(request: HttpRequest, stay_id: int, payload: ExitIn) -> dict[str, Any]:
    services.stay_exit(actor=request.auth, stay_id=stay_id, **payload.model_dump())
    return _detail(request, stay_id)
