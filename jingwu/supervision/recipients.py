"""Who answers for a unit's work (责任人): the unit chiefs (所长/队长) and legal officers (法制员) whose unit
scope covers it — the same scope rule as jingwu.access.policy.scope_of_unit (a team acts for the unit
above it; a joint station covers the stations it commands) — computed for many units at once.

Four queries whatever the number of units asked about: the units asked, all units (path, kind,
parent), the command relation, and the candidate users. The sweep's notifications and the notices use it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from jingwu.org.choices import TEAM_KINDS
from jingwu.org.models import Unit, User

CHIEF = "unit_chief"
LEGAL_OFFICER = "legal_officer"


def _scopes() -> dict[int, tuple[str, ...]]:
    """{unit id: the paths a user working for that unit reaches} for every unit, in two queries."""
    units = {
        pk: (path, kind, parent)
        for pk, path, kind, parent in Unit.objects.values_list("pk", "path", "kind", "parent_id")
    }
    commands: dict[int, list[int]] = defaultdict(list)
    for from_id, to_id in Unit.commands.through.objects.values_list("from_unit_id", "to_unit_id"):
        commands[from_id].append(to_id)

    def operational(pk: int) -> int:
        while units[pk][1] in TEAM_KINDS and units[pk][2] is not None:
            pk = units[pk][2]
        return pk

    scopes: dict[int, tuple[str, ...]] = {}
    for pk in units:
        home = operational(pk)
        scopes[pk] = (units[home][0], *(units[c][0] for c in commands[home]))
    return scopes


def overseers(
    unit_ids: Iterable[int | None], roles: Iterable[str] = (CHIEF, LEGAL_OFFICER)
) -> dict[int, set[int]]:
    """{unit id: ids of the active users holding one of ``roles`` whose scope covers that unit}."""
    wanted = {pk for pk in unit_ids if pk is not None}
    if not wanted:
        return {}
    paths = dict(Unit.objects.filter(pk__in=wanted).values_list("pk", "path"))
    candidates = (
        User.objects.filter(is_active=True, roles__code__in=list(roles))
        .values_list("pk", "unit_id")
        .distinct()
    )
    scopes = _scopes()
    covered: dict[int, set[int]] = {pk: set() for pk in wanted}
    for user_id, user_unit in candidates:
        reach = scopes.get(user_unit, ())
        for pk, path in paths.items():
            if any(path.startswith(p) for p in reach):
                covered[pk].add(user_id)
    return covered
