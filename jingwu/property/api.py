"""Seized property over the API (/api/property): the items (list, detail with the chain of custody),
registration, movements (流转), the label (its code and QR SVG, or the PDF), a label scan, and the
chain-break report.

Thin handlers: every write is a call of jingwu.property.services, every read one of the selectors; the
services' refusals come out through jingwu/api.py's handlers (400, 403, 404, 409).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema, Status

from jingwu.access.policy import require
from jingwu.core.masking import mask_id_number
from jingwu.property import labels, selectors, services
from jingwu.property.models import CustodyEvent, PropertyItem

router = Router(tags=["涉案财物"])

MAX_PAGE = 200
BINARY = {"schema": {"type": "string", "format": "binary"}}


class ItemIn(Schema):
    case_id: int
    description: str = Field(..., description="名称及特征")
    category: str = Field(
        ..., description="cash / electronics / vehicle / tools / documents / drugs / timber / other"
    )
    quantity: Decimal
    measure_unit: str = Field(..., description="计量单位：辆、部、元、立方米……")
    estimated_value: Decimal | None = Field(None, description="估计价值（元）")
    seizure_kind: str = Field(
        ...,
        description=(
            "seized 扣押 / collected 调取 / extracted 提取 / sealed 查封 / frozen 冻结 / "
            "preserved 先行登记保存"
        ),
    )
    seizure_document: str = Field(..., description="扣押（查封、冻结）文书文号，必填")
    seized_at: datetime | None = Field(None, description="须带时区；默认当前时间")
    seized_place: str = ""
    holder_id: int | None = Field(None, description="被扣押人：本案当事人（CaseParty）")


class MoveIn(Schema):
    kind: str = Field(
        ...,
        description=(
            "into_room / registered / relocated / out_for_examination / out_for_appraisal / out_to_court / "
            "returned_to_room / return_to_owner / confiscation / destruction / transfer"
        ),
    )
    reason: str
    handed_over_by: str = Field(..., description="移交人姓名")
    received_by: str = Field(..., description="接收人姓名")
    at: datetime | None = Field(None, description="须带时区；默认当前时间")
    location_id: int | None = Field(None, description="入库、移位、归还入库时必填")
    destination: str = Field("", description="出库、移交的去向（接收单位）")
    document_number: str = Field("", description="决定文书文号；发还、没收、销毁、移交必填")


class ItemQuery(Schema):
    case: str = ""
    state: str = ""
    category: str = ""
    location_id: int | None = None
    q: str = ""
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=1_000_000_000)  # beyond 64-bit SQL integers: a 500


class EventOut(Schema):
    sequence: int
    kind: str
    kind_label: str
    at: datetime
    state_after: str
    location: str | None
    handed_over_by: str
    received_by: str
    destination: str
    reason: str
    document_number: str


class ItemOut(Schema):
    id: int
    label_code: str
    case_id: int
    case_number: str
    description: str
    category: str
    quantity: Decimal
    measure_unit: str
    estimated_value: Decimal | None
    seizure_kind: str
    seizure_document: str
    seized_at: datetime
    seized_by: str
    holder: str | None
    state: str
    state_label: str
    location: str | None
    state_since: datetime


class ItemDetailOut(ItemOut):
    chain: list[EventOut]
    deadlines: list[dict[str, Any]]


class ItemPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ItemOut]


class LabelOut(Schema):
    label_code: str
    qr_payload: str
    qr_svg: str
    scan_url: str


class AnomalyOut(Schema):
    kind: str
    label: str
    item_id: int
    label_code: str
    since: datetime
    detail: str


def _item(item: PropertyItem) -> dict[str, Any]:
    holder = None
    if item.holder:
        holder = f"{item.holder.person.name} {mask_id_number(item.holder.person.id_number)}".strip()
    return {
        "id": item.pk,
        "label_code": item.label_code,
        "case_id": item.case_id,
        "case_number": item.case.number,
        "description": item.description,
        "category": item.category,
        "quantity": item.quantity,
        "measure_unit": item.measure_unit,
        "estimated_value": item.estimated_value,
        "seizure_kind": item.seizure_kind,
        "seizure_document": item.seizure_document,
        "seized_at": item.seized_at,
        "seized_by": item.seized_by.full_name,
        "holder": holder,
        "state": item.state,
        "state_label": item.get_state_display(),
        "location": item.location.code if item.location else None,
        "state_since": item.state_since,
    }


def _event(event: CustodyEvent) -> dict[str, Any]:
    return {
        "sequence": event.sequence,
        "kind": event.kind,
        "kind_label": event.get_kind_display(),
        "at": event.at,
        "state_after": event.state_after,
        "location": event.location.code if event.location else None,
        "handed_over_by": event.handed_over_by,
        "received_by": event.received_by,
        "destination": event.destination,
        "reason": event.reason,
        "document_number": event.document_number,
    }


def _detail(request: HttpRequest, item_id: int) -> dict[str, Any]:
    item = selectors.item_get(actor=request.auth, item_id=item_id)
    return {
        **_item(item),
        "chain": [_event(e) for e in selectors.item_chain(item)],
        "deadlines": [
            {"rule_id": d.rule_id, "title": d.title, "status": d.status, "due_at": d.due_at}
            for d in selectors.item_deadlines(item)
        ],
    }


@router.get("", response=ItemPage, summary="涉案财物列表（按权限范围）")
def list_items(request: HttpRequest, params: Query[ItemQuery]) -> dict[str, Any]:
    require(request.auth, "property.view")
    filters = selectors.ItemFilters(
        case=params.case,
        state=params.state,
        category=params.category,
        location_id=params.location_id,
        text=params.q,
    )
    items = selectors.item_list(actor=request.auth, filters=filters)
    page = items[params.offset : params.offset + params.limit]
    return {
        "count": items.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": [_item(i) for i in page],
    }


@router.post("", response={201: ItemDetailOut}, summary="登记涉案财物（开始移交计时）")
def register_item(request: HttpRequest, payload: ItemIn) -> Status:
    item = services.item_register(actor=request.auth, **payload.model_dump())
    return Status(201, _detail(request, item.pk))


@router.get("/anomalies", response=list[AnomalyOut], summary="流转异常")
def list_anomalies(request: HttpRequest) -> list[dict[str, Any]]:
    require(request.auth, "property.view")
    return [
        {
            "kind": a.kind.value,
            "label": a.label,
            "item_id": a.item.pk,
            "label_code": a.item.label_code,
            "since": a.since,
            "detail": a.detail,
        }
        for a in selectors.chain_breaks(actor=request.auth)
    ]


class LocationOut(Schema):
    id: int
    code: str
    description: str
    is_active: bool
    stored: int


@router.get("/locations", response=list[LocationOut], summary="保管位置（库房/货架/箱）及在库件数")
def list_locations(request: HttpRequest) -> list[dict[str, Any]]:
    require(request.auth, "property.view")
    return [
        {
            "id": loc.pk,
            "code": loc.code,
            "description": loc.description,
            "is_active": loc.is_active,
            "stored": loc.stored,
        }
        for loc in selectors.location_list(actor=request.auth)
    ]


@router.get("/labels/{code}", response=ItemDetailOut, summary="扫码：按标签编号查看财物（查看留痕）")
def scan_label(request: HttpRequest, code: str) -> dict[str, Any]:
    item = selectors.item_by_label(actor=request.auth, code=code)
    return _detail(request, item.pk)


@router.get("/{int:item_id}", response=ItemDetailOut, summary="财物详情与流转记录（查看留痕）")
def get_item(request: HttpRequest, item_id: int) -> dict[str, Any]:
    return _detail(request, item_id)


@router.post("/{int:item_id}/movements", response={201: ItemDetailOut}, summary="登记流转（只增不改）")
def move_item(request: HttpRequest, item_id: int, payload: MoveIn) -> Status:
    services.item_move(actor=request.auth, item_id=item_id, **payload.model_dump())
    return Status(201, _detail(request, item_id))


@router.get("/{int:item_id}/label", response=LabelOut, summary="标签：编号与二维码（二维码只含编号）")
def get_label(request: HttpRequest, item_id: int) -> dict[str, Any]:
    item = selectors.item_get(actor=request.auth, item_id=item_id)
    return {
        "label_code": item.label_code,
        "qr_payload": labels.qr_payload(item),
        "qr_svg": str(labels.qr_svg(labels.qr_payload(item))),
        "scan_url": f"/property/label/{item.label_code}/",
    }


@router.get(
    "/{int:item_id}/label.pdf",
    response={200: None},
    openapi_extra={"responses": {200: {"content": {"application/pdf": BINARY}}}},
    summary="标签PDF",
)
def get_label_pdf(request: HttpRequest, item_id: int) -> HttpResponse:
    item = selectors.item_get(actor=request.auth, item_id=item_id)
    response = HttpResponse(labels.label_pdf(item), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{item.label_code}.pdf")
    return response
