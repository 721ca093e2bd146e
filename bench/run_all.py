"""Run every benchmark (全部基准测试, `make bench`): each `bench/bench_*.py` module on SQLite and on
PostgreSQL, in its own process with a time budget, collecting the figures they print.

    python -m bench.run_all [--size tiny|small|default|large] [--backend sqlite|postgres|both]
                            [--only bench_cases,bench_sweep] [--budget SECONDS] [--out DIR]

Each figure is one JSON line (bench/figures.py: name, backend, size, value, unit, baseline, ratio, …), to
which the runner adds `module`; the lines go to stdout and to `var/bench/<timestamp>.jsonl`. After each
module run one more line records the run itself: {"name": "bench_run", "value": seconds, "unit": "s",
"module", "status": ok | failed | timeout | skipped, "figures": n}. A benchmark that fails or runs out of
time is reported and the others still run; the exit status is 1 when any did.

The modules and their arguments per size are in MODULES; a `bench/bench_*.py` not listed there is run with
its own defaults (not at size tiny). The default size finishes within 30 minutes on the project's 2-core
machine: each run gets at most its budget and the whole suite at most `--budget` (default per size);
what no longer fits is skipped and reported. On a timeout the module gets SIGINT (its clean-up drops its
`jingwu_bench_<pid>` database and stops its servers), then, 30 s later, its whole process group is killed
and the database dropped here.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
SIZES = ("tiny", "small", "default", "large")
REQUIRED = ("name", "backend", "size", "value", "unit")
# Whole-suite bound per size, seconds (default: 30 minutes less a margin for the runner itself).
BUDGETS = {"tiny": 1200, "small": 900, "default": 1740, "large": 4 * 3600}


class Module:
    """How to run one benchmark module: arguments and time budget (seconds) per size."""

    def __init__(
        self,
        args: dict[str, list[str]],
        budget: dict[str, int],
        *,
        per_backend: bool = True,
        timeout_flag: bool = False,
    ) -> None:
        self.args, self.budget = args, budget
        self.per_backend = per_backend  # False: no database, run once
        self.timeout_flag = timeout_flag  # the module bounds itself with --timeout too


# Ordered by what matters most for issue 11's targets, cheapest first within that.
MODULES: dict[str, Module] = {
    "bench_pdf": Module(
        {
            "tiny": ["--count", "1"],
            "small": ["--count", "3"],
            "default": ["--count", "10"],
            "large": ["--count", "30"],
        },
        {"tiny": 300, "small": 120, "default": 120, "large": 300},
        per_backend=False,
    ),
    "bench_sweep": Module(
        {
            "tiny": ["--size", "2000", "--repeat", "2", "--baseline-repeat", "1"],
            "small": ["--size", "10000"],
            "default": ["--size", "100000"],
            "large": ["--size", "1000000"],
        },
        {"tiny": 600, "small": 240, "default": 200, "large": 1800},
        timeout_flag=True,
    ),
    "bench_intake": Module(
        {
            "tiny": ["--count", "20", "--warmup", "5", "--concurrency", "4", "--batch", "1"],
            "small": ["--count", "300", "--batch", "50"],
            "default": ["--count", "1000"],
            "large": ["--count", "5000", "--conn-max-age-variant"],
        },
        {"tiny": 600, "small": 300, "default": 270, "large": 1800},
        timeout_flag=True,
    ),
    "bench_cases": Module(
        {
            "tiny": ["--size", "200", "--count", "20", "--gets", "20", "--transitions", "10"],
            "small": ["--size", "2000", "--count", "100", "--gets", "100", "--transitions", "50"],
            "default": ["--size", "50000"],
            "large": ["--size", "200000", "--count", "1000", "--gets", "1000", "--transitions", "1000"],
        },
        {"tiny": 600, "small": 400, "default": 330, "large": 2400},
        timeout_flag=True,
    ),
    "bench_import": Module(
        {"small": ["--size", "20000"], "default": ["--size", "100000"], "large": ["--size", "1000000"]},
        {"small": 240, "default": 240, "large": 1800},
        timeout_flag=True,
    ),
    "bench_partitions": Module(
        {
            "small": ["--size", "20000", "--rows", "300"],
            "default": ["--size", "200000"],
            "large": ["--size", "2000000"],
        },
        {"small": 240, "default": 150, "large": 1800},
    ),
    "bench_quality": Module(
        {
            "tiny": ["--size", "200", "--repeat", "2"],
            "small": ["--size", "2000"],
            "default": ["--size", "20000"],
            "large": ["--size", "100000"],
        },
        {"tiny": 600, "small": 300, "default": 150, "large": 1800},
        timeout_flag=True,
    ),
    "bench_dashboard": Module(
        {"small": ["--size", "100000"], "default": ["--size", "1000000"], "large": ["--size", "10000000"]},
        {"small": 300, "default": 180, "large": 3600},
    ),
    "bench_search": Module(
        {
            "small": ["--size", "10000"],
            "default": ["--size", "100000", "--workers", "2"],
            "large": ["--size", "1000000", "--workers", "2"],
        },
        {"small": 300, "default": 180, "large": 3600},
    ),
}
UNLISTED_BUDGET = {"small": 300, "default": 150, "large": 1800}


def discover() -> list[str]:
    """The benchmark modules present: MODULES' order first, then any other bench/bench_*.py."""
    present = sorted(path.stem for path in BENCH.glob("bench_*.py"))
    return [name for name in MODULES if name in present] + [name for name in present if name not in MODULES]


