"""Dashboard benchmark (统计看板): how fast the dashboard answers from the rollups, at county and
province volumes.

    python -m bench.bench_dashboard [--backend sqlite|postgres|both] [--size(s) 100000,1000000] [--repeat R]

For each backend: a fresh database (a SQLite file in a temporary directory, or a PostgreSQL database
`jingwu_bench_dash_<pid>` on 127.0.0.1 — prefix from $BENCH_DB_PREFIX — dropped at the end), migrated and
loaded with the reference data (Wuping's divisions and units) and the demo accounts. Then, for each size N:

1. Synthetic rollups (not timed): the DailyCount rows that N incidents spread over ten years
   (2016-01-01 … 2025-12-31) across the 17 stations would give — per station-day a Poisson number of
   incidents, each drawn into a category, an hour and three response-time buckets as the rollup counts
   them (the raw incident rows are not written: the dashboard never reads them), plus filed and cleared
   cases (one per 8 incidents), written with COPY / executemany; then the monthly and yearly levels
   (rollup.rebuild_months) and ANALYZE.
2. `dashboard_year_county`, `dashboard_quarter_joint`, `dashboard_month_township`:
   `stats.selectors.dashboard` as `leader`, p50/p95 over R runs, for a year of
   the whole county, a quarter of the 武北 joint station and a month of one township.
3. `dashboard_page_year`: `GET /stats/?kind=year&value=2025` through Django's test client (the whole
   page: middleware, template, the quality and mediation figures read live), p50/p95 over R runs.
4. `rollup_freshness_lag`: an incident saved in a transaction; the time from the commit until its
   rollup slice is rewritten (the refresh runs on commit, in the writer's request), p50/p95 over R.

Each figure is one JSON line on stdout (bench.figures.emit): `<name>_p50` and `<name>_p95` in ms.

Measured 2026-11-29 on the project's VM (2 cores shared with five other agents' work): see docs/statistics.md.
"""

from __future__ import annotations

import argparse
import contextlib
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

from bench.bench_intake import PG_SERVER, ROOT, _env
from bench.figures import emit, percentile

SEED = 350824
FIRST, LAST = date(2016, 1, 1), date(2025, 12, 31)
HOURS = list(range(24))
DISPATCH = [1, 2, 2, 3, 4, 6, 12]
ARRIVE = list(range(3, 35))


@contextlib.contextmanager
def _database(backend: str, tmp: Path) -> Iterator[str]:
    """A fresh database: a SQLite file in `tmp`, or a PostgreSQL database `<BENCH_DB_PREFIX>_dash_<pid>`
    (default prefix jingwu_bench; a session keeps to its own names with it), dropped at the end."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"{os.environ.get('BENCH_DB_PREFIX', 'jingwu_bench')}_dash_{os.getpid()}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    import django

    django.setup()


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50": percentile(ordered, 0.5) * 1000, "p95": percentile(ordered, 0.95) * 1000}


def _emit(name: str, backend: str, size: int, samples: list[float], **extra: Any) -> None:
    """Two figures per measurement, `<name>_p50` and `<name>_p95`, in milliseconds."""
    for which, value in _percentiles(samples).items():
        emit(f"{name}_{which}", backend, size, value, "ms", runs=len(samples), **extra)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:  # the normal approximation: inversion would draw ~mean uniforms per station-day
        return max(0, round(rng.gauss(mean, mean**0.5)))
    count, limit, product = 0, math.exp(-mean), rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _day_cells(rng: random.Random, day: date, count: int, categories: list[str]) -> Counter[tuple[str, str]]:
    """The rollup cells of `count` incidents of one station-day, drawn as the rollup counts them."""
    from jingwu.incidents.demo import HOURLY_WEIGHTS

    cells: Counter[tuple[str, str]] = Counter()
    cells.update(("incident", c) for c in rng.choices(categories, k=count))
    cells.update(
        ("incident_wh", f"{day.weekday()}-{h:02d}") for h in rng.choices(HOURS, HOURLY_WEIGHTS, k=count)
    )
    dispatch = rng.choices(DISPATCH, k=count)
    arrive = rng.choices(ARRIVE, k=count)
    cells.update(("resp_dispatch", str(d)) for d in dispatch)
    cells.update(("resp_arrival", str(a)) for a in arrive)
    cells.update(("resp_total", str(d + a)) for d, a in zip(dispatch, arrive, strict=True))
    # Filed and cleared cases: one per 8 and one per 10 incidents, half of them criminal.
    for metric, p in (("case_filed", 0.125), ("case_cleared", 0.1)):
        n = rng.binomialvariate(count, p)
        criminal = rng.binomialvariate(n, 0.5)
        cells[(metric, "criminal")] += criminal
        cells[(metric, "administrative")] += n - criminal
    return +cells


def _synthetic(n: int) -> int:
    """Write the rollup rows of n incidents over ten years (straight into the table: COPY on
    PostgreSQL, executemany on SQLite — the ORM would take most of an hour at 10M); returns the rows."""
    from django.db import connection, transaction

    from jingwu.incidents.demo import KINDS
    from jingwu.org.models import Unit
    from jingwu.stats.models import DailyCount, MonthlyCount, YearlyCount
    from jingwu.stats.rollup import rebuild_months

    for model in (YearlyCount, MonthlyCount, DailyCount):
        model.objects.all().delete()
    rng = random.Random(SEED)
    stations = list(Unit.objects.filter(kind="station").values_list("pk", "township_code"))
    days = (LAST - FIRST).days + 1
    mean = n / (days * len(stations))
    categories = sorted({k[0] for k in KINDS})
    columns = 'day, station_id, township, metric, "key", "count"'

    def rows() -> Iterator[tuple[Any, ...]]:
        for offset in range(days):
            day = FIRST + timedelta(days=offset)
            for station_id, town in stations:
                count = _poisson(rng, mean)
                if count:
                    for (metric, key), c in _day_cells(rng, day, count, categories).items():
                        yield (day, station_id, town or "", metric, key, c)

    written = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            raw = connection.connection
            with raw.cursor() as cur, cur.copy(f"COPY stats_dailycount ({columns}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
                    written += 1
        else:
            insert = f"INSERT INTO stats_dailycount ({columns}) VALUES (%s, %s, %s, %s, %s, %s)"
            with connection.cursor() as cursor:
                batch: list[tuple[Any, ...]] = []
                for row in rows():
                    batch.append((row[0].isoformat(), *row[1:]))
                    if len(batch) >= 50000:
                        cursor.executemany(insert, batch)
                        written += len(batch)
                        batch = []
                cursor.executemany(insert, batch)
                written += len(batch)
    rebuild_months()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return written


def _phase_measure(args: argparse.Namespace) -> None:
    _django()
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
        for name, (period, value) in cases.items():
            samples = []
            for _ in range(args.repeat):
                actor = User.objects.get(pk=leader.pk)  # no cached scope between runs
                start = time.perf_counter()
                selectors.dashboard(actor=actor, period=period, selection=scope.resolve(actor, value))
                samples.append(time.perf_counter() - start)
            _emit(name, args.backend, size, samples, rollup_rows=rows)
        samples = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get("/stats/", {"kind": "year", "value": "2025"})
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200
        _emit("dashboard_page_year", args.backend, size, samples, rollup_rows=rows)
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
        with tempfile.TemporaryDirectory() as folder, _database(backend, Path(folder)) as url:
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
