"""Reads of the statistics (统计), always within the reader's scope: the dashboard's figures from the
rollups, the records behind each figure (drill-down), the before/after comparison and the survey rates.
Definitions: stats/data/figures.yaml and docs/statistics.md."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import F, Q, QuerySet, Sum
from django.http import Http404

from jingwu.access.policy import has_capability, require, visible_to
from jingwu.audit.services import audit_record
from jingwu.core.dbrouting import reads_from_replica
from jingwu.geo.models import Division
from jingwu.incidents.taxonomy import taxonomy
from jingwu.org.models import Unit
from jingwu.stats import calc
from jingwu.stats.models import (
    DailyCount,
    MonthlyCount,
    RollupStamp,
    SurveyResponse,
    SurveyRound,
    YearlyCount,
)
from jingwu.stats.periods import Period
from jingwu.stats.rollup import day_bounds
from jingwu.stats.scope import Selection

CASE_FIGURES = (
    ("criminal_filed", "case_filed", "criminal"),
    ("administrative_filed", "case_filed", "administrative"),
    ("criminal_cleared", "case_cleared", "criminal"),
    ("administrative_cleared", "case_cleared", "administrative"),
)
RESPONSE_METRICS = ("resp_dispatch", "resp_arrival", "resp_total")
# The cache key carries the rollup tokens, so an entry is never stale: the timeout only bounds memory.
CACHE_SECONDS = 6 * 3600
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class Compared:
    """A count this period and the same period a year earlier, with the year-on-year change."""

    current: int
    previous: int

    @property
    def yoy(self) -> float | None:
        return calc.yoy(self.current, self.previous)


@dataclass
class Dashboard:
    period: Period
    previous: Period
    selection: Selection
    incidents: Compared
    by_category: list[dict[str, Any]]
    cases: dict[str, Compared]
    response: list[dict[str, Any]]
    disputes: Compared
    heatmap: list[list[int]]
    townships: list[dict[str, Any]]
    trend: dict[str, Any]
    # The figures other apps compute live from their own tables (not rollups): filled by live_figures().
    resolution: dict[str, Any] | None = None
    breaches: list[dict[str, Any]] = field(default_factory=list)
    quality: list[dict[str, Any]] = field(default_factory=list)


def _split(first: date, last: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The whole calendar months inside first..last (first day of the first and of the last), and the
    ranges of days left over at either end."""
    start = first if first.day == 1 else (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    end = (last + timedelta(days=1)).replace(day=1)  # first day of the month after the last whole one
    if start >= end:
        return None, [(first, last)]
    edges = [(first, start - timedelta(days=1))] if first < start else []
    if end <= last:
        edges.append((end, last))
    last_month = (end - timedelta(days=1)).replace(day=1)
    return (start, last_month), edges


def _levels(first: date, last: date) -> list[tuple[str, date, date]]:
    """first..last as the fewest rollup pieces: ("year", 1 Jan, 1 Jan of the last whole year), ("month",
    first day, first day of the last whole month) and ("day", first, last) for what is left at the ends."""
    start = first if (first.month, first.day) == (1, 1) else date(first.year + 1, 1, 1)
    end = date(last.year + 1, 1, 1) if (last.month, last.day) == (12, 31) else date(last.year, 1, 1)
    if start >= end:
        ranges, pieces = [(first, last)], []
    else:
        pieces = [("year", start, date(end.year - 1, 1, 1))]
        ranges = [(first, start - timedelta(days=1))] if first < start else []
        ranges += [(end, last)] if end <= last else []
    for a, b in ranges:
        months, edges = _split(a, b)
        if months:
            pieces.append(("month", *months))
        pieces += [("day", x, y) for x, y in edges]
    return pieces


_LEVELS: dict[str, tuple[Any, str]] = {
    "year": (YearlyCount, "year"),
    "month": (MonthlyCount, "month"),
    "day": (DailyCount, "day"),
}


def _sums(
    selection: Selection,
    period: Period,
    group: tuple[str, ...],
    metrics: tuple[str, ...] = (),
    by_date: bool = False,
) -> list[dict[str, Any]]:
    """SUM(count) grouped by `group` over the period: whole years from YearlyCount, whole months from
    MonthlyCount, the days at the edges from DailyCount. With `by_date`, each row also carries its
    year's, month's or day's "date" (so a by-month series must not ask for whole years: see trend)."""
    filters = selection.rollup_filter()
    if metrics:
        filters["metric__in"] = list(metrics)
    pieces = _levels(period.first, period.last)
    if by_date:  # months are the finest whole-period level a monthly series can use
        months, edges = _split(period.first, period.last)
        pieces = ([("month", *months)] if months else []) + [("day", x, y) for x, y in edges]
    result: list[dict[str, Any]] = []
    for level, first, last in pieces:
        model, column = _LEVELS[level]
        rows = model.objects.filter(**{f"{column}__gte": first, f"{column}__lte": last}, **filters)
        part = rows.values(*group, **({"date": F(column)} if by_date else {}))
        result += list(part.annotate(n=Sum("count")).order_by())
    return result


def _totals(selection: Selection, period: Period) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """({(metric, key): count}, {township: incidents}) of the period. Two narrow GROUP BYs rather than
    one by (metric, key, township): the database folds the stations and townships away, so Python reads
    a few hundred rows instead of tens of thousands (the profile's cost at a million incidents)."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    towns: dict[str, int] = defaultdict(int)
    for row in _sums(selection, period, ("metric", "key")):
        totals[(row["metric"], row["key"])] += row["n"]
    for row in _sums(selection, period, ("township",), ("incident",)):
        towns[row["township"]] += row["n"]
    return totals, towns


def _metric(totals: dict[tuple[str, str], int], metric: str) -> int:
    return sum(n for (m, _), n in totals.items() if m == metric)


def _histogram(totals: dict[tuple[str, str], int], metric: str) -> dict[int, int]:
    return {int(k): n for (m, k), n in totals.items() if m == metric}


def incident_categories() -> dict[str, str]:
    return {code: category.name for code, category in taxonomy().categories.items()}


def _rollup_figures(selection: Selection, period: Period, previous: Period) -> tuple[Any, ...]:
    """(totals, townships, the year before's totals, trend) of the dashboard, from Django's cache when
    the station-years they read have not changed since: the key carries those station-years'
    RollupStamp tokens (one small query), which every rollup rewrite renews in its own transaction — so a
    late write to a closed month is seen by the next reader in every process, and a closed period is
    summed once instead of on every page load."""
    years = range(previous.first.year, period.last.year + 1)
    tokens = RollupStamp.objects.filter(station_id__in=selection.station_ids, year__in=years)
    described = repr(
        (
            sorted(selection.station_ids),
            selection.township,
            period.first,
            period.last,
            previous.first,
            previous.last,
            sorted(tokens.values_list("station_id", "year", "token")),
        )
    )
    key = "stats:board:" + hashlib.sha256(described.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        (now, towns), (before, _) = _totals(selection, period), _totals(selection, previous)
        found = (dict(now), dict(towns), dict(before), trend(selection, period))
        cache.set(key, found, CACHE_SECONDS)
    return found


@reads_from_replica
def dashboard(
    *, actor: Any, period: Period, selection: Selection, capability: str = "stats.view"
) -> Dashboard:
    """The dashboard's figures for `period` against the same period a year earlier, all from the rollups.
    The big screen asks with `stats.screen` (the command center's dispatchers see the wall, not the
    drill-downs). `live_figures` adds the figures other apps compute from their own tables."""
    require(actor, capability)
    previous = period.a_year_before()
    now, towns, before, trend_data = _rollup_figures(selection, period, previous)
    labels = incident_categories()
    by_category = [
        {
            "key": code,
            "label": label,
            "figure": Compared(now.get(("incident", code), 0), before.get(("incident", code), 0)),
        }
        for code, label in labels.items()
    ]
    cases = {
        name: Compared(now.get((metric, kind), 0), before.get((metric, kind), 0))
        for name, metric, kind in CASE_FIGURES
    }
    response = []
    for metric in RESPONSE_METRICS:
        current, earlier = _histogram(now, metric), _histogram(before, metric)
        response.append(
            {
                "key": metric,
                "n": sum(current.values()),
                "p50": calc.percentile(current, 50),
                "p90": calc.percentile(current, 90),
                "previous_p50": calc.percentile(earlier, 50),
                "previous_p90": calc.percentile(earlier, 90),
            }
        )
    return Dashboard(
        period=period,
        previous=previous,
        selection=selection,
        incidents=Compared(_metric(now, "incident"), _metric(before, "incident")),
        by_category=by_category,
        cases=cases,
        response=response,
        disputes=Compared(_metric(now, "dispute_registered"), _metric(before, "dispute_registered")),
        heatmap=heatmap(now),
        townships=township_counts(towns),
        trend=trend_data,
    )


@reads_from_replica
def live_figures(*, actor: Any, board: Dashboard) -> Dashboard:
    """Add the dispute resolution rate (jingwu.mediation), the deadline breaches (jingwu.supervision)
    and the quality scores (jingwu.quality), each computed by its own app's selector."""
    board.resolution = resolution(actor=actor, period=board.period, selection=board.selection)
    board.breaches = breaches_by_unit(actor=actor, period=board.period, selection=board.selection)
    board.quality = quality_scores(actor=actor, period=board.period, selection=board.selection)
    return board


def heatmap(totals: dict[tuple[str, str], int]) -> list[list[int]]:
    """Incidents per weekday (0 = Monday) × hour of day, from the "incident_wh" rollup keys ("2-23")."""
    grid = [[0] * 24 for _ in range(7)]
    for (metric, key), count in totals.items():
        if metric == "incident_wh":
            weekday, hour = key.split("-")
            grid[int(weekday)][int(hour)] += count
    return grid


def township_counts(counts: dict[str, int]) -> list[dict[str, Any]]:
    towns = Division.objects.filter(level=4).order_by("code")
    return [{"code": t.code, "name": t.name, "count": counts.get(t.code, 0)} for t in towns]


def trend(selection: Selection, period: Period, metric: str = "incident") -> dict[str, Any]:
    """Counts per day (periods up to 62 days) or per month, this period and a year earlier, aligned."""
    previous = period.a_year_before()
    monthly = period.days > 62

    def bucket(day: date, start: date) -> str:
        return f"{day:%m}月" if monthly else str((day - start).days + 1)

    series: dict[str, dict[str, int]] = {}
    for name, p in (("current", period), ("previous", previous)):
        values: dict[str, int] = defaultdict(int)
        if monthly:
            rows = _sums(selection, p, (), (metric,), by_date=True)
        else:
            found = DailyCount.objects.filter(
                day__gte=p.first, day__lte=p.last, metric=metric, **selection.rollup_filter()
            )
            rows = list(found.values(date=F("day")).annotate(n=Sum("count")).order_by())
        for row in rows:
            values[bucket(row["date"], p.first)] += row["n"]
        series[name] = values
    labels = []
    day = period.first
    while day <= period.last:
        label = bucket(day, period.first)
        if label not in labels:
            labels.append(label)
        day += timedelta(days=1)
    return {
        "labels": labels,
        "current": [series["current"].get(x, 0) for x in labels],
        "previous": [series["previous"].get(x, 0) for x in labels],
    }


def resolution(*, actor: Any, period: Period, selection: Selection) -> dict[str, Any] | None:
    """矛盾纠纷化解率 of the selection, from jingwu.mediation's own selector (one definition)."""
    if not has_capability(actor, "dispute.board"):
        return None
    from jingwu.mediation.selectors import resolution_rate

    def one(p: Period) -> dict[str, Any]:
        if selection.township:
            found = resolution_rate(actor=actor, start=p.first, end=p.last, by="township")
            rows = [r for r in found if r.key == selection.township]
        else:
            codes = set(Unit.objects.filter(pk__in=selection.station_ids).values_list("code", flat=True))
            rows = [r for r in resolution_rate(actor=actor, start=p.first, end=p.last) if r.key in codes]
        registered = sum(r.registered for r in rows)
        resolved = sum(r.resolved for r in rows)
        rate = round(resolved * 100 / registered, 1) if registered else None
        return {"registered": registered, "resolved": resolved, "rate": rate}

    return {"current": one(period), "previous": one(period.a_year_before())}


def _own_stations(selection: Selection) -> list[Unit]:
    """The stations a selection names as units: a township's own station, else the selected stations."""
    stations = Unit.objects.filter(pk__in=selection.station_ids)
    if selection.township:
        stations = stations.filter(township_code=selection.township)
    return list(stations)


def breaches_by_unit(*, actor: Any, period: Period, selection: Selection) -> list[dict[str, Any]]:
    """执法监督: deadlines in breach whose due moment falls in the period, per responsible unit."""
    if not has_capability(actor, "deadline.view"):
        return []
    from jingwu.supervision.models import DeadlineStatus
    from jingwu.supervision.selectors import deadlines_for

    start, end = day_bounds(period.first, period.last)
    stations = _own_stations(selection)
    in_places = Q(station_id__in=[s.pk for s in stations])
    for station in stations:
        in_places |= Q(unit__path__startswith=station.path)
    rows = deadlines_for(actor=actor, statuses=[DeadlineStatus.BREACH]).filter(
        in_places, due_at__gte=start, due_at__lt=end
    )
    counts: dict[str, int] = defaultdict(int)
    for name in rows.values_list("unit__name", flat=True):
        counts[name] += 1
    return [{"unit": k, "count": v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def quality_scores(*, actor: Any, period: Period, selection: Selection) -> list[dict[str, Any]]:
    """执法质量考评: the scores of the month the period ends in (jingwu.quality's own ranking)."""
    if not has_capability(actor, "quality.view"):
        return []
    from jingwu.quality.periods import parse_period
    from jingwu.quality.selectors import ranking

    ranked = ranking(actor=actor, period=parse_period(f"{period.last:%Y-%m}"))
    rows = ranked.rows  # already narrowed to the reader's scope by jingwu.quality
    if selection.value != "all":
        paths = [s.path for s in _own_stations(selection)]
        rows = [r for r in rows if any(r.unit.path.startswith(p) for p in paths)]
    return [
        {
            "unit": r.unit.name,
            "score": r.score,
            "rank": r.rank,
            "grade": r.grade_title,
            "key": ranked.period.key,
        }
        for r in rows
    ]


# --------------------------------------------------------------------------------------------------
# drill-down: exactly the records a figure counted

DRILL_FIGURES = {
    "incidents": "警情",
    "criminal_filed": "刑事案件立案",
    "administrative_filed": "治安（行政）案件立案",
    "criminal_cleared": "刑事案件结案",
    "administrative_cleared": "治安（行政）案件结案",
    "disputes": "矛盾纠纷登记",
}


def _township_q(prefix: str, township: str) -> Q:
    return Q(**{f"{prefix}village__parent__code": township}) | Q(
        **{f"{prefix}village__isnull": True, "station__township_code": township}
    )


def records(
    *, actor: Any, figure: str, period: Period, selection: Selection, key: str = ""
) -> tuple[str, QuerySet[Any]]:
    """(kind, queryset) of the records behind a dashboard figure: the same rules as the rollups, within
    the reader's visibility of the records themselves. The read is audited."""
    require(actor, "stats.view")
    if figure not in DRILL_FIGURES:
        raise Http404("统计项不存在")
    start, end = day_bounds(period.first, period.last)
    stations = sorted(selection.station_ids)
    if figure == "incidents":
        from jingwu.incidents.models import Incident
        from jingwu.incidents.selectors import SCOPE_FIELDS

        found = Incident.objects.filter(station_id__in=stations, received_at__gte=start, received_at__lt=end)
        if selection.township:
            found = found.filter(village__parent__code=selection.township)
        if key:
            found = found.filter(category=key)
        kind = "incident"
        found = visible_to(actor, "incident.view", found, unit_field=SCOPE_FIELDS)
        found = found.select_related("village__parent", "station").order_by("received_at", "id")
    elif figure == "disputes":
        from jingwu.mediation.services import visible_disputes

        found = visible_disputes(actor).filter(
            station_id__in=stations, registered_at__gte=start, registered_at__lt=end
        )
        if selection.township:
            found = found.filter(_township_q("", selection.township))
        kind = "dispute"
        found = found.select_related("village__parent", "station").order_by("registered_at", "id")
    else:
        from jingwu.cases.models import Case
        from jingwu.cases.services import SCOPE_FIELDS as CASE_SCOPE

        case_kind = figure.split("_")[0]
        found = Case.objects.filter(station_id__in=stations, kind=case_kind)
        if figure.endswith("filed"):
            found = found.filter(filed_at__gte=start, filed_at__lt=end).order_by("filed_at", "id")
        else:
            found = found.filter(status="closed", closed_at__gte=start, closed_at__lt=end).order_by(
                "closed_at", "id"
            )
        if selection.township:
            found = found.filter(
                Q(incident__village__parent__code=selection.township)
                | (
                    (Q(incident__isnull=True) | Q(incident__village__parent__code__isnull=True))
                    & Q(station__township_code=selection.township)
                )
            )
        kind = "case"
        found = visible_to(actor, "case.view", found, unit_field=CASE_SCOPE).select_related("station")
    audit_record(
        actor=actor,
        action="stats.records",
        object_type="stats.figure",
        object_id=figure,
        object_label=f"{DRILL_FIGURES[figure]} {period.label} {selection.label}",
        changes={"key": key, "scope": selection.value, "from": str(period.first), "to": str(period.last)},
    )
    return kind, found


# --------------------------------------------------------------------------------------------------
# before and after a reform (改革前后对比)


@dataclass(frozen=True)
class ReformFigure:
    key: str
    label: str
    metric: str
    keys: tuple[str, ...]  # empty: every key of the metric


REFORM_FIGURES = (
    ReformFigure("crime_order", "刑事、治安警情", "incident", ("criminal", "public_order")),
    ReformFigure("incidents", "警情总数", "incident", ()),
    ReformFigure("criminal", "刑事警情", "incident", ("criminal",)),
    ReformFigure("public_order", "治安警情", "incident", ("public_order",)),
    ReformFigure("cases_filed", "刑事、治安案件立案", "case_filed", ()),
)
WUBEI_TOWNSHIPS = ("350824110000", "350824105000", "350824114000", "350824113000")
WUBEI_REFORM_DATE = date(2022, 7, 15)


@dataclass
class Reform:
    figure: ReformFigure
    reform_date: date
    months: int
    treated_names: list[str]
    before: tuple[date, date]
    after: tuple[date, date]
    did: calc.DiD
    series: dict[str, Any]


def reform(
    *,
    actor: Any,
    townships: list[str],
    reform_date: date,
    months: int = 12,
    figure: str = "crime_order",
    stations: frozenset[int],
) -> Reform:
    """Difference-in-differences: the treated townships against the rest of the reader's scope, for
    equal periods of `months` before and after the reform date (the date itself falls in "after")."""
    require(actor, "stats.view")
    chosen = next((f for f in REFORM_FIGURES if f.key == figure), REFORM_FIGURES[0])
    after_end = _add_months(reform_date, months) - timedelta(days=1)
    before_start = _add_months(reform_date, -months)
    selection = Selection("reform", "", frozenset(stations))
    treated = set(townships)
    cells = {"tb": 0, "ta": 0, "cb": 0, "ca": 0}
    monthly: dict[str, dict[str, int]] = {"treated": defaultdict(int), "control": defaultdict(int)}
    windows = (("b", before_start, reform_date - timedelta(days=1)), ("a", reform_date, after_end))
    for half, first, last in windows:
        window = Period("custom", first, last, "")
        for row in _sums(selection, window, ("township", "key"), (chosen.metric,), by_date=True):
            if chosen.keys and row["key"] not in chosen.keys:
                continue
            group = "t" if row["township"] in treated else "c"
            cells[group + half] += row["n"]
            monthly["treated" if group == "t" else "control"][f"{row['date']:%Y-%m}"] += row["n"]
    labels = []
    day = before_start.replace(day=1)
    while day <= after_end:
        labels.append(f"{day:%Y-%m}")
        day = _add_months(day, 1)
    names = list(Division.objects.filter(code__in=treated).order_by("code").values_list("name", flat=True))
    return Reform(
        figure=chosen,
        reform_date=reform_date,
        months=months,
        treated_names=names,
        before=(before_start, reform_date - timedelta(days=1)),
        after=(reform_date, after_end),
        did=calc.DiD(cells["tb"], cells["ta"], cells["cb"], cells["ca"]),
        series={
            "labels": labels,
            "treated": [monthly["treated"].get(x, 0) for x in labels],
            "control": [monthly["control"].get(x, 0) for x in labels],
            "reform": f"{reform_date:%Y-%m}",
        },
    )


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = [
        31,
        29 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    return date(year, month + 1, min(day.day, last[month]))


# --------------------------------------------------------------------------------------------------
# 平安三率


@dataclass(frozen=True)
class Rate:
    indicator: str
    positive: int
    n: int

    @property
    def rate(self) -> float | None:
        return round(self.positive * 100 / self.n, 1) if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        found = calc.wilson(self.positive, self.n)
        return (round(found[0] * 100, 1), round(found[1] * 100, 1)) if found else None


def round_rates(survey_round: SurveyRound) -> dict[str, Rate]:
    """Each indicator's rate in one round: positive answers ÷ answers given (no answer is not counted)."""
    from jingwu.stats.definitions import questionnaire

    q = questionnaire()
    positive: dict[str, int] = defaultdict(int)
    answered: dict[str, int] = defaultdict(int)
    for answers in SurveyResponse.objects.filter(round=survey_round).values_list("answers", flat=True):
        for question in q.questions:
            option = question.option(str(answers.get(question.code, "")))
            if option is None:
                continue
            answered[question.indicator] += 1
            positive[question.indicator] += option.positive
    return {code: Rate(code, positive[code], answered[code]) for code in q.indicators}


def survey_waves(*, actor: Any) -> list[str]:
    require(actor, "stats.view")
    return list(SurveyRound.objects.order_by("-held_to").values_list("wave", flat=True).distinct())


def survey_ranking(*, actor: Any, wave: str, township_codes: set[str] | None = None) -> list[dict[str, Any]]:
    """The townships of one wave ranked by the mean of their three rates (highest first)."""
    require(actor, "stats.view")
    rounds = SurveyRound.objects.filter(wave=wave).select_related("township")
    if township_codes is not None:
        rounds = rounds.filter(township__code__in=township_codes)
    table = []
    for survey_round in rounds:
        rates = round_rates(survey_round)
        known = [r.rate for r in rates.values() if r.rate is not None]
        table.append(
            {
                "round": survey_round,
                "township": survey_round.township.name,
                "rates": rates,
                "responses": survey_round.responses.count(),
                "overall": round(sum(known) / len(known), 1) if known else None,
            }
        )
    table.sort(key=lambda r: (r["overall"] is None, -(r["overall"] or 0), r["township"]))
    for rank, row in enumerate(table, start=1):
        row["rank"] = rank
    return table
