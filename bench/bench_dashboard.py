"""Dashboard benchmark (统计看板): how fast the dashboard answers from the rollups, at county and
province volumes.

    python -m bench.bench_dashboard [--backend sqlite|postgres|both] [--size(s) 100000,1000000] [--repeat R]

For each backend: a fresh database (a SQLite file in a temporary directory, or a PostgreSQL database
`jingwu_bench_dash_<pid>` on 127.0.0.1 — prefix from $BENCH_DB_PREFIX — dropped at the end), migrated and
loaded with the reference data (Wuping's divisions and units) and the demo accounts. Then, for each size N:

1. Synthetic rollups (not timed): the DailyCount rows that N incidents spread over ten years
   (2016-01-01 … 2025-12-31) across the 17 stations would give — per station-day a Poisson number of
   incidents, spread over the categories, hours and three response-time buckets as a multinomial (drawn
   per cell, not per incident: 10M costs about the CPU of 100k), plus filed and cleared cases (one per 8
   and per 10 incidents). Only rollup rows are written, no raw incident rows (the dashboard never reads
   them; each figure says so with `data: "rollups"`): COPY on PostgreSQL, executemany in one transaction
   on SQLite; then the monthly and yearly levels by SQL GROUP BY (rollup.rebuild_months) and ANALYZE.
2. `dashboard_year_county`, `dashboard_quarter_joint`, `dashboard_month_township`:
   `stats.selectors.dashboard` as `leader`, p50/p95 over R runs, for a year of the whole county, a
   quarter of the 武北 joint station and a month of one township — with the cache cleared before each run
   (summed from the rollups, as the first reader after a write) and, as `<name>_cached`, without.
3. `dashboard_page_year` (and `_cached`): `GET /stats/?kind=year&value=2025` through Django's test client
   (the whole page: middleware, template; after one untimed request that loads templates and URLconf).
4. `rollup_freshness_lag`: an incident saved in a transaction; the time from the commit until its
   rollup slice, month and year are rewritten (the refresh runs on commit, in the writer's request),
   p50/p95 over R. The raw incidents table holds only these few rows.

Each figure is one JSON line on stdout (bench.figures.emit): `<name>_p50` and `<name>_p95` in ms, with
the 1/5/15-minute load average when taken (`load_avg`: the VM is shared).

Measured 2026-11-29 at 100k, 1M and 10M on the project's VM: see docs/statistics.md.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_intake import ROOT, _database, _env
from bench.figures import emit, percentile

SEED = 350824
FIRST, LAST = date(2016, 1, 1), date(2025, 12, 31)
HOURS = list(range(24))
DISPATCH = [1, 2, 2, 3, 4, 6, 12]
ARRIVE = list(range(3, 35))


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    import django

    django.setup()


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50": percentile(ordered, 0.5) * 1000, "p95": percentile(ordered, 0.95) * 1000}


def _emit(name: str, backend: str, size: int, samples: list[float], **extra: Any) -> None:
    """Two figures per measurement, `<name>_p50` and `<name>_p95`, in milliseconds, with the machine's
    load average when they were taken (the VM is shared) and what the data set holds: `size` incidents
    as rollup rows only — no raw incident rows are written, the dashboard never reads them."""
    load = [round(x, 2) for x in os.getloadavg()]
    for which, value in _percentiles(samples).items():
        emit(
            f"{name}_{which}",
            backend,
            size,
            value,
            "ms",
            runs=len(samples),
            load_avg=load,
            data="rollups",
            **extra,
        )


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:  # the normal approximation: inversion would draw ~mean uniforms per station-day
        return max(0, round(rng.gauss(mean, mean**0.5)))
    count, limit, product = 0, math.exp(-mean), rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _distribution(values: list[int], weights: list[float] | None = None) -> list[tuple[str, float]]:
    """(key, probability) of drawing each distinct value from `values` (with `weights`)."""
    mass: Counter[int] = Counter()
    for value, weight in zip(values, weights or [1.0] * len(values), strict=True):
        mass[value] += weight
    total = sum(mass.values())
    return [(str(v), w / total) for v, w in sorted(mass.items())]


def _multinomial(rng: random.Random, count: int, cells: list[tuple[str, float]]) -> Iterator[tuple[str, int]]:
    """`count` draws spread over `cells` as conditional binomials: ~one draw per cell, not per incident."""
    left, mass, last = count, 1.0, len(cells) - 1
    for index, (key, p) in enumerate(cells):
        if left <= 0:
            return
        n = left if index == last else rng.binomialvariate(left, min(1.0, p / mass))
        mass -= p
        if n:
            left -= n
            yield key, n


def _cell_tables(categories: list[str]) -> dict[str, list[tuple[str, float]]]:
    """The marginal distribution of every rollup figure's key. The rollup keeps marginals only (no row
    pairs a dispatch time with its arrival time), so the total time is drawn from its own marginal, the
    distribution of dispatch + arrival."""
    from jingwu.incidents.demo import HOURLY_WEIGHTS

    total: list[int] = [d + a for d in DISPATCH for a in ARRIVE]
    return {
        "incident": [(c, 1 / len(categories)) for c in categories],
        "hour": [(f"{int(h):02d}", p) for h, p in _distribution(HOURS, HOURLY_WEIGHTS)],
        "resp_dispatch": _distribution(DISPATCH),
        "resp_arrival": _distribution(ARRIVE),
        "resp_total": _distribution(total),
    }


def _day_rows(
    rng: random.Random, day: date, count: int, tables: dict[str, list[tuple[str, float]]]
) -> Iterator[tuple[str, str, int]]:
    """The rollup cells (metric, key, count) of `count` incidents of one station-day, with the
    distributions the old per-incident draw had: a category, an hour, three response-time buckets."""
    for metric in ("incident", "resp_dispatch", "resp_arrival", "resp_total"):
        for key, n in _multinomial(rng, count, tables[metric]):
            yield metric, key, n
    weekday = day.weekday()
    for hour, n in _multinomial(rng, count, tables["hour"]):
        yield "incident_wh", f"{weekday}-{hour}", n
    # Filed and cleared cases: one per 8 and one per 10 incidents, half of them criminal.
    for metric, p in (("case_filed", 0.125), ("case_cleared", 0.1)):
        n = rng.binomialvariate(count, p)
        criminal = rng.binomialvariate(n, 0.5)
        if criminal:
            yield metric, "criminal", criminal
        if n - criminal:
            yield metric, "administrative", n - criminal


def _clear(connection: Any) -> None:
    tables = ("stats_yearlycount", "stats_monthlycount", "stats_dailycount")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # no WHERE: SQLite's truncate optimisation


def _synthetic(n: int) -> int:
    """Write the rollup rows of n incidents over ten years straight into the table (COPY of text chunks
    on PostgreSQL, executemany on the raw sqlite3 connection in one transaction — the ORM would take most
    of an hour at 10M), then the monthly and yearly levels by SQL GROUP BY; returns the daily rows.

    Each station-day's cells are drawn per cell (a multinomial as conditional binomials: ~110 draws a
    station-day whatever its count), not per incident, so 10M incidents cost as little CPU as 100k."""
    from django.db import connection, transaction

    from jingwu.incidents.demo import KINDS
    from jingwu.org.models import Unit
    from jingwu.stats.rollup import rebuild_months

    _clear(connection)
    rng = random.Random(SEED)
    stations = list(Unit.objects.filter(kind="station").values_list("pk", "township_code"))
    days = (LAST - FIRST).days + 1
    mean = n / (days * len(stations))
    tables = _cell_tables(sorted({k[0] for k in KINDS}))
    columns = 'day, station_id, township, metric, "key", "count"'

    def rows() -> Iterator[tuple[str, int, str, str, str, int]]:
        for offset in range(days):
            day = FIRST + timedelta(days=offset)
            iso = day.isoformat()
            for station_id, town in stations:
                count = _poisson(rng, mean)
                if count:
                    for metric, key, c in _day_rows(rng, day, count, tables):
                        yield (iso, station_id, town or "", metric, key, c)

    written = 0
    connection.ensure_connection()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with (
                connection.connection.cursor() as cur,
                cur.copy(f"COPY stats_dailycount ({columns}) FROM STDIN") as copy,
            ):
                lines: list[str] = []
                for row in rows():
                    lines.append("\t".join(map(str, row)))
                    if len(lines) >= 100_000:
                        copy.write("\n".join(lines) + "\n")
                        written += len(lines)
                        lines = []
                if lines:
                    copy.write("\n".join(lines) + "\n")
                    written += len(lines)
        else:
            raw = connection.connection
            before = raw.total_changes
            raw.executemany(f"INSERT INTO stats_dailycount ({columns}) VALUES (?, ?, ?, ?, ?, ?)", rows())
            written = raw.total_changes - before
    rebuild_months()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return written


def _phase_measure(args: argparse.Namespace) -> None:
    _django()
    from django.core.cache import cache
    from django.db import transaction
    from django.test import Client

    from jingwu.geo.models import Division
    from jingwu.geo.reference import load_reference_data
    from jingwu.incidents.models import Incident
    from jingwu.org.demo import ensure_demo_accounts
    from jingwu.org.models import Unit, User
    from jingwu.stats import periods, scope, selectors
    from jingwu.stats.models import DailyCount

    load_reference_data()
    ensure_demo_accounts()
    leader = User.objects.get(username="leader")
    joint = Unit.objects.get(code="wp-wb")
    cases = {
        "dashboard_year_county": (periods.year(2025), "all"),
        "dashboard_quarter_joint": (periods.quarter(2025, 3), f"joint:{joint.pk}"),
        "dashboard_month_township": (periods.month(2025, 11), "township:350824105000"),
    }
    client = Client()
    client.force_login(leader)
    village = Division.objects.select_related("parent__station").get(code="350824105201")
    for size in args.sizes:
        started = time.perf_counter()
        rows = _synthetic(size)
        print(
            f"# {args.backend} N={size}: {rows} rollup rows in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        # One untimed request first: the first one loads templates and URLconf, once per process.
        assert client.get("/stats/", {"kind": "year", "value": "2025"}).status_code == 200
        for name, (period, value) in cases.items():
            for suffix, clear in (("", True), ("_cached", False)):
                samples = []
                for _ in range(args.repeat):
                    if clear:  # summed from the rollups, as the first reader after a write does
                        cache.clear()
                    actor = User.objects.get(pk=leader.pk)  # no cached scope between runs
                    start = time.perf_counter()
                    selectors.dashboard(actor=actor, period=period, selection=scope.resolve(actor, value))
                    samples.append(time.perf_counter() - start)
                _emit(name + suffix, args.backend, size, samples, rollup_rows=rows)
        for suffix, clear in (("", True), ("_cached", False)):
            samples = []
            for _ in range(args.repeat):
                if clear:
                    cache.clear()
                start = time.perf_counter()
                response = client.get("/stats/", {"kind": "year", "value": "2025"})
                samples.append(time.perf_counter() - start)
                assert response.status_code == 200
            _emit("dashboard_page_year" + suffix, args.backend, size, samples, rollup_rows=rows)
        samples = []
        for n in range(args.repeat):
            received = datetime(2025, 12, 1 + n % 28, 10, 0).astimezone()
            with transaction.atomic():
                Incident.objects.create(
                    received_at=received,
                    source="phone_110",
                    village=village,
                    area="rural",
                    category="criminal",
                    subcategory="theft",
                    narrative="基准测试",
                    station=village.parent.station,
                    unit=village.parent.station,
                    created_by=leader,
                )
                committed = time.perf_counter()
            # on_commit ran synchronously at the end of the block: the slice is already rewritten.
            samples.append(time.perf_counter() - committed)
            assert DailyCount.objects.filter(metric="incident", station=village.parent.station).exists()
        _emit("rollup_freshness_lag", args.backend, size, samples, rollup_rows=rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sizes", "--size", dest="sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--phase", default="")
    args = parser.parse_args()
    args.sizes = [int(s) for s in str(args.sizes).split(",") if s]
    if args.phase == "measure":
        _phase_measure(args)
        return
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        with tempfile.TemporaryDirectory() as folder, _database(backend, Path(folder), tag="dash") as url:
            env = _env(url)
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
            )
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.bench_dashboard",
                    "--phase",
                    "measure",
                    "--backend",
                    backend,
                    "--sizes",
                    ",".join(map(str, args.sizes)),
                    "--repeat",
                    str(args.repeat),
                ],
                cwd=ROOT,
                env=env,
                check=True,
            )


if __name__ == "__main__":
    main()
