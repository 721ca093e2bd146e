"""Reads of dispute mediation, always scoped (jingwu.mediation.services.scope_q): the dispute list and
page, the board's lists (open disputes by risk and age, high-risk disputes, follow-ups due and
overdue) and the resolution rate (化解率) — one selector, used by the board and the API, defined in
docs/mediation.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import BooleanField, CharField, Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from jingwu.access.policy import require
from jingwu.audit.services import audit_record
from jingwu.core.legaltime import end_of_day, start_of_day
from jingwu.core.masking import mask_id_number, mask_phone
from jingwu.mediation.choices import FollowUpStatus
from jingwu.mediation.models import Agreement, Dispute, DisputeHistory, FollowUp
from jingwu.mediation.periods import ConfirmationDue, confirmation_due
from jingwu.mediation.rules import rules
from jingwu.mediation.services import visible_dispute, visible_disputes
from jingwu.mediation.workflow import OPEN_STATES

RISK_ORDER = ("high", "medium", "low")
# Age buckets of open disputes, in days since registration (upper bounds; None = beyond).
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("7日内", 7),
    ("8–30日", 30),
    ("31–90日", 90),
    ("90日以上", None),
)
GROUPINGS = ("station", "township", "bureau")


@dataclass(frozen=True)
class DisputeFilters:
    status: str = ""
    risk: str = ""
    kind: str = ""
    text: str = ""
    open_only: bool = False


def dispute_list(*, actor: Any, filters: DisputeFilters = DisputeFilters()) -> QuerySet[Dispute]:
    disputes = visible_disputes(actor).select_related("station", "village__parent")
    if filters.status:
        disputes = disputes.filter(status=filters.status)
    if filters.open_only:
        disputes = disputes.filter(status__in=OPEN_STATES)
    if filters.risk:
        disputes = disputes.filter(risk_level=filters.risk)
    if filters.kind:
        disputes = disputes.filter(kind=filters.kind)
    for word in filters.text.split():
        disputes = disputes.filter(
            Q(number=word) | Q(description__contains=word) | Q(parties__person__name=word)
        ).distinct()
    return disputes


def dispute_get(*, actor: Any, dispute_id: int) -> Dispute:
    """One dispute for display; every read of a dispute (with its parties) is audited."""
    dispute = visible_dispute(actor, dispute_id)
    audit_record(actor=actor, action="dispute.view", obj=dispute)
    return dispute


def party_rows(dispute: Dispute) -> list[dict[str, Any]]:
    """The parties with their personal data masked (revealing is the people app's audited act)."""
    return [
        {
            "id": p.pk,
            "person_id": p.person_id,
            "name": p.person.name,
            "role": p.role,
            "role_label": str(p.get_role_display()),
            "id_number": mask_id_number(p.person.id_number),
            "phone": mask_phone(p.person.phone),
        }
        for p in dispute.parties.select_related("person")
    ]


def confirmation_info(agreement: Agreement, today: date | None = None) -> dict[str, Any]:
    """The application period of judicial confirmation for a people's-mediation agreement."""
    today = today or timezone.localdate()
    due: ConfirmationDue = confirmation_due(agreement.concluded_on)
    applied = getattr(agreement, "confirmation", None)
    return {
        "due_on": due.due_on,
        "rolled": due.rolled,
        "unchecked": due.unchecked,
        "overdue": applied is None and today > due.due_on,
        "late": applied is not None and applied.applied_on > due.due_on,
        "citation": "；".join(rules().confirmation.citation),
    }


# --------------------------------------------------------------------------------------------------
# the board


def high_risk_open(*, actor: Any) -> QuerySet[Dispute]:
    """High-risk disputes not yet settled (民转刑 prevention), oldest first."""
    return (
        visible_disputes(actor)
        .filter(risk_level="high", status__in=OPEN_STATES)
        .select_related("station", "village__parent")
        .order_by("registered_at", "id")
    )


def open_matrix(*, actor: Any, today: date | None = None) -> list[dict[str, Any]]:
    """Open disputes counted by risk level (rows) and age since registration (columns)."""
    today = today or timezone.localdate()
    disputes = visible_disputes(actor).filter(status__in=OPEN_STATES)
    rows = []
    for risk in RISK_ORDER:
        cells = []
        lower: int = -1
        for label, upper in AGE_BUCKETS:
            query = Q(risk_level=risk)
            # Registered on day D is (today − D) days old: a bucket (lower, upper] of ages.
            if upper is not None:
                query &= Q(registered_at__gte=start_of_day(today - timedelta(days=upper)))
            if lower >= 0:
                query &= Q(registered_at__lt=start_of_day(today - timedelta(days=lower)))
            cells.append({"label": label, "count": disputes.filter(query).count()})
            lower = upper if upper is not None else lower
        rows.append({"risk": risk, "cells": cells, "total": sum(c["count"] for c in cells)})
    return rows


def follow_ups_due(*, actor: Any, today: date | None = None) -> QuerySet[FollowUp]:
    """Follow-up visits whose performance date has come and that are not recorded yet."""
    today = today or timezone.localdate()
    return (
        FollowUp.objects.filter(
            dispute__in=visible_disputes(actor), status=FollowUpStatus.PENDING, due_on__lte=today
        )
        .select_related("dispute", "term__agreement")
        .order_by("due_on", "id")
    )


def follow_ups_overdue(*, actor: Any, today: date | None = None) -> QuerySet[FollowUp]:
    """Follow-ups not recorded within the rules' days after the performance date (回访逾期)."""
    today = today or timezone.localdate()
    return follow_ups_due(actor=actor, today=today).filter(
        due_on__lt=today - timedelta(days=rules().follow_up_days)
    )


@dataclass(frozen=True)
class RateRow:
    """One line of the resolution rate: registered, resolved and referred disputes of a group."""

    key: str
    label: str
    registered: int
    resolved: int
    referred: int

    @property
    def rate(self) -> Decimal | None:
        """resolved ÷ registered as a percentage with one decimal; None when nothing was registered."""
        if not self.registered:
            return None
        return (Decimal(100 * self.resolved) / self.registered).quantize(Decimal("0.1"), ROUND_HALF_UP)


def resolution_rate(*, actor: Any, start: date, end: date, by: str = "station") -> list[RateRow]:
    """化解率 over the days start..end (Asia/Shanghai, both included), per station, per township or for
    the whole of what the actor sees (docs/mediation.md):

    - registered: the disputes registered in the period;
    - resolved: of those, the ones whose last status change up to the end of the period left them
      resolved — an agreement reached, or the closure of an agreed dispute; a later reopening (not
      performed, confirmation refused) undoes it until the dispute is resolved again;
    - referred: of those, the ones referred out to another body at the period's end (not resolved).
    """
    require(actor, "dispute.board")
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    if end < start:
        start, end = end, start
    until = end_of_day(end)
    last = (
        DisputeHistory.objects.filter(dispute=OuterRef("pk"), at__lte=until)
        .exclude(to_status="")
        .order_by("-at", "-id")
    )
    disputes = (
        visible_disputes(actor)
        .filter(registered_at__gte=start_of_day(start), registered_at__lte=until)
        .annotate(
            last_resolved=Subquery(last.values("resolved")[:1], output_field=BooleanField()),
            last_status=Subquery(last.values("to_status")[:1], output_field=CharField()),
        )
    )
    if by == "station":
        keys = {"key": F("station__code"), "label": F("station__name")}
    elif by == "township":
        keys = {"key": F("village__parent__code"), "label": F("village__parent__name")}
    else:
        keys = {}
    counts = {
        "registered": Count("id"),
        "resolved": Count("id", filter=Q(last_resolved=True)),
        "referred": Count("id", filter=Q(last_status="referred_out")),
    }
    if not keys:
        total = disputes.aggregate(**counts)
        return [RateRow("all", "合计", total["registered"], total["resolved"], total["referred"])]
    grouped = disputes.values(**keys).annotate(**counts).order_by("key")
    return [RateRow(g["key"], g["label"], g["registered"], g["resolved"], g["referred"]) for g in grouped]
