"""Reading derived deadlines, as far as the reader's roles and unit scope allow."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from jingwu.access.policy import has_capability, unit_scope
from jingwu.supervision.models import Deadline, DeadlineStatus

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
