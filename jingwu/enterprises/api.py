"""Enterprise liaison over the API (/api/enterprises): enterprises (contacts masked), visits, requests,
incident links, parks, and warning bulletins with their deliveries (state read from the outbox),
acknowledgement and re-send.

Thin handlers: every write is a call of jingwu.enterprises.services, every read one of the selectors;
refusals come out through jingwu/api.py's handlers (400, 403, 404, 409).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from jingwu.enterprises import selectors, services
from jingwu.enterprises.config import config
from jingwu.enterprises.models import Bulletin, BulletinDelivery, Enterprise
from jingwu.enterprises.services import EnterpriseInput, Targeting

router = Router(tags=["警企联系"])
MAX_PAGE = 200


class EnterpriseIn(Schema):
    name: str
    uscc: str = Field(..., description="统一社会信用代码（GB 32100-2015，18位，含校验码）")
    industry: str = Field(..., description="行业代码（enterprises/data/enterprises.yaml）")
    village_id: int | None = None
    contact_name: str
    contact_phone: str = ""
    contact_email: str = ""
    address: str = ""
    park_id: int | None = None
    liaison_id: int | None = Field(None, description="警企联系民警（用户 id）")
    status: str = Field("active", description="active 正常经营 / suspended 停产停业 / closed 已注销")
    notes: str = ""


class EnterpriseUpdateIn(EnterpriseIn):
    version: int | None = Field(None, description="读取时的版本号；不一致则 409")


class EnterpriseQuery(Schema):
    q: str = ""
    industry: str = ""
    park_id: int | None = None
    township_id: int | None = None
    status: str = ""
    mine: bool = False
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=1_000_000_000)  # beyond 64-bit SQL integers: a 500


class VisitIn(Schema):
    topics: str
    visited_on: date | None = Field(None, description="默认今天")
    officer_id: int | None = Field(None, description="默认本人")
    checks: list[str] = Field([], description="安全检查项目代码")
    findings: str = ""


class RequestIn(Schema):
    kind: str
    summary: str
    raised_on: date | None = None


class HandleIn(Schema):
    handling_note: str
    handled_on: date | None = None


class LinkIn(Schema):
    number: str = Field("", description="警情编号")
    incident_id: int | None = None
    note: str = ""


# An id beyond 64-bit SQL integers made the database driver fail (a 500, found by schemathesis).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class TargetingIn(Schema):
    park_ids: list[Id] = []
    industries: list[str] = []
    township_ids: list[Id] = []

    def targeting(self) -> Targeting:
        return Targeting(
            park_ids=tuple(self.park_ids),
            industries=tuple(self.industries),
            township_ids=tuple(self.township_ids),
        )


class BulletinIn(TargetingIn):
    title: str
    body: str
    kind: str = Field(
        ..., description="fraud_pattern 电诈新手法 / typical_case 典型案例 / safety_tip / risk_alert"
    )
    channel: str = Field("sms", description="sms 短信（联系电话）/ email 电子邮件；无该联系方式时改用另一种")


class AckIn(Schema):
    method: str = Field(..., description="phone 电话确认 / sms_reply 短信回复 / in_person 上门告知")
    at: datetime | None = Field(None, description="须带时区；默认当前时间")
    note: str = ""


def _summary(e: Enterprise) -> dict[str, Any]:
    masked = selectors.contact(e)
    return {
        "id": e.pk,
        "name": e.name,
        "uscc": e.uscc,
        "industry": e.industry,
        "industry_label": selectors.industry_label(e.industry),
        "township": e.township.name,
        "village_id": e.village_id,
        "village": e.village.name,
        "park_id": e.park_id,
        "park": e.park.name if e.park else None,
        "station": e.station.name,
        "liaison_id": e.liaison_id,
        "liaison": e.liaison.full_name if e.liaison else None,
        "contact_name": e.contact_name,
        "contact_phone": masked["contact_phone"],
        "contact_email": masked["contact_email"],
        "status": e.status,
        "version": e.version,
    }


def _detail(request: HttpRequest, e: Enterprise) -> dict[str, Any]:
    return {
        **_summary(e),
        "address": e.address,
        "notes": e.notes,
        "visits": [
            {
                "id": v.pk,
                "visited_on": v.visited_on,
                "officer": v.officer.full_name,
                "topics": v.topics,
                "checks": v.checks,
                "findings": v.findings,
            }
            for v in e.visits.select_related("officer")
        ],
        "requests": [
            {
                "id": r.pk,
                "kind": r.kind,
                "raised_on": r.raised_on,
                "summary": r.summary,
                "status": r.status,
                "handling_note": r.handling_note,
                "handled_on": r.handled_on,
            }
            for r in e.requests.all()
        ],
        "incidents": [
            {"link_id": row["link"].pk, "number": row["incident"].number, "note": row["link"].note}
            for row in selectors.incident_links(actor=request.user, enterprise=e)
        ],
    }


def _delivery(d: BulletinDelivery) -> dict[str, Any]:
    message = d.message
    return {
        "id": d.pk,
        "enterprise_id": d.enterprise_id,
        "enterprise": d.enterprise.name,
        "channel": d.channel,
        "state": getattr(d, "state", None) or services.delivery_state(d),
        "attempts": message.attempts if message else 0,
        "messages_queued": d.messages_queued,
        "last_error": message.last_error if message else "",
        "sent_at": message.sent_at if message else None,
        "acknowledged_at": d.acknowledged_at,
        "ack_method": d.ack_method,
    }


def _bulletin(request: HttpRequest, b: Bulletin) -> dict[str, Any]:
    rows = selectors.deliveries(actor=request.user, bulletin=b)
    return {
        "id": b.pk,
        "title": b.title,
        "body": b.body,
        "kind": b.kind,
        "kind_label": config().bulletin_kinds.get(b.kind, b.kind),
        "channel": b.channel,
        "targeting": b.targeting,
        "unit": b.unit.name,
        "issued_by": b.issued_by.full_name,
        "issued_at": b.issued_at,
        "counts": selectors.delivery_counts(rows),
        "deliveries": [_delivery(d) for d in rows],
    }


def _input(payload: EnterpriseIn) -> EnterpriseInput:
    return EnterpriseInput(**payload.dict(exclude={"version"}))


@router.get("", summary="企业列表（按权限范围，联系方式脱敏）")
def list_enterprises(request: HttpRequest, params: Query[EnterpriseQuery]) -> dict[str, Any]:
    filters = selectors.EnterpriseFilters(
        text=params.q,
        industry=params.industry,
        park_id=params.park_id,
        township_id=params.township_id,
        status=params.status,
        mine=params.mine,
    )
    enterprises = selectors.enterprise_list(actor=request.user, filters=filters)
    page = enterprises[params.offset : params.offset + params.limit]
    return {"count": enterprises.count(), "items": [_summary(e) for e in page]}


@router.post("", response={201: dict[str, Any]}, summary="登记企业")
def create_enterprise(request: HttpRequest, payload: EnterpriseIn) -> Status:
    enterprise = services.enterprise_create(actor=request.user, data=_input(payload))
    return Status(201, _detail(request, services.visible_enterprise(request.user, enterprise.pk)))


@router.get("/parks", summary="园区")
def list_parks(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"id": p.pk, "name": p.name, "township": p.township.name, "enterprise_count": p.enterprise_count}
        for p in selectors.park_list(actor=request.user)
    ]


@router.get("/bulletins", summary="预警信息列表")
def list_bulletins(request: HttpRequest, kind: str = "") -> list[dict[str, Any]]:
    return [
        {
            "id": b.pk,
            "title": b.title,
            "kind": b.kind,
            "issued_at": b.issued_at,
            "deliveries": b.delivery_count,
            "acknowledged": b.acknowledged_count,
        }
        for b in selectors.bulletin_list(actor=request.user, kind=kind)[:MAX_PAGE]
    ]


@router.post("/bulletins/preview", summary="预览推送范围内的企业")
def preview_bulletin(request: HttpRequest, payload: TargetingIn) -> dict[str, Any]:
    targets = services.bulletin_targets(actor=request.user, targeting=payload.targeting())
    return {"count": targets.count(), "items": [{"id": e.pk, "name": e.name} for e in targets]}


@router.post("/bulletins", response={201: dict[str, Any]}, summary="发布预警信息并推送（经发件箱）")
def issue_bulletin(request: HttpRequest, payload: BulletinIn) -> Status:
    bulletin = services.bulletin_issue(
        actor=request.user,
        title=payload.title,
        body=payload.body,
        kind=payload.kind,
        channel=payload.channel,
        targeting=payload.targeting(),
    )
    return Status(
        201, _bulletin(request, selectors.bulletin_get(actor=request.user, bulletin_id=bulletin.pk))
    )


@router.get("/bulletins/{bulletin_id}", summary="预警信息及推送记录")
def get_bulletin(request: HttpRequest, bulletin_id: int) -> dict[str, Any]:
    return _bulletin(request, selectors.bulletin_get(actor=request.user, bulletin_id=bulletin_id))


@router.post("/deliveries/{delivery_id}/acknowledge", summary="登记企业签收")
def acknowledge(request: HttpRequest, delivery_id: int, payload: AckIn) -> dict[str, Any]:
    delivery = services.delivery_acknowledge(actor=request.user, delivery_id=delivery_id, **payload.dict())
    return _delivery(delivery)


@router.post("/deliveries/{delivery_id}/resend", summary="发送失败后重新推送")
def resend(request: HttpRequest, delivery_id: int) -> dict[str, Any]:
    return _delivery(services.delivery_resend(actor=request.user, delivery_id=delivery_id))


@router.post("/requests/{request_id}/handle", summary="办结企业诉求")
def handle_request(request: HttpRequest, request_id: int, payload: HandleIn) -> dict[str, Any]:
    row = services.request_handle(actor=request.user, request_id=request_id, **payload.dict())
    return _detail(request, services.visible_enterprise(request.user, row.enterprise_id))


@router.get("/{enterprise_id}", summary="企业详情（联系方式脱敏）")
def get_enterprise(request: HttpRequest, enterprise_id: int) -> dict[str, Any]:
    return _detail(request, selectors.enterprise_get(actor=request.user, enterprise_id=enterprise_id))


@router.put("/{enterprise_id}", summary="修改企业信息")
def update_enterprise(
    request: HttpRequest, enterprise_id: int, payload: EnterpriseUpdateIn
) -> dict[str, Any]:
    services.enterprise_update(
        actor=request.user, enterprise_id=enterprise_id, data=_input(payload), version=payload.version
    )
    return _detail(request, services.visible_enterprise(request.user, enterprise_id))


@router.post("/{enterprise_id}/visits", response={201: dict[str, Any]}, summary="记录走访")
def add_visit(request: HttpRequest, enterprise_id: int, payload: VisitIn) -> Status:
    services.visit_record(actor=request.user, enterprise_id=enterprise_id, **payload.dict())
    return Status(201, _detail(request, services.visible_enterprise(request.user, enterprise_id)))


@router.post("/{enterprise_id}/requests", response={201: dict[str, Any]}, summary="登记企业诉求")
def add_request(request: HttpRequest, enterprise_id: int, payload: RequestIn) -> Status:
    services.request_record(actor=request.user, enterprise_id=enterprise_id, **payload.dict())
    return Status(201, _detail(request, services.visible_enterprise(request.user, enterprise_id)))


@router.post("/{enterprise_id}/incidents", response={201: dict[str, Any]}, summary="关联涉企警情")
def link_incident(request: HttpRequest, enterprise_id: int, payload: LinkIn) -> Status:
    services.incident_link(actor=request.user, enterprise_id=enterprise_id, **payload.dict())
    return Status(201, _detail(request, services.visible_enterprise(request.user, enterprise_id)))
