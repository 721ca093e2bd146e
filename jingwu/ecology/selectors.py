"""Reads of ecological policing, always scoped: a zone is visible when its station or its forest police unit
is in the actor's scope; a transfer also when its case's units are; campaign tallies count only the cases
and incidents the actor may see."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone

from jingwu.access.policy import visible_to
from jingwu.audit.services import audit_record
from jingwu.cases.models import Case
from jingwu.cases.offences import offences
from jingwu.cases.selectors import case_list
from jingwu.ecology.choices import TransferState
from jingwu.ecology.models import Campaign, ForestTransfer, ForestZone, Patrol, ZoneChief
from jingwu.ecology.rules import PatrolDue, finding_kinds, patrol_due
from jingwu.ecology.services import (
    TRANSFER_SCOPE,
    ZONE_SCOPE,
    campaign_incident_filter,
    campaign_period,
    pending_decision,
    visible_campaigns,
    visible_transfer,
    visible_zone,
)
from jingwu.ecology.thresholds import Assessment, assess
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.incidents.models import Incident
from jingwu.incidents.selectors import incident_list
from jingwu.incidents.taxonomy import taxonomy
from jingwu.supervision.models import Deadline

# --------------------------------------------------------------------------------------------------
# zones


@dataclass
class ZoneRow:
    zone: ForestZone
    due: PatrolDue
    chiefs: list[ZoneChief]


def zones_visible(actor: Any) -> QuerySet[ForestZone]:
    zones = ForestZone.objects.filter(is_active=True).select_related("township", "station", "unit")
    return visible_to(actor, "ecology.view", zones, unit_field=ZONE_SCOPE)


def zone_rows(
    *, actor: Any, today: date | None = None, mine: bool = False, overdue_only: bool = False
) -> list[ZoneRow]:
    """Every visible zone with its last patrol, when the next is due, and its current chiefs. `mine`: the
    zones the actor is a current chief of (森林警长的责任林区)."""
    today = today or timezone.localdate()
    zones = zones_visible(actor)
    if mine:
        zones = zones.filter(chiefs__user=actor, chiefs__ended_on__isnull=True).distinct()
    zones = zones.annotate(last_patrol=Max("patrols__ended_at")).prefetch_related(
        Prefetch(
            "chiefs",
            queryset=ZoneChief.objects.filter(ended_on__isnull=True).select_related("user"),
            to_attr="current_chiefs",
        )
    )
    rows = []
    for zone in zones:
        due = patrol_due(
            last_on=timezone.localdate(zone.last_patrol) if zone.last_patrol else None,
            every_days=zone.patrol_every_days,
            today=today,
            since=timezone.localdate(zone.created_at),
        )
        if overdue_only and not due.overdue:
            continue
        rows.append(
            ZoneRow(
                zone,
                due,
                sorted(zone.current_chiefs, key=lambda c: ["county", "township", "village"].index(c.level)),
            )
        )
    return rows


def zone_get(*, actor: Any, zone_id: int) -> ForestZone:
    return visible_zone(actor, zone_id)


def zone_status(zone: ForestZone, today: date | None = None) -> PatrolDue:
    last = zone.patrols.aggregate(last=Max("ended_at"))["last"]
    return patrol_due(
        last_on=timezone.localdate(last) if last else None,
        every_days=zone.patrol_every_days,
        today=today or timezone.localdate(),
        since=timezone.localdate(zone.created_at),
    )


def zone_patrols(zone: ForestZone) -> QuerySet[Patrol]:
    return zone.patrols.prefetch_related(
        "officers", "findings__incident", "findings__case", "findings__village"
    )


def patrol_get(*, actor: Any, patrol_id: int) -> Patrol:
    patrol = (
        Patrol.objects.select_related("zone", "recorded_by")
        .prefetch_related("officers", "findings__incident", "findings__case", "findings__village")
        .filter(pk=patrol_id)
        .first()
    )
    if patrol is None:
        from django.http import Http404

        raise Http404
    visible_zone(actor, patrol.zone_id)
    return patrol


def kind_names() -> dict[str, str]:
    return {code: kind.name for code, kind in finding_kinds().items()}


# --------------------------------------------------------------------------------------------------
# transfers (行刑衔接)


def transfers_visible(actor: Any) -> QuerySet[ForestTransfer]:
    transfers = ForestTransfer.objects.select_related("case", "agency", "township", "case__station")
    return visible_to(actor, "ecology.view", transfers, unit_field=TRANSFER_SCOPE)


def transfer_state(transfer: ForestTransfer) -> str:
    """Read from the case and the notice, so it never disagrees with them."""
    status = transfer.case.status
    if transfer.notice_number:
        return TransferState.NOTIFIED
    if status == "not_filed":
        return TransferState.REFUSED
    if status != "accepted":
        return TransferState.FILED
    if transfer.decision and pending_decision(transfer.case) is not None:
        return TransferState.REQUESTED
    return TransferState.RECEIVED


def transfer_get(*, actor: Any, transfer_id: int) -> ForestTransfer:
    """One transfer for display (its facts are case content): the read is audited."""
    transfer = visible_transfer(actor, transfer_id)
    audit_record(actor=actor, action="ecology.transfer_view", obj=transfer)
    return transfer


def transfer_assessment(transfer: ForestTransfer) -> Assessment | None:
    """The transfer's quantities against the thresholds of its charge (shown beside the facts)."""
    return assess(transfer.case.offence, transfer.quantities())


