"""Reads of seized property (涉案财物), always scoped through the item's case: the property room's list,
one item with its chain and deadlines, a label scan, the chain-break report (流转异常) and the room's
inventory. Reads that reveal an item's details are audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jingwu.access.policy import has_capability, require, visible_to
from jingwu.audit.models import Outcome
from jingwu.audit.services import audit_record
from jingwu.cases.models import Case
from jingwu.property.choices import (
    DISPOSAL_KINDS,
    INTO_ROOM_KINDS,
    OUT_KINDS,
    AnomalyKind,
    CustodyKind,
    ItemState,
)
from jingwu.property.models import CustodyEvent, InventoryCheck, PropertyItem, PropertyLocation
from jingwu.property.services import (
    CASE_SCOPE_FIELDS,
    LABEL_PATTERN,
    expected_at,
    items_visible,
    visible_item,
)

CUSTODY_YAML = Path(__file__).resolve().parent / "data" / "custody.yaml"


class CustodyConfigError(ValueError):
    """custody.yaml is inconsistent; the message names the entry."""


@dataclass(frozen=True)
class CustodySettings:
    out_overdue_days: dict[str, int]
    handover_rule: str


@cache
def custody_settings(path: Path = CUSTODY_YAML) -> CustodySettings:
    """custody.yaml, checked: a limit of whole days for every kind of "out" movement."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    days = data.get("out_overdue_days") or {}
    missing = sorted(set(OUT_KINDS) - set(days))
    if missing:
        raise CustodyConfigError(f"{path.name}: out_overdue_days lacks {missing}")
    unknown = sorted(set(days) - set(OUT_KINDS))
    if unknown:
        raise CustodyConfigError(f"{path.name}: out_overdue_days names unknown movements {unknown}")
    for kind, value in days.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CustodyConfigError(
                f"{path.name}: out_overdue_days.{kind} must be a whole number of days ≥ 1"
            )
    rule = data.get("handover_rule")
    if not isinstance(rule, str) or not rule:
        raise CustodyConfigError(f"{path.name}: handover_rule must name a rule of legal_rules.yaml")
    return CustodySettings(out_overdue_days=dict(days), handover_rule=rule)


@cache
def handover_period() -> timedelta:
    """The statutory time from seizure to handover (移交), from the rules data (PR-001: 24 hours)."""
    from jingwu.core.legaltime import Unit
    from jingwu.supervision.services import shipped_rules

    period = shipped_rules().get(custody_settings().handover_rule).period
    hours = {Unit.HOUR: 1, Unit.DAY: 24}.get(period.unit)
    if hours is None:
        raise CustodyConfigError(f"handover rule period must be in hours or days, got {period}")
    return timedelta(hours=period.value * hours)


# --------------------------------------------------------------------------------------------------
# lists and items


@dataclass(frozen=True)
class ItemFilters:
    case: str = ""
    state: str = ""
    location_id: int | None = None
    category: str = ""
    text: str = ""


def item_list(*, actor: Any, filters: ItemFilters = ItemFilters()) -> QuerySet[PropertyItem]:
    items = items_visible(actor)
    if filters.case:
        items = items.filter(
            Q(case__number=filters.case.strip()) | Q(case__title__contains=filters.case.strip())
        )
    if filters.state:
        items = items.filter(state=filters.state)
    if filters.location_id:
        items = items.filter(location_id=filters.location_id)
    if filters.category:
        items = items.filter(category=filters.category)
    for word in filters.text.split():
        items = items.filter(Q(description__contains=word) | Q(label_code=word.upper()))
    return items.order_by("-seized_at", "-id")


def item_get(*, actor: Any, item_id: int) -> PropertyItem:
    """One item for display; every item read is audited."""
    item = visible_item(actor, item_id)
    audit_record(actor=actor, action="property.view", obj=item)
    return item


def item_by_label(*, actor: Any, code: str) -> PropertyItem:
    """扫码: the item a label's QR code names, if the actor may see it (audited either way). The code
    carries only the identifier; everything else is read here, within the access policy."""
    code = code.strip().upper()
    item = None
    found = PropertyItem.objects.filter(label_code=code).values_list("pk", flat=True).first()
    if LABEL_PATTERN.match(code) and found is not None:
        try:
            item = visible_item(actor, found)
        except Http404:
            item = None  # outside the scope: refused like an unknown code
    if item is None:
        audit_record(
            actor=actor,
            action="property.scan",
            object_type="property.propertyitem",
            object_id=code[:40],
            outcome=Outcome.DENIED,
        )
        raise Http404
    audit_record(actor=actor, action="property.scan", obj=item)
    return item


def item_chain(item: PropertyItem) -> list[CustodyEvent]:
    return list(item.events.select_related("location", "recorded_by").order_by("sequence"))


def item_deadlines(item: PropertyItem) -> list[Any]:
    """The statutory clocks supervision keeps for this item (its key on the case's timeline)."""
    from jingwu.supervision.models import Deadline

    return list(Deadline.objects.filter(subject_type="case", subject_id=item.case_id, key=item.key))


def case_search(*, actor: Any, text: str, limit: int = 20) -> list[Case]:
    """Cases the actor may register property on, by number or title (for the registration form)."""
    if not has_capability(actor, "property.manage"):
        return []
    cases = visible_to(
        actor, "property.manage", Case.objects.select_related("station"), unit_field=CASE_SCOPE_FIELDS
    )
    for word in text.split():
        cases = cases.filter(Q(number__icontains=word) | Q(title__contains=word))
    return list(cases.order_by("-accepted_at")[:limit])


