"""Reads of 接处警, always scoped: a record is visible when its station or its dispatching unit is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from jingwu.access.policy import get_visible_or_404, visible_to
from jingwu.audit.services import audit_record
from jingwu.incidents.choices import OPEN_STATUSES, Status
from jingwu.incidents.models import Incident
from jingwu.incidents.taxonomy import taxonomy
from jingwu.people.models import phone_q

SCOPE_FIELDS = ("unit", "station")


@dataclass(frozen=True)
class IncidentFilters:
    unit_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    category: str = ""
    priority: int | None = None
    status: str = ""
    open_only: bool = False
    text: str = ""


def _overdue_condition(now: datetime) -> Q:
    """Received, not yet dispatched, and older than the local norm for its priority."""
    condition = Q(pk__in=[])
    for priority, minutes in taxonomy().dispatch_minutes.items():
        condition |= Q(priority=priority, received_at__lt=now - timedelta(minutes=minutes))
    return Q(status=Status.RECEIVED) & condition


def _visible(actor: Any) -> QuerySet[Incident]:
    incidents = Incident.objects.select_related("village", "village__parent", "unit", "station", "caller")
    return visible_to(actor, "incident.view", incidents, unit_field=SCOPE_FIELDS)


def incident_list(*, actor: Any, filters: IncidentFilters = IncidentFilters()) -> QuerySet[Incident]:
    now = timezone.now()
    incidents = _visible(actor).annotate(
        overdue=Case(
            When(_overdue_condition(now), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )
    if filters.unit_id:
        incidents = incidents.filter(Q(unit_id=filters.unit_id) | Q(station_id=filters.unit_id))
    if filters.date_from:
        incidents = incidents.filter(received_at__date__gte=filters.date_from)
    if filters.date_to:
        incidents = incidents.filter(received_at__date__lte=filters.date_to)
    if filters.category:
        incidents = incidents.filter(category=filters.category)
    if filters.priority:
        incidents = incidents.filter(priority=filters.priority)
    if filters.status:
        incidents = incidents.filter(status=filters.status)
    if filters.open_only:
        incidents = incidents.filter(status__in=OPEN_STATUSES)
    for word in filters.text.split():
        incidents = incidents.filter(
            Q(narrative__contains=word)
            | Q(address__contains=word)
            | Q(number=word)
            | Q(village__name__contains=word)
            | Q(village__parent__name__contains=word)
        )
    return incidents


def incident_queue(*, actor: Any) -> QuerySet[Incident]:
    """Open incidents, overdue first, then by priority, newest first (the live queue)."""
    return incident_list(actor=actor, filters=IncidentFilters(open_only=True)).order_by(
        "-overdue", "priority", "-received_at"
    )


def overdue_count(*, actor: Any) -> int:
    return _visible(actor).filter(_overdue_condition(timezone.now())).count()


def incident_get(*, actor: Any, incident_id: int) -> Incident:
    """One incident for display; the read is audited (it shows the caller)."""
    incident = get_visible_or_404(
        actor,
        "incident.view",
        Incident.objects.select_related(
            "village", "village__parent", "unit", "station", "caller", "created_by"
        ),
        unit_field=SCOPE_FIELDS,
        pk=incident_id,
    )
    audit_record(actor=actor, action="incident.view", obj=incident)
    return incident


def possible_duplicates(
    *, actor: Any, phone: str = "", village_code: str = "", category: str = "", at: datetime | None = None
) -> QuerySet[Incident]:
    """Open incidents that this call may repeat: the same caller phone, or the same village and
    category within the window (30 minutes by default)."""
    at = at or timezone.now()
    window = timedelta(minutes=taxonomy().duplicate_window_minutes)
    condition = Q(pk__in=[])
    if phone:
        within = Q(received_at__gte=at - window, received_at__lte=at + window)
        condition |= phone_q(phone, prefix="caller__") & within
    if village_code and category:
        condition |= Q(
            village__code=village_code,
            category=category,
            received_at__gte=at - window,
            received_at__lte=at + window,
        )
    return _visible(actor).filter(condition, status__in=OPEN_STATUSES).order_by("-received_at")[:5]


def response_minutes(incident: Incident) -> dict[str, float | None]:
    """Received→dispatched and dispatched→arrived, in minutes (None while a step is missing)."""

    def minutes(start: datetime | None, end: datetime | None) -> float | None:
        return round((end - start).total_seconds() / 60, 1) if start and end else None

    return {
        "dispatch": minutes(incident.received_at, incident.dispatched_at),
        "arrival": minutes(incident.dispatched_at, incident.arrived_at),
        "total": minutes(incident.received_at, incident.arrived_at),
    }
