"""Reads of case handling, always scoped: a case is visible when its station, its reviewing unit or
its handling unit is in the actor's scope; procurators see criminal cases only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from jingwu.access.policy import has_capability, visible_to
from jingwu.access.roles import APPROVER_ROLES
from jingwu.audit.services import audit_record
from jingwu.cases.choices import ApprovalStatus, CaseKind
from jingwu.cases.models import Approval, Case, CaseParty
from jingwu.cases.services import SCOPE_FIELDS, procurator_only, visible_case
from jingwu.cases.workflow import Transition, workflow
from jingwu.timeline.models import LegalEvent
from jingwu.timeline.services import vocabulary


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""
    kind: str = ""
    text: str = ""
    mine: bool = False
    review_queue: bool = False


def _visible(actor: Any) -> QuerySet[Case]:
    cases = Case.objects.select_related("station", "reviewing_unit", "handling_unit", "lead_officer")
    cases = visible_to(actor, "case.view", cases, unit_field=SCOPE_FIELDS)
    if procurator_only(actor):
        cases = cases.filter(kind=CaseKind.CRIMINAL)
    return cases


def case_list(*, actor: Any, filters: CaseFilters = CaseFilters()) -> QuerySet[Case]:
    cases = _visible(actor)
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.kind:
        cases = cases.filter(kind=filters.kind)
    if filters.mine:
        cases = cases.filter(Q(lead_officer=actor) | Q(officers=actor)).distinct()
    if filters.review_queue:
        # 统一审查队列: accepted cases waiting for review in the units the actor reviews for.
        cases = cases.filter(status="accepted")
    for word in filters.text.split():
        cases = cases.filter(
            Q(title__contains=word) | Q(facts__contains=word) | Q(number=word) | Q(offence__contains=word)
        )
    return cases


def case_get(*, actor: Any, case_id: int) -> Case:
    """One case for display; every case read is audited."""
    case = visible_case(actor, case_id)
    audit_record(actor=actor, action="case.view", obj=case)
    return case


def case_timeline(case: Case, parties: list[CaseParty] | None = None) -> list[dict[str, Any]]:
    """Legal events and the history lines of a case, in time order (`parties`: the case's parties with
    their persons, when the caller has them already)."""
    names = vocabulary()
    if parties is None:
        parties = list(case.parties.select_related("person"))
    names_of = {party.key: party.person.name for party in parties}
    rows: list[dict[str, Any]] = [
        {
            "at": e.at,
            "kind": "event",
            "code": e.code,
            "text": names[e.code].name_zh,
            "person": names_of.get(e.person, ""),
            "actor": e.recorded_by.full_name if e.recorded_by else "",
        }
        for e in LegalEvent.objects.filter(subject_type="case", subject_id=case.pk).select_related(
            "recorded_by"
        )
    ]
    rows += [
        {"at": a.at, "kind": "activity", "code": "", "text": a.text, "person": "", "actor": a.actor.full_name}
        for a in case.activities.select_related("actor")
    ]
    return sorted(rows, key=lambda row: row["at"])


def available_transitions(*, actor: Any, case: Case) -> list[Transition]:
    """What the actor may ask for next on this case (the buttons of the case page)."""
    return [t for t in workflow().available(case.status, case.kind) if has_capability(actor, t.action)]


def approvals_waiting_for(*, actor: Any) -> QuerySet[Approval]:
    """Approval requests whose current step is one of the actor's roles, on cases the actor sees."""
    roles = [role for role, holders in APPROVER_ROLES.items() if not actor.role_codes.isdisjoint(holders)]
    return Approval.objects.filter(
        status=ApprovalStatus.PENDING, current_role__in=roles, case__in=_visible(actor)
    ).select_related("case", "submitted_by")
