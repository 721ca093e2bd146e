"""`make bench` (bench/run_all.py) end to end at the tiny size on SQLite: the benchmarks run as separate
processes, every figure comes out as one JSON line with the required keys (stdout and the .jsonl file),
each run is recorded, and a failing benchmark is reported without stopping the others. No timing is
asserted here: speed belongs in bench/."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import run_all

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {"name", "backend", "size", "value", "unit", "baseline", "ratio"}


def _run(tmp_path: Path, only: str) -> tuple[int, list[dict], list[dict]]:
    """Run the runner at the tiny size on SQLite; (exit status, lines printed, lines stored)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.run_all", "--size", "tiny", "--backend", "sqlite", "--only", only,
         "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    if done.returncode:
        print(done.stderr[-3000:])  # shown by pytest when the test fails
    printed = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    [written] = tmp_path.glob("*-tiny.jsonl")
    stored = [json.loads(line) for line in written.read_text(encoding="utf-8").splitlines()]
    return done.returncode, printed, stored


@pytest.mark.slow
def test_the_pdf_benchmark_through_the_runner(tmp_path: Path) -> None:
    code, printed, stored = _run(tmp_path, "bench_pdf")
    assert code == 0
    assert printed == stored  # what is shown is what is kept
    [figure, run] = printed
    assert figure.keys() >= REQUIRED
    assert (figure["name"], figure["module"], figure["unit"], figure["size"]) == (
        "pdf_render",
        "bench_pdf",
        "s",
        1,
    )
    assert figure["value"] > 0
    assert (run["name"], run["module"], run["status"], run["figures"]) == ("bench_run", "bench_pdf", "ok", 1)
    assert run["malformed_figures"] == 0


@pytest.mark.slow
def test_a_database_benchmark_on_sqlite(tmp_path: Path) -> None:
    code, printed, _ = _run(tmp_path, "bench_sweep")
    assert code == 0
    figures = {f["name"]: f for f in printed if f["name"] != "bench_run"}
    assert set(figures) == {"supervision_sweep", "supervision_sweep_full_scan_baseline"}
    for figure in figures.values():
        assert figure.keys() >= REQUIRED
        assert (figure["backend"], figure["size"], figure["unit"]) == ("sqlite", 2000, "ms")
    sweep = figures["supervision_sweep"]
    assert sweep["baseline"] == "supervision_sweep_full_scan_baseline"
    assert sweep["ratio"] == pytest.approx(
        sweep["value"] / figures["supervision_sweep_full_scan_baseline"]["value"], rel=0.01
    )


def test_a_failing_benchmark_is_reported_and_not_fatal(tmp_path: Path) -> None:
    seen: list[dict] = []
    record = run_all.run_one("bench_does_not_exist", "sqlite", [], 60, False, seen.append)
    assert record["status"] == "failed (exit 1)" and record["figures"] == 0 and seen == []
    assert record.keys() >= REQUIRED
