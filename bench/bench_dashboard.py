"""Dashboard benchmark (统计看板): how fast the dashboard answers from the rollups, at county and
province volumes.

    python -m bench.bench_dashboard [--backend sqlite|postgres|both] [--sizes 100000,1000000] [--repeat R]

For each backend: a fresh database (bench/bench_intake.py's helpers: a SQLite file in a temporary
directory, or a PostgreSQL database `jingwu_bench_<pid>` on 127.0.0.1, dropped at the end), migrated and
loaded with the reference data (Wuping's divisions and units) and the demo accounts. Then, for each size N:

1. Synthetic rollups (not timed): the DailyCount rows that N incidents spread over ten years
   (2016-01-01 … 2025-12-31) across the 17 stations would give — per station-day a Poisson number of
   incidents, each drawn into a category, an hour and three response-time buckets as the rollup counts
   them (the raw incident rows are not written: the dashboard never reads them), plus filed and cleared
   cases (one per 8 incidents). Then ANALYZE.
2. `dashboard_selector_*`: `stats.selectors.dashboard` as `leader`, p50/p95 over R runs, for a year of
   the whole county, a quarter of the 武北 joint station and a month of one township.
3. `dashboard_page_year`: `GET /stats/?kind=year&value=2025` through Django's test client (the whole
   page: middleware, template, the quality and mediation figures read live), p50/p95 over R runs.
4. `rollup_freshness_lag`: an incident saved in a transaction; the time from the commit until its
   rollup slice is rewritten (the refresh runs on commit, in the writer's request), p50/p95 over R.

Each figure is one JSON line on stdout ({"name", "backend", "size", "p50_ms", "p95_ms", "rollup_rows"}).

Measured 2026-11-29 on the project's VM (2 cores shared with five other agents' work): see docs/statistics.md.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_intake import ROOT, _database, _env

SEED = 350824
FIRST, LAST = date(2016, 1, 1), date(2025, 12, 31)


def _django() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    import django

    django.setup()


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2)}


def _emit(name: str, backend: str, size: int, samples: list[float], **extra: Any) -> None:
    print(
        json.dumps({"name": name, "backend": backend, "size": size, **_percentiles(samples), **extra}),
        flush=True,
    )


def _synthetic(n: int) -> int:
    """Write the rollup rows of n incidents over ten years; returns the rows written."""
    from django.db import connection

    from jingwu.incidents.demo import HOURLY_WEIGHTS, KINDS
    from jingwu.org.models import Unit
    from jingwu.stats.models import DailyCount
    from jingwu.stats.rollup import rebuild_months

    DailyCount.objects.all().delete()
    rng = random.Random(SEED)
    stations = list(Unit.objects.filter(kind="station").values_list("pk", "township_code"))
    days = (LAST - FIRST).days + 1
    mean = n / (days * len(stations))
    categories = sorted({k[0] for k in KINDS})
    hours = [f"{h:02d}" for h in range(24)]
    written = 0
    batch: list[DailyCount] = []
    for offset in range(days):
        day = FIRST + timedelta(days=offset)
        for station_id, town in stations:
            # A Poisson count by inversion (mean is small at county sizes, ~16 at a million).
            count, limit, product = 0, pow(2.718281828, -mean), rng.random()
            while product > limit:
                count += 1
                product *= rng.random()
            if not count:
                continue
            cells: dict[tuple[str, str], int] = {}

            def add(metric: str, key: str, cells: dict[tuple[str, str], int] = cells) -> None:
                cells[(metric, key)] = cells.get((metric, key), 0) + 1

            for category in rng.choices(categories, k=count):
                add("incident", category)
            for hour in rng.choices(hours, HOURLY_WEIGHTS, k=count):
                add("incident_wh", f"{day.weekday()}-{hour}")
            for _ in range(count):
                dispatch, arrive = rng.choice([1, 2, 2, 3, 4, 6, 12]), rng.randrange(3, 35)
                add("resp_dispatch", str(dispatch))
                add("resp_arrival", str(arrive))
                add("resp_total", str(dispatch + arrive))
                if rng.random() < 0.125:
                    add("case_filed", rng.choice(["criminal", "administrative"]))
                if rng.random() < 0.1:
                    add("case_cleared", rng.choice(["criminal", "administrative"]))
            batch += [
                DailyCount(day=day, station_id=station_id, township=town, metric=m, key=k, count=c)
                for (m, k), c in cells.items()
            ]
            if len(batch) >= 20000:
                DailyCount.objects.bulk_create(batch)
                written += len(batch)
                batch = []
    DailyCount.objects.bulk_create(batch)
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
        "dashboard_selector_year_county": (periods.year(2025), "all"),
        "dashboard_selector_quarter_joint": (periods.quarter(2025, 3), f"joint:{joint.pk}"),
        "dashboard_selector_month_township": (periods.month(2025, 11), "township:350824105000"),
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
    parser.add_argument("--sizes", default="100000,1000000")
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
