"""Deadline sweep benchmark (期限巡检): the per-minute sweep over N derived deadlines, beside a full scan.

    python -m bench.bench_sweep [--backend sqlite|postgres|both] [--size N] [--repeat R] [--timeout S]

For each backend: a fresh database (a SQLite file in a temporary directory, or a PostgreSQL database
`jingwu_bench_<pid>` on 127.0.0.1, dropped at the end — bench/bench_intake.py's helpers), migrated and set
up by `bench.bench_intake --phase setup`. Then, in a child process on that database:

1. N synthetic derived deadlines are bulk-inserted (not timed): realistic statuses and times as the engine
   leaves them one minute before the sweep — 70% open (pending/warning/breach as their times say: due
   times spread from 30 days ago to 60 days ahead, mostly hours to days ahead, warning windows of 2 hours
   to 1 day), 30% closed (met, met late, cancelled, suppressed); subjects of 1–6 deadlines each, 83
   units. Then ANALYZE, as autovacuum would.
2. `supervision_sweep`: `supervision.services.deadlines_sweep(now=T)` for T = one minute later, then
   R-1 more sweeps one minute apart (each finds what crossed its warning or due minute); the figure is
   the median wall time of the R sweeps, in seconds. `found` = deadlines moved per sweep (median).
3. `supervision_sweep_full_scan_baseline`: the same question answered by a loop over every row
   (`Deadline.objects.values_list(...).iterator()` on all N rows, status decided in Python, then the same
   updates) — what a sweep that loads every case's deadlines costs. **The baseline of the ratio.**

Every figure is one JSON line on stdout (bench.figures.emit: {"name", "backend", "size", "value", "unit":
"ms", "baseline", "ratio", ...}; the sweep's baseline is the full scan); the query plan of the sweep's
due-time query is reported with it (`plan`). The default (N=100,000 on both backends) runs in well
under 5 minutes; `--size 1000000` measures 1M.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_intake import ROOT, Deadline, _commit, _database, _env, _load
from bench.figures import emit

SEED = 350824
SWEEP = "supervision_sweep"
BASELINE = "supervision_sweep_full_scan_baseline"


# --------------------------------------------------------------------------------------------------
# Child phase: run with DATABASE_URL set
# --------------------------------------------------------------------------------------------------


def _synthetic(size: int, t0: datetime, unit_ids: list[int]) -> int:
    """Insert `size` deadlines as a sweep at `t0` would have left them; returns the count."""
    from jingwu.supervision.models import Deadline as Row

    rng = random.Random(SEED)
    rules = ["CR-002", "CR-003", "CR-004", "CR-005", "CR-010", "AD-003", "AD-007", "D110-003", "PR-001"]
    batch: list[Row] = []
    made = 0
    subject = 0
    per_subject = 0
    while made < size:
        if per_subject == 0:
            subject += 1
            per_subject = rng.randint(1, 6)
            unit_id = rng.choice(unit_ids)
            subject_type = "incident" if rng.random() < 0.2 else "case"
        per_subject -= 1
        # Due times: mostly hours to days ahead, some long ago (old breaches), some weeks ahead.
        draw = rng.random()
        if draw < 0.15:
            due = t0 - timedelta(minutes=rng.uniform(1, 30 * 24 * 60))
        elif draw < 0.85:
            due = t0 + timedelta(minutes=rng.uniform(1, 5 * 24 * 60))
        else:
            due = t0 + timedelta(minutes=rng.uniform(5 * 24 * 60, 60 * 24 * 60))
        due = due.replace(second=0, microsecond=0)
        warn = due - timedelta(minutes=rng.choice((120, 120, 120, 24 * 60)))
        closed = rng.random() < 0.3
        if closed:
            status = rng.choice(("met", "met", "met", "met_late", "cancelled", "suppressed"))
            warn_from = None if status != "suppressed" else warn
            due_at = None if status == "suppressed" else due
        else:
            status = "breach" if due < t0 else "warning" if warn <= t0 else "pending"
            warn_from, due_at = warn, due
        batch.append(
            Row(
                subject_type=subject_type,
                subject_id=subject,
                rule_id=rules[made % len(rules)] if subject_type == "case" else "D110-003",
                key=f"P{made}",
                title="合成期限",
                citation="",
                status=status,
                due_at=due_at,
                warn_from=warn_from,
                unit_id=unit_id,
                evaluated_at=t0,
                notified_warning_at=t0 if status in ("warning", "breach") else None,
                notified_breach_at=t0 if status == "breach" else None,
            )
        )
        made += 1
        if len(batch) >= 5000:
            Row.objects.bulk_create(batch, batch_size=1000)
            batch.clear()
    if batch:
        Row.objects.bulk_create(batch, batch_size=1000)
    return made


def _full_scan_sweep(now: datetime) -> tuple[int, int]:
    """The baseline: every deadline row read and decided in Python, then the same two updates."""
    from django.db import transaction

    from jingwu.supervision.models import Deadline as Row

    breach, warning = [], []
    with transaction.atomic():
        rows = Row.objects.order_by().values_list("pk", "status", "warn_from", "due_at")
        for pk, status, warn_from, due_at in rows.iterator(chunk_size=5000):
            if status in ("pending", "warning") and due_at is not None and due_at < now:
                breach.append(pk)
            elif status == "pending" and warn_from is not None and warn_from <= now:
                warning.append(pk)
        for ids, values in ((breach, {"status": "breach"}), (warning, {"status": "warning"})):
            for i in range(0, len(ids), 500):
                Row.objects.filter(pk__in=ids[i : i + 500]).update(**values)
    return len(warning), len(breach)


def _plan(now: datetime) -> str:
    from jingwu.supervision.models import Deadline as Row

    query = Row.objects.filter(status__in=("pending", "warning"), due_at__lt=now).order_by().values_list("pk")
    plan = " ".join(query.explain().split())
    return plan[:160]


def _phase_measure(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from jingwu.org.models import Unit
    from jingwu.supervision.models import Deadline as Row
    from jingwu.supervision.services import deadlines_sweep

    t0 = timezone.now().replace(second=0, microsecond=0)
    unit_ids = list(Unit.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    made = _synthetic(args.size, t0, unit_ids)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE supervision_deadline")
    insert_seconds = time.perf_counter() - started
    assert Row.objects.count() == made

    def figure(name: str, seconds: float, **extra: Any) -> dict[str, Any]:
        return emit(name, args.backend, made, seconds * 1000, "ms", **extra)  # ms: 3 decimals suffice

    times, found = [], []
    for k in range(1, args.repeat + 1):
        begin = time.perf_counter()
        result = deadlines_sweep(now=t0 + timedelta(minutes=k))
        times.append(time.perf_counter() - begin)
        found.append(result.warnings + result.breaches)
    sweep_seconds, sweep_found = statistics.median(times), statistics.median(found)
    # The baseline sweeps the following minutes (same kind of work: a minute's worth of crossings).
    times, found = [], []
    for k in range(args.repeat + 1, args.repeat + 1 + args.baseline_repeat):
        begin = time.perf_counter()
        warned, breached = _full_scan_sweep(t0 + timedelta(minutes=k))
        times.append(time.perf_counter() - begin)
        found.append(warned + breached)
    base = statistics.median(times)
    baseline = figure(BASELINE, base, repeats=args.baseline_repeat, found=statistics.median(found))
    sweep = emit(
        SWEEP,
        args.backend,
        made,
        sweep_seconds * 1000,
        "ms",
        baseline,
        repeats=args.repeat,
        found=sweep_found,
        plan=_plan(t0),
        insert_s=round(insert_seconds, 1),
    )
    print(
        f"[{args.backend}] N={made}: sweep {sweep['value']:.2f} ms, full scan {base * 1000:.0f} ms "
        f"(×{base / sweep_seconds:.0f}); insert {insert_seconds:.1f} s",
        file=sys.stderr,
        flush=True,
    )


# --------------------------------------------------------------------------------------------------
# The orchestrator
# --------------------------------------------------------------------------------------------------


def _bench_backend(backend: str, args: argparse.Namespace, deadline: Deadline, tmp: Path) -> None:
    with _database(backend, tmp) as database_url:
        env = _env(database_url)
        subprocess.run(
            [sys.executable, "-m", "bench.bench_intake", "--phase", "setup"],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=deadline.left(),
        )
        command = [
            sys.executable,
            "-m",
            "bench.bench_sweep",
            "--phase",
            "measure",
            "--backend",
            backend,
            "--size",
            str(args.size),
            "--repeat",
            str(args.repeat),
            "--baseline-repeat",
            str(args.baseline_repeat),
        ]
        subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=deadline.left())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_sweep",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--size", type=int, default=100_000, help="derived deadlines (default 100,000)")
    parser.add_argument("--repeat", type=int, default=5, help="sweeps measured (median; default 5)")
    parser.add_argument("--baseline-repeat", type=int, default=3, help="full scans measured (default 3)")
    parser.add_argument("--timeout", type=float, default=1800, help="global bound in seconds (default 1800)")
    parser.add_argument("--phase", choices=["measure"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase == "measure":
        _phase_measure(args)
        return 0

    deadline = Deadline(args.timeout)
    print(f"# commit {_commit()}, load {_load()}", file=sys.stderr, flush=True)
    failed = False
    with tempfile.TemporaryDirectory(prefix="jingwu-bench-sweep-") as tmp:
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
