"""Quality evaluation benchmark (执法质量考评): the live ranking of every evaluated unit for a year.

    python -m bench.bench_quality [--backend sqlite|postgres|both] [--cases N] [--deadlines M] [--repeat R]
                                  [--size N]   (= --cases N --deadlines 10N)

For each backend: a fresh database (bench/bench_intake.py's helpers: a SQLite file in a temporary
directory, or a PostgreSQL database `jingwu_bench_<pid>` on 127.0.0.1, dropped at the end), migrated and
loaded with the demo bureau (`manage.py demo_load`). Then, in a child process on that database:

1. `quality_ranking_demo`: `quality.selectors.compute(<this year>)` over the demo bureau — every
   evaluated unit's score with its explanation; the median wall time of R runs, in seconds, with the
   number of SQL queries of one run (`queries`, the same whatever the data).
2. Synthetic volume (not timed): N cases spread over the bureau's units, M derived deadlines in
   breach / met late / met (due times over the year, attributed to stations, joint stations, brigades and
   their teams), a legal review return for 20% of the cases and a return for supplementary
   investigation for 5%, then ANALYZE.
3. `quality_ranking_synthetic`: the same computation over that volume (median of R), and
   `quality_unit_records_synthetic`: one unit's drill-down (every record of every item, as the unit page
   shows them), median of R.

Each figure is one JSON line on stdout (bench.figures.emit: {"name", "backend", "size": the synthetic
cases (0 for the demo bureau), "value", "unit": "ms", "queries", ...}).
The defaults (20,000 cases, 200,000 deadlines) run in a few minutes on both backends.

Measured 2026-11-29 on the project's VM (2 cores shared with other work, load average 5–7), defaults,
22 evaluated units, 9 queries per ranking whatever the volume:

| figure | SQLite | PostgreSQL 15 |
|---|---|---|
| quality_ranking_demo (demo bureau, this year) | 0.026 s | 0.028 s |
| quality_ranking_synthetic (20k cases, 200k deadlines) | 0.275 s | 0.064 s |
| quality_unit_records_synthetic (1,074 records of one unit) | 0.331 s | 0.133 s |
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_intake import ROOT, Deadline, _commit, _database, _env, _load
from bench.figures import emit

SEED = 350824


def _django() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    import django

    django.setup()


def _timed(fn: Any, repeat: int) -> tuple[float, int]:
    """(median seconds over `repeat` runs, SQL queries of the last run)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        queries = len(captured)
    return statistics.median(times), queries


def _emit(name: str, backend: str, size: int, seconds: float, **extra: Any) -> None:
    emit(name, backend, size, seconds * 1000, "ms", **extra)


