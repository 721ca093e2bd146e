"""Rollups (统计汇总): DailyCount rows per Asia/Shanghai day × station × township × figure × key, summed
into MonthlyCount (per calendar month) and YearlyCount (per calendar year) rows.

A rollup slice is (family, station, day): every row of the family's figures for that station and day.
A write to an incident, case or dispute refreshes the slices it counted in before and after the write,
once the transaction commits, by recounting that slice from the raw records (delete + insert of a few
rows). So the rollups are always a pure function of the raw tables, and `stats_rollup_rebuild` (the same
counting over everything) gives the same rows — the consistency tests check exactly that.

Every rewrite also gives the station-years it touched a new RollupStamp token, in the same transaction:
the dashboard's cache (stats.selectors) is keyed by those tokens, so no cached figure outlives its rows.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum

from jingwu.stats.models import DailyCount, MonthlyCount, RollupStamp, YearlyCount

TZ = ZoneInfo("Asia/Shanghai")
# The longest response time a histogram keeps apart; longer ones count in this last bucket (minutes).
MINUTES_CAP = 1440

# family → the figures (metrics) it writes.
FAMILIES: dict[str, tuple[str, ...]] = {
    "incident": ("incident", "incident_wh", "resp_dispatch", "resp_arrival", "resp_total"),
    "case": ("case_filed", "case_cleared"),
    "dispute": ("dispute_registered",),
}
Slot = tuple[date, int, str, str, str]  # (day, station_id, township, metric, key)
Slice = tuple[str, int, date]  # (family, station_id, day)


def local_day(moment: datetime) -> date:
    """The Asia/Shanghai calendar day of an aware moment (the day that decides the period)."""
    return moment.astimezone(TZ).date()


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in Asia/Shanghai, as aware datetimes."""
    start = datetime(first.year, first.month, first.day, tzinfo=TZ)
    after = last + timedelta(days=1)
    return start, datetime(after.year, after.month, after.day, tzinfo=TZ)