def location_list(*, actor: Any) -> QuerySet[PropertyLocation]:
    """The property room's locations, with how many items the chain puts on each."""
    if not has_capability(actor, "property.view"):
        return PropertyLocation.objects.none()
    return PropertyLocation.objects.annotate(
        stored=Count("items", filter=Q(items__state=ItemState.IN_ROOM))
    ).order_by("code")


def location_get(*, actor: Any, location_id: int) -> PropertyLocation:
    """One location of the property room (its keeper's records: no unit scope)."""
    require(actor, "property.room")
    location = PropertyLocation.objects.filter(pk=location_id).first()
    if location is None:
        raise Http404
    return location


@dataclass(frozen=True)
class Inventory:
    location: PropertyLocation
    expected: list[PropertyItem]
    checks: list[InventoryCheck]


def location_inventory(*, actor: Any, location_id: int) -> Inventory:
    """库存: what the chain says should be at a location, and its past checks (audited read)."""
    location = location_get(actor=actor, location_id=location_id)
    audit_record(actor=actor, action="property.inventory_view", obj=location)
    return Inventory(
        location=location,
        expected=list(expected_at(location).select_related("case")),
        checks=list(location.checks.select_related("checked_by")[:20]),
    )


# --------------------------------------------------------------------------------------------------
# chain breaks


@dataclass(frozen=True)
class Anomaly:
    item: PropertyItem
    kind: AnomalyKind
    since: datetime
    detail: str

    @property
    def label(self) -> str:
        return str(self.kind.label)


def _replay_breaks(items: QuerySet[PropertyItem]) -> list[Anomaly]:
    """Walk the chains of the given items: an arrival in the room while the item is already there is an
    item in two places; any movement after a disposal breaks the chain too."""
    found: list[Anomaly] = []
    events = (
        CustodyEvent.objects.filter(item__in=items).select_related("location").order_by("item_id", "sequence")
    )
    chains: dict[int, list[CustodyEvent]] = {}
    for event in events:
        chains.setdefault(event.item_id, []).append(event)
    for item in items:
        inside: CustodyEvent | None = None
        disposed: CustodyEvent | None = None
        for event in chains.get(item.pk, []):
            if disposed is not None:
                found.append(
                    Anomaly(
                        item,
                        AnomalyKind.MOVED_AFTER_DISPOSAL,
                        event.at,
                        f"{disposed.get_kind_display()}后又有“{event.get_kind_display()}”",
                    )
                )
                break
            if event.kind in (CustodyKind.INTO_ROOM, CustodyKind.RETURNED_TO_ROOM) and inside is not None:
                here = inside.location.code if inside.location else "？"
                there = event.location.code if event.location else "？"
                found.append(
                    Anomaly(
                        item,
                        AnomalyKind.TWO_PLACES,
                        event.at,
                        f"在库于 {here} 时又登记入库于 {there}，中间无出库记录",
                    )
                )
                break
            if event.kind in INTO_ROOM_KINDS:
                inside = event
            elif event.kind in OUT_KINDS or event.kind in DISPOSAL_KINDS:
                inside = None
            if event.kind in DISPOSAL_KINDS:
                disposed = event
    return found


def chain_breaks(*, actor: Any, now: datetime | None = None) -> list[Anomaly]:
    """流转异常: every break in the chains of the items the actor may see, most recent first —
    an item in two places, an item out beyond its limit (custody.yaml), a disposal without a decision
    document (legacy or imported data), an item seized but not handed in within the statutory time,
    and a movement after a disposal."""
    now = now or timezone.now()
    visible = items_visible(actor)
    found: list[Anomaly] = []
    limits = custody_settings().out_overdue_days
    out_items = visible.filter(state=ItemState.OUT).prefetch_related("events")
    for item in out_items:
        last = max(item.events.all(), key=lambda e: e.sequence)
        days = limits.get(last.kind)
        if days and last.at + timedelta(days=days) < now:
            found.append(
                Anomaly(
                    item,
                    AnomalyKind.OUT_OVERDUE,
                    last.at,
                    f"{last.get_kind_display()}至{last.destination or '—'}，超过{days}日未归还",
                )
            )
    for event in CustodyEvent.objects.filter(
        item__in=visible, kind__in=DISPOSAL_KINDS, document_number=""
    ).select_related("item__case", "item__location"):
        found.append(
            Anomaly(
                event.item,
                AnomalyKind.DISPOSAL_WITHOUT_DECISION,
                event.at,
                f"{event.get_kind_display()}（第{event.sequence}条流转）未载明决定文书",
            )
        )
    late = now - handover_period()
    for item in visible.filter(state=ItemState.WITH_OFFICER, seized_at__lt=late):
        hours = int((now - item.seized_at).total_seconds() // 3600)
        found.append(
            Anomaly(
                item, AnomalyKind.NOT_HANDED_IN, item.seized_at, f"扣押后已{hours}小时未移交涉案财物管理人员"
            )
        )
    # Only chains with more than one arrival, or a disposal, can hold the other breaks.
    suspects = visible.annotate(
        arrivals=Count(
            "events", filter=Q(events__kind__in=[CustodyKind.INTO_ROOM, CustodyKind.RETURNED_TO_ROOM])
        ),
        disposals=Count("events", filter=Q(events__kind__in=DISPOSAL_KINDS)),
    ).filter(Q(arrivals__gt=1) | Q(disposals__gt=0))
    found += _replay_breaks(suspects)
    return sorted(found, key=lambda a: (a.since, a.item.pk), reverse=True)


def chain_break_count(*, actor: Any, now: datetime | None = None) -> int:
    return len(chain_breaks(actor=actor, now=now))