def _synthetic(cases: int, deadlines: int, year: int) -> None:
    from django.db import connection

    from jingwu.cases.models import Approval, Case
    from jingwu.org.models import Unit, User
    from jingwu.supervision.models import Deadline as Row
    from jingwu.timeline.models import LegalEvent

    rng = random.Random(SEED)
    officer = User.objects.get(username="officer")
    stations = list(Unit.objects.filter(kind__in=["station", "joint_station", "brigade"]))
    units = list(
        Unit.objects.filter(kind__in=["station", "joint_station", "brigade", "case_team", "community_team"])
    )
    start = datetime(year, 1, 1, tzinfo=UTC)
    span = (datetime(year, 12, 31, tzinfo=UTC) - start).total_seconds()

    def moment() -> datetime:
        return start + timedelta(seconds=rng.uniform(0, span))

    made = Case.objects.bulk_create(
        [
            Case(
                number=f"BQ{year}{n:07d}",
                kind="criminal" if rng.random() < 0.4 else "administrative",
                title="合成案件",
                facts="基准测试合成数据",
                source="walk_in",
                station=(station := rng.choice(stations)),
                reviewing_unit=station,
                handling_unit=rng.choice(units),
                accepted_at=moment(),
                created_by=officer,
            )
            for n in range(cases)
        ],
        batch_size=1000,
    )
    Approval.objects.bulk_create(
        [
            Approval(
                case=case,
                subject="transition:decide",
                label="作出行政处理决定",
                roles=["legal_officer", "unit_chief"],
                step=0,
                status="returned",
                history=[{"role": "legal_officer", "decision": "return", "opinion": "证据不足"}],
                submitted_by=officer,
                decided_at=moment(),
            )
            for case in made
            if rng.random() < 0.2
        ],
        batch_size=1000,
    )
    LegalEvent.objects.bulk_create(
        [
            LegalEvent(
                subject_type="case",
                subject_id=case.pk,
                code="returned_for_supplementary_investigation",
                at=moment(),
                unit=case.reviewing_unit,
            )
            for case in made
            if rng.random() < 0.05
        ],
        batch_size=1000,
    )
    batch = []
    for n in range(deadlines):
        case = rng.choice(made)
        due = moment()
        batch.append(
            Row(
                subject_type="case",
                subject_id=case.pk,
                rule_id="CR-002",
                key=f"P{n}",
                title="合成期限",
                status=rng.choices(["met", "met_late", "breach", "pending"], weights=[80, 8, 4, 8])[0],
                due_at=due,
                warn_from=due - timedelta(hours=2),
                unit_id=case.handling_unit_id,
                evaluated_at=due,
            )
        )
        if len(batch) == 5000:
            Row.objects.bulk_create(batch)
            batch = []
    Row.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _phase_measure(args: argparse.Namespace) -> None:
    _django()
    from django.utils import timezone

    from jingwu.quality import selectors
    from jingwu.quality.periods import local_date, parse_period
    from jingwu.quality.scheme import scheme
    from jingwu.quality.sources import UnitMap

    now = timezone.now()
    year = parse_period(str(local_date(now).year))
    seconds, queries = _timed(lambda: selectors.compute(year, now=now), args.repeat)
    _, rows = selectors.compute(year, now=now)
    _emit("quality_ranking_demo", args.backend, 0, seconds, queries=queries, units=len(rows))

    _synthetic(args.cases, args.deadlines, year.first.year)
    seconds, queries = _timed(lambda: selectors.compute(year, now=now), args.repeat)
    _, rows = selectors.compute(year, now=now)
    _emit(
        "quality_ranking_synthetic",
        args.backend,
        args.cases,
        seconds,
        queries=queries,
        units=len(rows),
        cases=args.cases,
        deadlines=args.deadlines,
    )
    units = UnitMap.load(scheme())
    busiest = rows[-1].unit.id  # the lowest score: the most records to show
    seconds, queries = _timed(
        lambda: selectors.unit_records(units, busiest, year, local_date(now), scheme()), args.repeat
    )
    records = selectors.unit_records(units, busiest, year, local_date(now), scheme())
    _emit(
        "quality_unit_records_synthetic",
        args.backend,
        args.cases,
        seconds,
        queries=queries,
        records=sum(len(r) for r in records.values()),
    )


def _bench_backend(backend: str, args: argparse.Namespace, deadline: Deadline, tmp: Path) -> None:
    with _database(backend, tmp) as database_url:
        env = _env(database_url)
        for command in (["migrate", "--verbosity", "0"], ["demo_load"]):
            done = subprocess.run(
                [sys.executable, "manage.py", *command],
                env=env,
                cwd=ROOT,
                timeout=deadline.left(),
                capture_output=True,
                text=True,
            )
            if done.returncode:  # the demo's PDF rendering is noisy on stderr: show it only on failure
                print(done.stderr[-4000:], file=sys.stderr)
                raise RuntimeError(f"manage.py {command[0]} failed")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.bench_quality",
                "--phase",
                "measure",
                "--backend",
                backend,
                "--cases",
                str(args.cases),
                "--deadlines",
                str(args.deadlines),
                "--repeat",
                str(args.repeat),
            ],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=deadline.left(),
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_quality",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--deadlines", type=int, default=200_000)
    parser.add_argument("--size", type=int, default=0, help="N cases and 10 N deadlines (overrides both)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--phase", choices=["measure"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.size:
        args.cases, args.deadlines = args.size, 10 * args.size
    if args.phase == "measure":
        _phase_measure(args)
        return 0
    deadline = Deadline(args.timeout)
    print(f"# commit {_commit()}, load {_load()}", file=sys.stderr, flush=True)
    failed = False
    with tempfile.TemporaryDirectory(prefix="jingwu-bench-quality-") as tmp:
        for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
            try:
                _bench_backend(backend, args, deadline, Path(tmp))
            except Exception as exc:  # report, clean up (the context managers did), go on
                traceback.print_exc()
                print(f"[{backend}] benchmark failed: {exc!r}", file=sys.stderr, flush=True)
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
