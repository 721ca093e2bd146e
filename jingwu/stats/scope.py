"""Which places a figure covers (统计范围): the bureau, a joint station, a station or a township, always
inside the reader's unit scope (jingwu.access.policy.unit_scope)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from jingwu.access.policy import unit_scope
from jingwu.geo.models import Division
from jingwu.org.choices import UnitKind
from jingwu.org.models import Unit


@dataclass(frozen=True)
class Selection:
    """The stations (and maybe one township) a figure counts; `value` selects it again (scope=…)."""

    value: str
    label: str
    station_ids: frozenset[int]
    township: str = ""

    def rollup_filter(self) -> dict[str, Any]:
        filters: dict[str, Any] = {"station_id__in": sorted(self.station_ids)}
        if self.township:
            filters["township"] = self.township
        return filters


def stations_in_scope(actor: Any) -> list[Unit]:
    """The stations (派出所) whose territory the actor's scope covers."""
    stations = Unit.objects.filter(kind=UnitKind.STATION).order_by("sort_order", "code")
    return list(stations.filter(unit_scope(actor).q("")))


def options(actor: Any) -> list[Selection]:
    """Every selection the actor may choose, the whole of their scope first (cached on the user object
    for the request, like the unit scope)."""
    cached = getattr(actor, "_jingwu_stats_options", None)
    if cached is not None:
        return cached
    stations = stations_in_scope(actor)
    ids = frozenset(s.pk for s in stations)
    everything = unit_scope(actor).everything
    result = [Selection("all", "全县" if everything else "本单位辖区", ids)]
    for joint in Unit.objects.filter(kind=UnitKind.JOINT_STATION).prefetch_related("commands"):
        members = frozenset(u.pk for u in joint.commands.all() if u.kind == UnitKind.STATION)
        if members and members <= ids:
            result.append(Selection(f"joint:{joint.pk}", joint.name, members))
    result += [Selection(f"station:{s.pk}", s.name, frozenset({s.pk})) for s in stations]
    by_code = {s.township_code: s for s in stations if s.township_code}
    for town in Division.objects.filter(code__in=by_code).order_by("code"):
        # Every station in scope: a village may be looked after by a station of another township.
        result.append(Selection(f"township:{town.code}", town.name, ids, town.code))
    actor._jingwu_stats_options = result
    return result


def resolve(actor: Any, value: str | None) -> Selection:
    """The selection named by `value` ("all" by default); one outside the actor's scope is a 404."""
    choices = options(actor)
    wanted = (value or "all").strip()
    for choice in choices:
        if choice.value == wanted:
            return choice
    raise Http404("统计范围不存在或无权查看")