def plan(size: str, only: list[str] | None) -> list[tuple[str, list[str], int, bool, bool]]:
    """(module, arguments, budget, per_backend, timeout_flag) of every run at this size."""
    runs = []
    for name in discover():
        if only and name not in only:
            continue
        module = MODULES.get(name)
        if module is None:
            if size in UNLISTED_BUDGET:
                runs.append((name, [], UNLISTED_BUDGET[size], True, False))
        elif size in module.args:
            runs.append(
                (name, module.args[size], module.budget[size], module.per_backend, module.timeout_flag)
            )
    return runs


def _drop_database(pid: int) -> None:
    """The databases a killed module left behind: `<BENCH_DB_PREFIX>[_<tag>]_<pid>` (bench_intake's
    `_database`) and bench_partitions' `jingwu_scale_bench_*` of that pid."""
    prefixes = (os.environ.get("BENCH_DB_PREFIX", "jingwu_bench"), "jingwu_scale_bench")
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=10) as conn:
            names = [
                name
                for (name,) in conn.execute("SELECT datname FROM pg_database").fetchall()
                if name.startswith(prefixes) and name.endswith(f"_{pid}")
            ]
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as exc:  # report only: the run's result stands
        print(f"# could not drop the databases of pid {pid}: {exc!r}", file=sys.stderr, flush=True)