def _minutes(start: datetime | None, end: datetime | None) -> str | None:
    if start is None or end is None:
        return None
    return str(min(MINUTES_CAP, max(0, int((end - start).total_seconds() // 60))))


# --------------------------------------------------------------------------------------------------
# counting raw records into slots


def _count_incidents(
    rows: Iterable[tuple[Any, ...]], counts: Counter[Slot], only: date | None = None
) -> None:
    for received_at, station_id, township, category, dispatched_at, arrived_at in rows:
        day = local_day(received_at)
        if only is not None and day != only:
            continue
        base = (day, station_id, township or "")
        counts[(*base, "incident", category)] += 1
        # Weekday (0 = Monday) and hour of the Beijing-time moment: the heat map, summable by month.
        counts[(*base, "incident_wh", f"{day.weekday()}-{received_at.astimezone(TZ).hour:02d}")] += 1
        for metric, start, end in (
            ("resp_dispatch", received_at, dispatched_at),
            ("resp_arrival", dispatched_at, arrived_at),
            ("resp_total", received_at, arrived_at),
        ):
            minutes = _minutes(start, end)
            if minutes is not None:
                counts[(*base, metric, minutes)] += 1


def _count_cases(rows: Iterable[tuple[Any, ...]], counts: Counter[Slot], only: date | None = None) -> None:
    for kind, status, filed_at, closed_at, station_id, township, station_township in rows:
        town = township or station_township or ""
        if filed_at is not None:
            day = local_day(filed_at)
            if only is None or day == only:
                counts[(day, station_id, town, "case_filed", kind)] += 1
        if closed_at is not None and status == "closed":
            day = local_day(closed_at)
            if only is None or day == only:
                counts[(day, station_id, town, "case_cleared", kind)] += 1


def _count_disputes(rows: Iterable[tuple[Any, ...]], counts: Counter[Slot], only: date | None = None) -> None:
    for registered_at, station_id, kind, township, station_township in rows:
        day = local_day(registered_at)
        if only is None or day == only:
            counts[(day, station_id, township or station_township or "", "dispute_registered", kind)] += 1


INCIDENT_FIELDS = (
    "received_at",
    "station_id",
    "village__parent__code",
    "category",
    "dispatched_at",
    "arrived_at",
)
CASE_FIELDS = (
    "kind",
    "status",
    "filed_at",
    "closed_at",
    "station_id",
    "incident__village__parent__code",
    "station__township_code",
)
DISPUTE_FIELDS = ("registered_at", "station_id", "kind", "village__parent__code", "station__township_code")


def _incidents():
    from jingwu.incidents.models import Incident

    return Incident.objects.order_by()


def _cases():
    from jingwu.cases.models import Case

    return Case.objects.order_by()


def _disputes():
    from jingwu.mediation.models import Dispute

    return Dispute.objects.order_by()


def count_slice(family: str, station_id: int, day: date) -> Counter[Slot]:
    """The rollup rows of one slice, counted from the raw records."""
    start, end = day_bounds(day, day)
    counts: Counter[Slot] = Counter()
    if family == "incident":
        rows = _incidents().filter(station_id=station_id, received_at__gte=start, received_at__lt=end)
        _count_incidents(rows.values_list(*INCIDENT_FIELDS), counts, day)
    elif family == "case":
        rows = _cases().filter(
            Q(filed_at__gte=start, filed_at__lt=end) | Q(closed_at__gte=start, closed_at__lt=end),
            station_id=station_id,
        )
        _count_cases(rows.values_list(*CASE_FIELDS), counts, day)
    else:
        rows = _disputes().filter(station_id=station_id, registered_at__gte=start, registered_at__lt=end)
        _count_disputes(rows.values_list(*DISPUTE_FIELDS), counts, day)
    return counts


def _rows(counts: Counter[Slot]) -> list[DailyCount]:
    return [
        DailyCount(day=day, station_id=station, township=town, metric=metric, key=key, count=n)
        for (day, station, town, metric, key), n in counts.items()
        if n
    ]


def refresh_slices(slices: Iterable[Slice]) -> int:
    """Recount the given slices from the raw records; returns the rows written."""
    written = 0
    for family, station_id, day in sorted(set(slices)):
        for attempt in range(2):
            try:
                with transaction.atomic():
                    _lock_station_year(family, station_id, day.year)
                    DailyCount.objects.filter(
                        metric__in=FAMILIES[family], station_id=station_id, day=day
                    ).delete()
                    rows = DailyCount.objects.bulk_create(_rows(count_slice(family, station_id, day)))
                    _refresh_month(family, station_id, day.replace(day=1))
                    stamp([(station_id, day.year)])
                written += len(rows)
                break
            except IntegrityError:
                # A concurrent refresh of the same slice inserted first; recount once more.
                if attempt:
                    raise
    return written


def _lock_station_year(family: str, station_id: int, year: int) -> None:
    """Serialise concurrent refreshes that rewrite the same month and year rows (PostgreSQL: an advisory
    lock held until the transaction ends; SQLite already runs one writer at a time)."""
    if connection.vendor == "postgresql":
        key = f"stats-rollup:{family}:{station_id}:{year}"
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


def stamp(station_years: Iterable[tuple[int, int]]) -> None:
    """A new token for each (station, year) whose rollup rows changed (inside the writing transaction)."""
    token = uuid.uuid4().hex
    RollupStamp.objects.bulk_create(
        [RollupStamp(station_id=s, year=y, token=token) for s, y in sorted(set(station_years))],
        update_conflicts=True,
        unique_fields=["station", "year"],
        update_fields=["token"],
    )


def _restamp_all() -> None:
    """After a rebuild: a new token for every station-year that has rows, none for the others."""
    RollupStamp.objects.all().delete()
    pairs = YearlyCount.objects.values_list("station_id", "year").distinct().order_by()
    stamp((station_id, year.year) for station_id, year in pairs)


def _resum(family: str, station_id: int, level: Any, period: str, first: date, source: Any, by: str) -> None:
    """Rewrite one station's `level` row set for the period starting `first` from the `source` rows
    (keyed by `by`) that fall inside it."""
    metrics = FAMILIES[family]
    after = (
        (first + timedelta(days=32)).replace(day=1)
        if period == "month"
        else first.replace(year=first.year + 1)
    )
    level.objects.filter(metric__in=metrics, station_id=station_id, **{period: first}).delete()
    rows = source.objects.filter(
        metric__in=metrics, station_id=station_id, **{f"{by}__gte": first, f"{by}__lt": after}
    )
    level.objects.bulk_create(
        level(
            **{period: first},
            station_id=station_id,
            township=r["township"],
            metric=r["metric"],
            key=r["key"],
            count=r["n"],
        )
        for r in rows.values("township", "metric", "key").annotate(n=Sum("count")).order_by()
    )


def _refresh_month(family: str, station_id: int, month: date) -> None:
    """Rewrite one station's month of a family from its days, then the year from its months."""
    _resum(family, station_id, MonthlyCount, "month", month, DailyCount, "day")
    _resum(family, station_id, YearlyCount, "year", month.replace(month=1), MonthlyCount, "month")


# One INSERT … SELECT per level: the database sums millions of rows far faster than Python would.
_TRUNC = {
    "sqlite": {"month": "date(day, 'start of month')", "year": "date(month, 'start of year')"},
    "postgresql": {
        "month": "date_trunc('month', day)::date",
        "year": "date_trunc('year', month)::date",
    },
}
_LEVEL_SQL = (
    'INSERT INTO {target} ({column}, station_id, township, metric, "key", "count") '
    'SELECT {trunc}, station_id, township, metric, "key", SUM("count") FROM {source} '
    'GROUP BY {trunc}, station_id, township, metric, "key"'
)


def rebuild_months(batch: int = 5000) -> int:
    """Rewrite every MonthlyCount row from DailyCount and every YearlyCount row from those months;
    returns the monthly rows written."""
    trunc = _TRUNC.get(connection.vendor)
    if trunc is None:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(connection.vendor)
    with transaction.atomic(), connection.cursor() as cursor:
        MonthlyCount.objects.all().delete()
        YearlyCount.objects.all().delete()
        cursor.execute(
            _LEVEL_SQL.format(
                target=MonthlyCount._meta.db_table,
                column="month",
                trunc=trunc["month"],
                source=DailyCount._meta.db_table,
            )
        )
        cursor.execute(
            _LEVEL_SQL.format(
                target=YearlyCount._meta.db_table,
                column="year",
                trunc=trunc["year"],
                source=MonthlyCount._meta.db_table,
            )
        )
        _restamp_all()
    return MonthlyCount.objects.count()


def rebuild(batch: int = 5000) -> int:
    """Recount every rollup row from the raw records (stats_rollup_rebuild); returns the rows written."""
    counts: Counter[Slot] = Counter()
    _count_incidents(_incidents().values_list(*INCIDENT_FIELDS).iterator(chunk_size=batch), counts)
    _count_cases(_cases().values_list(*CASE_FIELDS).iterator(chunk_size=batch), counts)
    _count_disputes(_disputes().values_list(*DISPUTE_FIELDS).iterator(chunk_size=batch), counts)
    rows = _rows(counts)
    with transaction.atomic():
        DailyCount.objects.all().delete()
        DailyCount.objects.bulk_create(rows, batch_size=batch)
    rebuild_months(batch)
    return len(rows)


def refresh_incident_range(*, station_ids: Iterable[int], first: date, last: date, batch: int = 5000) -> int:
    """Recount the incident figures of `station_ids` for the days `first`..`last` in one pass, then their
    months and years, one grouped query per level (a bulk import's days: instead of a refresh per slice);
    returns the daily rows written."""
    from django.db.models.functions import TruncMonth, TruncYear

    stations = sorted(set(station_ids))
    start, end = day_bounds(first, last)
    counts: Counter[Slot] = Counter()
    found = _incidents().filter(station_id__in=stations, received_at__gte=start, received_at__lt=end)
    _count_incidents(found.values_list(*INCIDENT_FIELDS).iterator(chunk_size=batch), counts)
    mine = {"metric__in": FAMILIES["incident"], "station_id__in": stations}
    month, after = first.replace(day=1), (last.replace(day=1) + timedelta(days=32)).replace(day=1)
    year, next_year = first.replace(month=1, day=1), date(last.year + 1, 1, 1)
    days = DailyCount.objects.filter(**mine, day__gte=month, day__lt=after)
    months = MonthlyCount.objects.filter(**mine, month__gte=year, month__lt=next_year)
    levels = (
        (MonthlyCount, "month", days, TruncMonth("day")),
        (YearlyCount, "year", months, TruncYear("month")),
    )
    with transaction.atomic():
        stamp((station, y) for station in stations for y in range(first.year, last.year + 1))
        DailyCount.objects.filter(**mine, day__gte=first, day__lte=last).delete()
        written = DailyCount.objects.bulk_create(_rows(counts), batch_size=batch)
        MonthlyCount.objects.filter(**mine, month__gte=month, month__lt=after).delete()
        YearlyCount.objects.filter(**mine, year__gte=year, year__lt=next_year).delete()
        for model, column, source, trunc in levels:
            grouped = (
                source.annotate(period=trunc)
                .values("period", "station_id", "township", "metric", "key")
                .annotate(n=Sum("count"))
                .order_by()
            )
            model.objects.bulk_create(
                (
                    model(
                        **{column: r["period"]},
                        station_id=r["station_id"],
                        township=r["township"],
                        metric=r["metric"],
                        key=r["key"],
                        count=r["n"],
                    )
                    for r in grouped.iterator(chunk_size=batch)
                ),
                batch_size=batch,
            )
    return len(written)


# --------------------------------------------------------------------------------------------------
# keeping up on write


# model name → (family, the fields whose local day names the slices it counts in)
_MOMENTS = {
    "incident": ("incident", ("received_at",)),
    "case": ("case", ("filed_at", "closed_at")),
    "dispute": ("dispute", ("registered_at",)),
}


def _slices_of(instance: Any, values: dict[str, Any]) -> set[Slice]:
    station_id = values.get("station_id")
    if station_id is None:
        return set()
    family, fields = _MOMENTS[instance._meta.model_name]
    moments = (values.get(name) for name in fields)
    return {(family, station_id, local_day(m)) for m in moments if isinstance(m, datetime)}


_WATCHED = ("station_id", "received_at", "filed_at", "closed_at", "registered_at")


def _values(instance: Any) -> dict[str, Any]:
    # __dict__ only: reading a deferred field here would cost a query per loaded row.
    return {name: instance.__dict__.get(name) for name in _WATCHED}


def remember_slices(sender: Any, instance: Any, **kwargs: Any) -> None:
    """post_init: the slices the record counts in as loaded."""
    instance._stats_slices = _slices_of(instance, _values(instance)) if instance.pk else set()


_pending = threading.local()


def _enqueue(slices: set[Slice]) -> None:
    if not slices:
        return
    queue: set[Slice] = getattr(_pending, "slices", None) or set()
    queue |= slices
    _pending.slices = queue
    # robust: the write has committed; a failed refresh is logged, not answered as an error (the nightly
    # rebuild repairs the counts), so a client is never told a committed write failed.
    transaction.on_commit(_flush, robust=True)


def _flush() -> None:
    queue: set[Slice] = getattr(_pending, "slices", None) or set()
    _pending.slices = set()
    if queue:
        refresh_slices(queue)


def record_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """post_save of an Incident, Case or Dispute: refresh its old and new slices on commit."""
    if raw:
        return
    # Values written with F() (version counters) are unresolved here; the refresh reads the database.
    now = _slices_of(instance, _values(instance))
    _enqueue(getattr(instance, "_stats_slices", set()) | now)
    instance._stats_slices = now


def bulk_recorded(sender: Any, subjects: list[tuple[str, int]], **kwargs: Any) -> None:
    """legal_events_recorded (bulk intake): refresh the slices of the incidents and cases named."""
    incident_ids = [i for kind, i in subjects if kind == "incident"]
    case_ids = [i for kind, i in subjects if kind == "case"]
    slices: set[Slice] = set()
    for received_at, station_id in (
        _incidents().filter(pk__in=incident_ids).values_list("received_at", "station_id")
    ):
        slices.add(("incident", station_id, local_day(received_at)))
    for filed_at, closed_at, station_id in (
        _cases().filter(pk__in=case_ids).values_list("filed_at", "closed_at", "station_id")
    ):
        slices |= {("case", station_id, local_day(m)) for m in (filed_at, closed_at) if m}
    _enqueue(slices)