def transfer_deadlines(transfer: ForestTransfer) -> QuerySet[Deadline]:
    """The statutory clocks of the transfer (TR-*) and of the filing review (FL-002) on its case."""
    return Deadline.objects.filter(
        Q(rule_id__startswith="TR-") | Q(rule_id="FL-002"), subject_type="case", subject_id=transfer.case_id
    )


# --------------------------------------------------------------------------------------------------
# campaigns (专项行动)


def campaign_list(*, actor: Any) -> QuerySet[Campaign]:
    return visible_campaigns(actor)


def campaign_get(*, actor: Any, campaign_id: int) -> Campaign:
    campaign = visible_campaigns(actor).filter(pk=campaign_id).first()
    if campaign is None:
        from django.http import Http404

        raise Http404
    return campaign


@dataclass
class TallyRow:
    key: str
    label: str
    cases: int = 0
    criminal: int = 0
    administrative: int = 0
    filed: int = 0
    incidents: int = 0


@dataclass
class Tally:
    """What a campaign has counted so far, as far as the reader may see."""

    campaign: Campaign
    cases: QuerySet[Case]
    incidents: QuerySet[Incident]
    by_township: list[TallyRow] = field(default_factory=list)
    by_offence: list[tuple[str, int]] = field(default_factory=list)
    by_incident_kind: list[tuple[str, int]] = field(default_factory=list)
    total: TallyRow = field(default_factory=lambda: TallyRow("total", "合计"))


def campaign_cases(*, actor: Any, campaign: Campaign) -> QuerySet[Case]:
    """Cases accepted within the campaign's days, of a target offence, in its townships (all: the county)."""
    start, end = campaign_period(campaign)
    cases = case_list(actor=actor).filter(
        accepted_at__gte=start, accepted_at__lt=end, offence_code__in=campaign.offence_codes
    )
    codes = [t.code for t in campaign.townships.all()]
    if codes:
        cases = cases.filter(station__township_code__in=codes)
    return cases


def campaign_incidents(*, actor: Any, campaign: Campaign) -> QuerySet[Incident]:
    """Incidents received within the campaign's days, of a target kind, in its townships."""
    start, end = campaign_period(campaign)
    incidents = incident_list(actor=actor).filter(
        campaign_incident_filter(campaign), received_at__gte=start, received_at__lt=end
    )
    townships = list(campaign.townships.all())
    if townships:
        incidents = incidents.filter(village__parent__in=townships)
    return incidents


def campaign_tally(*, actor: Any, campaign: Campaign) -> Tally:
    """专项行动战果统计: the matching cases and incidents counted by township, offence and incident kind."""
    cases = campaign_cases(actor=actor, campaign=campaign)
    incidents = campaign_incidents(actor=actor, campaign=campaign)
    townships = {
        d.code: d.name for d in Division.objects.filter(level=DivisionLevel.TOWNSHIP).only("code", "name")
    }
    rows: dict[str, TallyRow] = {}
    total = TallyRow("total", "合计")

    def row(code: str) -> TallyRow:
        if code not in rows:
            rows[code] = TallyRow(code, townships.get(code, "其他"))
        return rows[code]

    offence_counts: Counter[str] = Counter()
    for township_code, kind, filed_at, offence_code in cases.values_list(
        "station__township_code", "kind", "filed_at", "offence_code"
    ):
        for target in (row(township_code or ""), total):
            target.cases += 1
            target.criminal += kind == "criminal"
            target.administrative += kind == "administrative"
            target.filed += filed_at is not None
        offence_counts[offence_code] += 1
    kind_counts: Counter[str] = Counter()
    for township_code, category, sub in incidents.values_list(
        "village__parent__code", "category", "subcategory"
    ):
        row(township_code).incidents += 1
        total.incidents += 1
        kind_counts[taxonomy().label(category, sub)] += 1
    names = offences()
    return Tally(
        campaign=campaign,
        cases=cases,
        incidents=incidents,
        by_township=sorted(rows.values(), key=lambda r: r.key),
        by_offence=[(names[c].name if c in names else c, n) for c, n in offence_counts.most_common()],
        by_incident_kind=kind_counts.most_common(),
        total=total,
    )


def offence_names(codes: list[str]) -> list[str]:
    names = offences()
    return [names[c].name if c in names else c for c in codes]


def incident_kind_names(kinds: list[str]) -> list[str]:
    tax = taxonomy()
    return [tax.label(*kind.split("/", 1)) if "/" in kind else tax.label(kind) for kind in kinds]