def run_one(
    module: str, backend: str, arguments: list[str], seconds: float, timeout_flag: bool, sink: Any
) -> dict[str, Any]:
    """Run one module on one backend within `seconds`; forward its figures; return its bench_run line."""
    command = [sys.executable, "-m", f"bench.{module}", *arguments]
    if backend != "none":
        command += ["--backend", backend]
    if timeout_flag:
        command += ["--timeout", str(int(max(30, seconds - 30)))]
    print(
        f"# {module} [{backend}]: {' '.join(command[2:])} (budget {seconds:.0f} s)",
        file=sys.stderr,
        flush=True,
    )
    began = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True, env={**os.environ}
    )
    figures, malformed = 0, 0
    status = "ok"
    assert process.stdout is not None
    deadline = began + seconds
    interrupted = False

    # Read line by line; a watchdog thread interrupts the module when its budget has passed.
    def watchdog() -> None:
        nonlocal interrupted
        while process.poll() is None:
            if time.monotonic() > deadline and not interrupted:
                interrupted = True
                print(f"# {module} [{backend}]: out of time, interrupting", file=sys.stderr, flush=True)
                with _quiet():
                    process.send_signal(signal.SIGINT)  # clean-up runs: databases dropped, servers stopped
            if interrupted and time.monotonic() > deadline + 30:
                with _quiet():
                    os.killpg(process.pid, signal.SIGKILL)
                return
            time.sleep(0.5)

    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    for line in process.stdout:
        line = line.strip()
        try:
            figure = json.loads(line)
        except ValueError:
            figure = None
        if not isinstance(figure, dict) or "name" not in figure:
            if line:
                print(f"  {module}: {line}", file=sys.stderr, flush=True)
            continue
        if any(key not in figure for key in REQUIRED):
            malformed += 1
        figure = {**figure, "module": module}
        sink(figure)
        figures += 1
    code = process.wait()
    guard.join(timeout=35)
    if interrupted:
        status = "timeout"
    elif code != 0:
        status = f"failed (exit {code})"
    if backend == "postgres" and (interrupted or code != 0):
        _drop_database(process.pid)
    return {
        "name": "bench_run",
        "backend": backend,
        "size": 0,
        "value": round(time.monotonic() - began, 1),
        "unit": "s",
        "baseline": None,
        "ratio": None,
        "module": module,
        "arguments": arguments,
        "status": status,
        "figures": figures,
        "malformed_figures": malformed,
    }


class _quiet:
    """Ignore the process having already gone."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, value: Any, trace: Any) -> bool:
        return kind is not None and issubclass(kind, ProcessLookupError | PermissionError)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run_all",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size", choices=SIZES, default="default")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--only", default="", help="comma-separated module names (default: all)")
    parser.add_argument(
        "--budget", type=float, default=0, help="whole-suite bound in seconds (default per size)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench", help="where the .jsonl goes")
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()] or None
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    budget = args.budget or BUDGETS[args.size]
    end = time.monotonic() + budget
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{args.size}.jsonl"
    runs: list[dict[str, Any]] = []
    print(
        f"# make bench: size {args.size}, backends {', '.join(backends)}, budget {budget:.0f} s, "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} — figures go to {target}",
        file=sys.stderr,
        flush=True,
    )
    with target.open("w", encoding="utf-8") as output:

        def sink(figure: dict[str, Any]) -> None:
            line = json.dumps(figure, ensure_ascii=False)
            print(line, flush=True)
            output.write(line + "\n")
            output.flush()

        # PostgreSQL first (the targets are stated for it): when the budget runs short, SQLite runs are
        # the ones skipped. A module without a database runs once, in the first pass.
        for index, backend in enumerate(sorted(backends, key=["postgres", "sqlite"].index)):
            for module, arguments, seconds, per_backend, timeout_flag in plan(args.size, only):
                if not per_backend and index:
                    continue
                where = backend if per_backend else "none"
                left = end - time.monotonic()
                if left < min(60, seconds):
                    record = {
                        "name": "bench_run", "backend": where, "size": 0, "value": 0.0, "unit": "s",
                        "baseline": None, "ratio": None, "module": module, "arguments": arguments,
                        "status": "skipped", "figures": 0, "malformed_figures": 0,
                    }  # fmt: skip
                else:
                    record = run_one(module, where, arguments, min(seconds, left), timeout_flag, sink)
                sink(record)
                runs.append(record)
    bad = [r for r in runs if r["status"] != "ok" or r["malformed_figures"]]
    print(f"\n# {len(runs)} runs, {len(bad)} not clean; figures in {target}", file=sys.stderr)
    for record in runs:
        print(
            f"#   {record['module']:<18} {record['backend']:<9} {record['status']:<16} "
            f"{record['figures']:>3} figures  {record['value']:>7.1f} s"
            + (
                f"  ({record['malformed_figures']} without {'/'.join(REQUIRED)})"
                if record["malformed_figures"]
                else ""
            ),
            file=sys.stderr,
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
