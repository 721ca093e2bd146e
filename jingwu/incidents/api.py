"""接处警 over the API (/api/incidents): intake with idempotency keys, lists, timeline steps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Header, Query, Router, Schema, Status

from jingwu.access.policy import require
from jingwu.core.masking import mask_phone
from jingwu.incidents import selectors, services
from jingwu.incidents.choices import Priority, Source
from jingwu.incidents.models import Incident
from jingwu.incidents.taxonomy import taxonomy

router = Router(tags=["接处警"])

MAX_PAGE = 200


class IncidentIn(Schema):
    source: str = Source.PHONE_110.value
    received_at: datetime | None = Field(None, description="默认当前时间；须带时区")
    village_code: str = Field(..., description="村（社区）12位区划代码")
    address: str = ""
    category: str
    subcategory: str
    priority: int = Priority.NORMAL.value
    narrative: str
    caller_name: str = ""
    caller_phone: str = ""
    caller_id_number: str = ""
    link_to: int | None = Field(None, description="并入的已有警情编号（id）：重复报警")


class BatchItemIn(IncidentIn):
    idempotency_key: str | None = Field(None, max_length=80, description="每条警情的幂等键")


class BatchIn(Schema):
    items: list[BatchItemIn] = Field(..., min_length=1, max_length=services.BATCH_LIMIT)


class BatchItemOut(Schema):
    index: int
    status: int = Field(..., description="201 新登记；200 该幂等键已登记；400 有误（见 errors）")
    id: int | None = None
    number: str | None = None
    unit: str | None = None
    errors: dict[str, str] = {}


class BatchOut(Schema):
    created: int
    results: list[BatchItemOut]


class StepIn(Schema):
    kind: str = Field(
        ..., description="dispatched / acknowledged / arrived / handled / closed / rerouted / note"
    )
    at: datetime | None = None
    note: str = ""
    officer_ids: list[int] = []
    disposition: str = ""
    to_unit_id: int | None = None


class IncidentOut(Schema):
    id: int
    number: str
    received_at: datetime
    source: str
    village_code: str
    village: str
    township: str
    address: str
    area: str
    category: str
    subcategory: str
    kind_label: str
    priority: int
    narrative: str
    station: str
    unit: str
    unit_id: int
    status: str
    caller_name: str
    caller_phone: str
    dispatched_at: datetime | None
    arrived_at: datetime | None
    handled_at: datetime | None
    closed_at: datetime | None
    disposition: str
    version: int


class IncidentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[IncidentOut]


class IncidentQuery(Schema):
    unit_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    category: str = ""
    priority: int | None = Field(None, ge=1, le=3)
    status: str = ""
    open_only: bool = False
    q: str = ""
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=1_000_000_000)  # beyond 64-bit SQL integers: a 500


def _out(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "number": incident.number or "",
        "received_at": incident.received_at,
        "source": incident.source,
        "village_code": incident.village.code,
        "village": incident.village.name,
        "township": incident.village.parent.name,
        "address": incident.address,
        "area": incident.area,
        "category": incident.category,
        "subcategory": incident.subcategory,
        "kind_label": taxonomy().label(incident.category, incident.subcategory),
        "priority": incident.priority,
        "narrative": incident.narrative,
        "station": incident.station.name,
        "unit": incident.unit.name,
        "unit_id": incident.unit_id,
        "status": incident.status,
        "caller_name": incident.caller.name if incident.caller else "",
        # The caller's phone is personal data: masked here as everywhere (reveal through /api/persons).
        "caller_phone": mask_phone(incident.caller.phone) if incident.caller else "",
        "dispatched_at": incident.dispatched_at,
        "arrived_at": incident.arrived_at,
        "handled_at": incident.handled_at,
        "closed_at": incident.closed_at,
        "disposition": incident.disposition,
        "version": incident.version,
    }


@router.post("", response={200: IncidentOut, 201: IncidentOut}, summary="接警登记（支持 Idempotency-Key）")
def create_incident(
    request: HttpRequest,
    payload: IncidentIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=80),
) -> Status:
    """A repeated Idempotency-Key returns the first incident (200), never a second one."""
    result = services.incident_create(
        actor=request.auth, idempotency_key=idempotency_key, **payload.model_dump()
    )
    incident = selectors.incident_get(actor=request.auth, incident_id=result.incident.pk)
    return Status(201 if result.created else 200, _out(incident))


@router.post("/batch", response=BatchOut, summary="批量接警（省110平台对接等；每批至多500条）")
def create_incidents_batch(request: HttpRequest, payload: BatchIn) -> dict[str, Any]:
    """Each item is answered on its own: created, already recorded under its key, or refused."""
    items = [item.model_dump() for item in payload.items]
    results = services.incident_create_batch(actor=request.auth, items=items)
    return {
        "created": sum(1 for r in results if r.status == 201),
        "results": [
            {
                "index": n,
                "status": r.status,
                "id": r.incident.pk if r.incident else None,
                "number": r.incident.number if r.incident else None,
                "unit": r.incident.unit.name if r.incident else None,
                "errors": r.errors or {},
            }
            for n, r in enumerate(results)
        ],
    }


@router.get("", response=IncidentPage, summary="警情列表（按权限范围）")
def list_incidents(request: HttpRequest, params: Query[IncidentQuery]) -> dict[str, Any]:
    require(request.auth, "incident.view")
    filters = selectors.IncidentFilters(
        unit_id=params.unit_id,
        date_from=params.date_from,
        date_to=params.date_to,
        category=params.category,
        priority=params.priority,
        status=params.status,
        open_only=params.open_only,
        text=params.q,
    )
    incidents = selectors.incident_list(actor=request.auth, filters=filters).order_by("-received_at", "-id")
    page = incidents[params.offset : params.offset + params.limit]
    return {
        "count": incidents.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": [_out(i) for i in page],
    }


@router.get("/{int:incident_id}", response=IncidentOut, summary="警情详情")
def get_incident(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    return _out(selectors.incident_get(actor=request.auth, incident_id=incident_id))


@router.post(
    "/{int:incident_id}/events", response=IncidentOut, summary="追加处警节点（派警、到场、处置、结束…）"
)
def add_step(request: HttpRequest, incident_id: int, payload: StepIn) -> dict[str, Any]:
    services.incident_step(actor=request.auth, incident_id=incident_id, **payload.model_dump())
    return _out(selectors.incident_get(actor=request.auth, incident_id=incident_id))
