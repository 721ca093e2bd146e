"""Reading derived deadlines, as far as the reader's roles and unit scope allow."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jingwu.access.policy import has_capability, unit_scope
from jingwu.audit.services import audit_record
from jingwu.supervision.models import (
    OPEN_NOTICE_STATUSES,
    Deadline,
    DeadlineStatus,
    NoticeKind,
    SupervisionNotice,
)

UNIT_FIELDS = ("unit", "station")
ALERT_STATUSES = (DeadlineStatus.WARNING, DeadlineStatus.BREACH)
#: (subject type, the action that reads such subjects)
_SUBJECT_ACTIONS = (("case", "case.view"), ("incident", "incident.view"))


def _procurator_only(actor: Any) -> bool:
    from jingwu.cases.services import procurator_only

    return procurator_only(actor)


def _visible(actor: Any) -> Q:
    """The deadlines the actor may see: those of the subjects they may view in their unit scope, and
    always those where they are the responsible officer."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Q(pk__in=[])
    query = Q(officer=actor)
    scope = unit_scope(actor)
    for subject_type, action in _SUBJECT_ACTIONS:
        if not has_capability(actor, action):
            continue
        part = Q(subject_type=subject_type) & scope.q(UNIT_FIELDS)
        if subject_type == "case" and _procurator_only(actor):
            from jingwu.cases.models import Case

            part &= Q(subject_id__in=Case.objects.filter(kind="criminal").values("pk"))
        query |= part
    return query


def _mine(actor: Any) -> Q:
    """The actor's own deadlines: cases they lead, incidents they were dispatched to."""
    from jingwu.incidents.models import Incident

    return Q(officer=actor) | Q(
        subject_type="incident", subject_id__in=Incident.objects.filter(officers=actor).values("pk")
    )


def deadlines_for(
    *, actor: Any, statuses: Iterable[str] | None = ALERT_STATUSES, mine: bool = False
) -> QuerySet[Deadline]:
    """The deadlines ``actor`` may see in ``statuses`` (None: all), soonest due first; ``mine`` keeps only
    the actor's own (the officer's home page)."""
    deadlines = Deadline.objects.filter(_visible(actor))
    if statuses is not None:
        deadlines = deadlines.filter(status__in=list(statuses))
    if mine:
        deadlines = deadlines.filter(_mine(actor))
    return deadlines.select_related("unit", "station", "officer").order_by("due_at", "id")


def deadline_counts(*, actor: Any, mine: bool = False) -> dict[str, int]:
    """{status: count} of the deadlines the actor may see, every status present (0 when none)."""
    counts = dict.fromkeys(DeadlineStatus.values, 0)
    rows = deadlines_for(actor=actor, statuses=None, mine=mine).order_by().values("status")
    for row in rows.annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def subject_labels(deadlines: list[Deadline]) -> dict[tuple[str, int], str]:
    """{(subject_type, id): case or incident number} for a page of deadlines, in two queries."""
    from jingwu.cases.models import Case
    from jingwu.incidents.models import Incident

    labels: dict[tuple[str, int], str] = {}
    case_ids = {d.subject_id for d in deadlines if d.subject_type == "case"}
    incident_ids = {d.subject_id for d in deadlines if d.subject_type == "incident"}
    if case_ids:
        for pk, number, title in Case.objects.filter(pk__in=case_ids).values_list("pk", "number", "title"):
            labels["case", pk] = f"{number} {title}"
    if incident_ids:
        for pk, number in Incident.objects.filter(pk__in=incident_ids).values_list("pk", "number"):
            labels["incident", pk] = number or f"警情#{pk}"
    return labels


# ----------------------------------------------------------------------------------------------------------
# Supervision notices


NOTICE_UNIT_FIELDS = ("unit", "case__station", "case__reviewing_unit", "case__handling_unit")


def _notice_scope(actor: Any) -> Q:
    """Legal affairs and leaders: every notice; procurators: the procuratorate's opinions on criminal
    cases (not the bureau's internal notices); the units' staff: the notices on their units' cases."""
    if not has_capability(actor, "notice.view"):
        return Q(pk__in=[])
    if _procurator_only(actor):
        return Q(kind=NoticeKind.PROCURATOR_OPINION, case__kind="criminal")
    scope = unit_scope(actor)
    if scope.everything:  # (an empty Q would vanish from the OR below)
        return Q(pk__isnull=False)
    return scope.q(NOTICE_UNIT_FIELDS) | Q(case__lead_officer=actor)


def notices_for(
    *,
    actor: Any,
    status: str = "",
    kind: str = "",
    overdue: bool = False,
    case_id: int | None = None,
) -> QuerySet[SupervisionNotice]:
    """The notices the actor may see, newest first; ``overdue``: rectification still owed after its date."""
    notices = SupervisionNotice.objects.filter(_notice_scope(actor))
    if status:
        notices = notices.filter(status=status)
    if kind:
        notices = notices.filter(kind=kind)
    if overdue:
        notices = notices.filter(status__in=OPEN_NOTICE_STATUSES, rectify_by__lt=timezone.localdate())
    if case_id is not None:
        notices = notices.filter(case_id=case_id)
    return notices.select_related("case", "unit", "issued_by").order_by("-issued_at", "-id")


def notice_get(*, actor: Any, notice_id: int) -> SupervisionNotice:
    """One notice for display (404 outside the actor's view); the read is audited like a case's."""
    from jingwu.supervision.services import visible_notice

    notice = visible_notice(actor, notice_id)
    audit_record(actor=actor, action="notice.view", obj=notice)
    return notice
