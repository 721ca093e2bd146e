"""Ecological policing over the API (/api/ecology): forest zones with their patrol status, patrols and the
conversion of findings, 行刑衔接 transfers (receive, decide, notify) with the threshold check, and campaign
tallies. Thin handlers: every write is a service call, every read a selector; refusals come out through
jingwu/api.py's handlers (400, 403, 404, 409)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from jingwu.access.policy import require
from jingwu.ecology import selectors, services
from jingwu.ecology.models import ForestTransfer
from jingwu.ecology.services import FindingInput
from jingwu.ecology.thresholds import Assessment, assess

router = Router(tags=["生态警务"])


class FindingIn(Schema):
    kind: str = Field(..., description="illegal_logging / fire_hazard / land_occupation / wildlife / other")
    description: str
    village_id: int | None = None


class PatrolIn(Schema):
    started_at: datetime = Field(..., description="须带时区")
    ended_at: datetime
    officer_ids: list[int]
    route_text: str = ""
    route_points: list[list[float]] = Field([], description="[[纬度, 经度], …]")
    summary: str = ""
    findings: list[FindingIn] = []


class IncidentFromFindingIn(Schema):
    village_id: int | None = None
    priority: int = 2


class CaseFromFindingIn(Schema):
    kind: str = "criminal"
    offence_code: str = ""


class Quantities(Schema):
    standing_volume_m3: Decimal | None = Field(None, description="立木蓄积（立方米）")
    saplings: int | None = Field(None, description="幼树（株）")
    value_cny: Decimal | None = Field(None, description="林木价值（元）")
    public_welfare_forest_mu: Decimal | None = Field(None, description="公益林地（亩）")
    commercial_forest_mu: Decimal | None = Field(None, description="商品林地（亩）")


class TransferIn(Schema):
    agency_id: int
    letter_number: str = Field(..., description="移送书文号")
    township_id: int
    offence_code: str = Field(..., description="涉嫌罪名代码（C-nnn）")
    facts: str
    materials: str
    received_at: datetime | None = None
    materials_complete: bool = True
    place: str = ""
    quantities: Quantities = Quantities()
    prior_admin_penalties: int = 0


class DecisionIn(Schema):
    decision: str = Field(..., description="accept 立案 / refuse 不予立案")
    reason: str = ""
    lead_officer_id: int | None = None


class NoticeIn(Schema):
    notice_number: str
    issued_on: date
    served_at: datetime | None = None
    received_by: str = ""


class AssessIn(Schema):
    charge: str = Field(..., description="罪名，如 滥伐林木罪")
    quantities: Quantities
    prior_admin_penalties: int = 0


def _assessment(found: Assessment | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "charge": found.charge,
        "rule": found.rule,
        "title": found.title,
        "met": found.met,
        "level": found.level,
        "ratio": float(found.ratio),
        "explanation": found.explanation,
        "citation": found.citation,
        "lines": [
            {"key": ln.key, "label": ln.label, "value": ln.value, "threshold": ln.threshold, "met": ln.met}
            for ln in found.lines
        ],
    }


def _zone(row: selectors.ZoneRow) -> dict[str, Any]:
    zone = row.zone
    return {
        "id": zone.pk,
        "code": zone.code,
        "name": zone.name,
        "township": zone.township.name,
        "station": zone.station.name,
        "patrol_every_days": zone.patrol_every_days,
        "last_patrol_on": row.due.last_on,
        "due_on": row.due.due_on,
        "overdue": row.due.overdue,
        "days_overdue": row.due.days_overdue,
        "chiefs": [{"level": c.level, "user_id": c.user_id, "name": c.user.full_name} for c in row.chiefs],
    }


def _transfer(transfer: ForestTransfer, detail: bool = False) -> dict[str, Any]:
    case = transfer.case
    body: dict[str, Any] = {
        "id": transfer.pk,
        "letter_number": transfer.letter_number,
        "agency": transfer.agency.name,
        "received_at": transfer.received_at,
        "township": transfer.township.name,
        "case_id": case.pk,
        "case_number": case.number,
        "offence": case.offence,
        "state": selectors.transfer_state(transfer),
        "decision": transfer.decision,
        "notice_number": transfer.notice_number,
    }
    if detail:
        body |= {
            "facts": case.facts,
            "materials": transfer.materials,
            "materials_complete": transfer.materials_complete,
            "decision_reason": transfer.decision_reason,
            "notice_issued_on": transfer.notice_issued_on,
            "notice_served_at": transfer.notice_served_at,
            "quantities": transfer.quantities(),
            "thresholds": _assessment(selectors.transfer_assessment(transfer)),
            "deadlines": [
                {"rule_id": d.rule_id, "title": d.title, "status": d.status, "due_at": d.due_at}
                for d in selectors.transfer_deadlines(transfer)
            ],
        }
    return body


@router.get("/zones", summary="林区及巡护状态")
def zones(request: HttpRequest, overdue: bool = False, mine: bool = False) -> list[dict[str, Any]]:
    require(request.auth, "ecology.view")
    return [_zone(r) for r in selectors.zone_rows(actor=request.auth, mine=mine, overdue_only=overdue)]


@router.get("/zones/{zone_id}", summary="林区详情")
def zone(request: HttpRequest, zone_id: int) -> dict[str, Any]:
    found = selectors.zone_get(actor=request.auth, zone_id=zone_id)
    row = next(r for r in selectors.zone_rows(actor=request.auth) if r.zone.pk == found.pk)
    patrols = [
        {
            "id": p.pk,
            "started_at": p.started_at,
            "ended_at": p.ended_at,
            "officers": [o.full_name for o in p.officers.all()],
            "findings": [
                {"id": f.pk, "kind": f.kind, "incident_id": f.incident_id, "case_id": f.case_id}
                for f in p.findings.all()
            ],
        }
        for p in selectors.zone_patrols(found)[:50]
    ]
    return {**_zone(row), "patrols": patrols}


@router.post("/zones/{zone_id}/patrols", response={201: dict[str, Any]}, summary="登记巡护")
def patrol_create(request: HttpRequest, zone_id: int, body: PatrolIn) -> Status:
    patrol = services.patrol_record(
        actor=request.auth,
        zone_id=zone_id,
        started_at=body.started_at,
        ended_at=body.ended_at,
        officer_ids=body.officer_ids,
        route_text=body.route_text,
        route_points=body.route_points,
        summary=body.summary,
        findings=[FindingInput(f.kind, f.description, f.village_id) for f in body.findings],
    )
    return Status(
        201,
        {"id": patrol.pk, "finding_ids": list(patrol.findings.values_list("pk", flat=True))},
    )


@router.post("/findings/{finding_id}/incident", summary="巡护发现转警情")
def finding_incident(request: HttpRequest, finding_id: int, body: IncidentFromFindingIn) -> dict[str, Any]:
    finding = services.finding_to_incident(
        actor=request.auth, finding_id=finding_id, village_id=body.village_id, priority=body.priority
    )
    return {"id": finding.pk, "incident_id": finding.incident_id, "incident_number": finding.incident.number}


@router.post("/findings/{finding_id}/case", summary="巡护发现直接受案")
def finding_case(request: HttpRequest, finding_id: int, body: CaseFromFindingIn) -> dict[str, Any]:
    finding = services.finding_to_case(
        actor=request.auth, finding_id=finding_id, kind=body.kind, offence_code=body.offence_code
    )
    return {"id": finding.pk, "case_id": finding.case_id, "case_number": finding.case.number}


@router.get("/transfers", summary="行刑衔接移送案件")
def transfers(request: HttpRequest) -> list[dict[str, Any]]:
    require(request.auth, "ecology.view")
    return [_transfer(t) for t in selectors.transfers_visible(request.auth)[:200]]


@router.post("/transfers", response={201: dict[str, Any]}, summary="接受行政执法机关移送")
def transfer_create(request: HttpRequest, body: TransferIn) -> Status:
    transfer = services.transfer_receive(
        actor=request.auth,
        agency_id=body.agency_id,
        letter_number=body.letter_number,
        township_id=body.township_id,
        offence_code=body.offence_code,
        facts=body.facts,
        materials=body.materials,
        received_at=body.received_at,
        materials_complete=body.materials_complete,
        place=body.place,
        quantities=body.quantities.dict(),
        prior_admin_penalties=body.prior_admin_penalties,
    )
    return Status(201, _transfer(transfer, detail=True))


@router.get("/transfers/{transfer_id}", summary="移送案件详情（含立案追诉标准对照、法定期限）")
def transfer(request: HttpRequest, transfer_id: int) -> dict[str, Any]:
    return _transfer(selectors.transfer_get(actor=request.auth, transfer_id=transfer_id), detail=True)


@router.post("/transfers/{transfer_id}/decision", summary="提请立案或不予立案")
def transfer_decide(request: HttpRequest, transfer_id: int, body: DecisionIn) -> dict[str, Any]:
    done = services.transfer_decide(
        actor=request.auth,
        transfer_id=transfer_id,
        decision=body.decision,
        reason=body.reason,
        lead_officer_id=body.lead_officer_id,
    )
    return _transfer(done, detail=True)


@router.post("/transfers/{transfer_id}/notice", summary="登记书面通知移送机关")
def transfer_notify(request: HttpRequest, transfer_id: int, body: NoticeIn) -> dict[str, Any]:
    done = services.transfer_notify(
        actor=request.auth,
        transfer_id=transfer_id,
        notice_number=body.notice_number,
        issued_on=body.issued_on,
        served_at=body.served_at,
        received_by=body.received_by,
    )
    return _transfer(done, detail=True)


@router.post("/thresholds/assess", summary="对照破坏森林资源犯罪立案追诉标准")
def thresholds_assess(request: HttpRequest, body: AssessIn) -> dict[str, Any]:
    require(request.auth, "ecology.view")
    found = assess(
        body.charge, {**body.quantities.dict(), "prior_admin_penalties": body.prior_admin_penalties}
    )
    return {"assessment": _assessment(found)}


@router.get("/campaigns", summary="专项行动")
def campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"id": c.pk, "name": c.name, "starts_on": c.starts_on, "ends_on": c.ends_on, "unit": c.unit.name}
        for c in selectors.campaign_list(actor=request.auth)
    ]


@router.get("/campaigns/{campaign_id}/tally", summary="专项行动战果统计（按调用人可见范围）")
def campaign_tally(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    campaign = selectors.campaign_get(actor=request.auth, campaign_id=campaign_id)
    tally = selectors.campaign_tally(actor=request.auth, campaign=campaign)

    def row(r: selectors.TallyRow) -> dict[str, Any]:
        return {
            "key": r.key,
            "label": r.label,
            "cases": r.cases,
            "criminal": r.criminal,
            "administrative": r.administrative,
            "filed": r.filed,
            "incidents": r.incidents,
        }

    return {
        "id": campaign.pk,
        "name": campaign.name,
        "total": row(tally.total),
        "by_township": [row(r) for r in tally.by_township],
        "by_offence": [{"offence": n, "count": c} for n, c in tally.by_offence],
        "case_ids": list(tally.cases.values_list("pk", flat=True)[:500]),
        "incident_ids": list(tally.incidents.values_list("pk", flat=True)[:500]),
    }
