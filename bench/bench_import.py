"""Legacy import benchmark (历史警情导入): rows/s of the `import_incidents` service on a fresh database.

    python -m bench.bench_import [--backend sqlite|postgres|both] [--size N] [--bad-share 0.03]
                                 [--profile] [--timeout S]

For each backend: a fresh database (a SQLite file, or a PostgreSQL database `<BENCH_DB_PREFIX, default
jingwu_bench>_import_<pid>` dropped at the end), migrated and loaded with the reference data, the demo
accounts and the roster (bench_intake's setup phase). A child process then generates a legacy CSV of N
rows (GB18030 is not used here: UTF-8 with BOM, Chinese headers; real villages and townships, the demo's
mix of kinds and narratives, 80% with a caller's phone drawn from a pool, 10% with an ID number,
`--bad-share` bad rows: impossible dates, unknown categories and townships, malformed phones and ID
numbers, missing narratives) and imports it as `admin` with `jingwu.incidents.legacy_import.incidents_import`.

Figures (one JSON line each):
- `import_incidents` (rows/s): rows of the file / (read + validate + callers + COPY/insert + audit +
  commit), the target is 20,000 rows/s on PostgreSQL; the phases' seconds are in the line;
- `import_incidents_rollups` (s): the bulk recount of the touched stations' rollups after the commit
  (before the command returns: the dashboard counts the rows at once);
- `import_incidents_index` (entries/s): the search-index job the import enqueues (incidents and newly
  registered callers), run in the same process as a jobs worker would run it, on the first
  `--index-rows` incidents (default 5,000) and the same share of the callers (the tokenizer bounds it);
- `import_incidents_rerun` (rows/s): the same file again (every row already imported: nothing loads).
With `--profile`, the import runs under cProfile and the top functions go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.bench_intake import ROOT, Deadline, _database, _env
from bench.figures import emit

SEED = 350824
TZ = ZoneInfo("Asia/Shanghai")
HEADER = (
    "接警编号 接警时间 报警方式 报警人 联系电话 身份证号 乡镇 村（社区） "
    "案发地点 警情类别 简要警情 处置结果 处警单位"
).split()
DISPOSITIONS = ["当场劝解", "调解结案", "已立刑事案件", "转治安案件", "移交相关部门", "无需处理", ""]
HOURLY_WEIGHTS = [2, 1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 7, 7, 6, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4]


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    import django

    django.setup()


def _id_number(rng: random.Random, born: datetime) -> str:
    from stdnum.cn import ric

    body = f"350824{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def generate(size: int, bad_share: float, seed: int = SEED) -> bytes:
    """A legacy CSV of `size` rows (UTF-8 with BOM), about `bad_share` of them bad."""
    from jingwu.core.demo_data import chinese_name, mobile
    from jingwu.geo.choices import DivisionLevel
    from jingwu.geo.models import Division
    from jingwu.incidents.demo import KINDS, PLACES, _narrative
    from jingwu.incidents.taxonomy import taxonomy

    rng = random.Random(seed)
    villages = list(
        Division.objects.filter(level=DivisionLevel.VILLAGE, station__isnull=False).select_related(
            "parent", "station"
        )
    )
    tax = taxonomy()
    kinds = [k for k in KINDS if tax.is_valid(k[0], k[1])]
    weights = [k[2] for k in kinds]
    # A county's callers hold numbers of a few hundred local 号段 (7-digit blocks), not the whole country's.
    blocks = list({mobile(rng)[:7] for _ in range(300)})
    callers = [
        (chinese_name(rng), rng.choice(blocks) + f"{rng.randrange(10**4):04d}")
        for _ in range(max(1, size // 2))
    ]
    start = datetime(2022, 1, 1, tzinfo=TZ)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(size):
        village = rng.choice(villages)
        category, subcategory, *_ = rng.choices(kinds, weights)[0]
        cat = tax.categories[category]
        label = cat.subtypes[subcategory] if rng.random() < 0.7 else f"{cat.name}·{cat.subtypes[subcategory]}"
        day = start + timedelta(days=rng.randrange(0, 700))
        moment = day.replace(hour=rng.choices(range(24), HOURLY_WEIGHTS)[0], minute=rng.randrange(60))
        name, phone = rng.choice(callers) if rng.random() < 0.8 else ("", "")
        id_number = _id_number(rng, datetime(1950, 1, 1) + timedelta(days=rng.randrange(0, 20000)))
        row = [
            f"WP110-{moment:%Y}-{n:07d}",
            f"{moment:%Y-%m-%d %H:%M:%S}",
            "110电话" if rng.random() < 0.85 else "来所报警",
            name,
            phone,
            id_number if name and rng.random() < 0.12 else "",
            village.parent.name,
            village.name.removesuffix("村委会").removesuffix("居委会") if rng.random() < 0.5 else "",
            village.name.removesuffix("村委会") + rng.choice(PLACES),
            label,
            _narrative(rng, subcategory, village),
            rng.choice(DISPOSITIONS),
            village.station.name if village.station else "",
        ]
        if rng.random() < bad_share:
            fault = rng.randrange(6)
            if fault == 0:
                row[1] = f"{moment:%Y}-02-30 10:00"
            elif fault == 1:
                row[9] = "不明警情"
            elif fault == 2:
                row[6], row[8] = "火星镇", "不详"
            elif fault == 3:
                row[4] = "1234567"
            elif fault == 4:
                row[3], row[5] = row[3] or "某人", row[5][:17] + ("0" if row[5][-1:] != "0" else "1")
            else:
                row[10] = ""
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")


def _phase_import(args: argparse.Namespace) -> None:
    _django()
    import cProfile
    import pstats

    from django.db import connection

    from jingwu.incidents.legacy_import import incidents_import, index_imported
    from jingwu.org.models import User

    began = time.perf_counter()
    data = generate(args.size, args.bad_share)
    generated = time.perf_counter() - began
    print(f"generated {args.size} rows ({len(data) / 1e6:.1f} MB) in {generated:.1f} s", file=sys.stderr)
    actor = User.objects.select_related("unit").get(username="admin")
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    # The search entries are left to the job the import enqueues; it is run here, timed apart, as a
    # jobs worker would run it.
    first = incidents_import(actor=actor, data=data, file_name="legacy.csv", index_in_background=True)
    if profile:
        profile.disable()
        stats = pstats.Stats(profile, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(25)
    began = time.perf_counter()
    share = min(1.0, args.index_rows / max(1, len(first.incident_ids)))
    people = first.person_ids[: round(len(first.person_ids) * share)]
    indexed = index_imported(first.incident_ids[: args.index_rows], people)
    first.seconds["index_job"] = time.perf_counter() - began
    began = time.perf_counter()
    again = incidents_import(actor=actor, data=data, file_name="legacy.csv")
    rerun = time.perf_counter() - began
    result = {
        "vendor": connection.vendor,
        "rows": first.rows,
        "loaded": first.loaded,
        "rejected": len(first.rejected),
        "callers_registered": first.callers_registered,
        "seconds": first.seconds,
        "indexed": indexed,
        "rerun_loaded": again.loaded,
        "rerun_already": again.already_imported,
        "rerun_seconds": rerun,
        "sample_errors": [f"第{e.line}行：{e.reason}" for e in first.rejected[:5]],
    }
    args.out.write_text(json.dumps(result, ensure_ascii=False))


def _bench_backend(backend: str, args: argparse.Namespace, deadline: Deadline, tmp: Path) -> bool:
    with _database(backend, tmp, tag="import") as database_url:
        env = _env(database_url)
        began = time.monotonic()
        setup = [sys.executable, "-m", "bench.bench_intake", "--phase", "setup"]
        subprocess.run(setup, env=env, cwd=ROOT, check=True, timeout=deadline.left())
        print(f"[{backend}] database ready in {time.monotonic() - began:.1f} s", file=sys.stderr, flush=True)
        out = tmp / f"import-{backend}.json"
        command = [
            sys.executable, "-m", "bench.bench_import", "--phase", "import", "--size", str(args.size),
            "--bad-share", str(args.bad_share), "--index-rows", str(args.index_rows), "--out", str(out),
            *(["--profile"] if args.profile else []),
        ]  # fmt: skip
        subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=deadline.left())
    result = json.loads(out.read_text())
    seconds = result["seconds"]
    rate = result["rows"] / seconds["load"]
    phases = {k: round(v, 3) for k, v in seconds.items()}
    emit(
        "import_incidents",
        backend,
        result["rows"],
        rate,
        "rows/s",
        target=20000 if backend == "postgres" else None,
        loaded=result["loaded"],
        rejected=result["rejected"],
        callers_registered=result["callers_registered"],
        phases_s=phases,
    )
    emit(
        "import_incidents_rollups",
        backend,
        result["loaded"],
        seconds["rollups"],
        "s",
        rows_per_s=round(result["loaded"] / seconds["rollups"], 1) if seconds["rollups"] else None,
    )
    emit(
        "import_incidents_index",
        backend,
        result["indexed"],
        result["indexed"] / seconds["index_job"] if seconds["index_job"] else 0.0,
        "entries/s",
        seconds=round(seconds["index_job"], 3),
    )
    emit(
        "import_incidents_rerun",
        backend,
        result["rows"],
        result["rows"] / result["rerun_seconds"],
        "rows/s",
        loaded=result["rerun_loaded"],
        already_imported=result["rerun_already"],
    )
    print(
        f"[{backend}] {result['rows']} rows: {result['loaded']} loaded, {result['rejected']} rejected, "
        f"{rate:,.0f} rows/s (phases {phases}); re-run loaded {result['rerun_loaded']}; "
        f"e.g. {result['sample_errors'][:2]}",
        file=sys.stderr,
        flush=True,
    )
    return result["rerun_loaded"] == 0 and result["loaded"] + result["rejected"] == result["rows"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_import",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--size", type=int, default=100_000, help="rows in the legacy file (default 100,000)")
    parser.add_argument("--bad-share", type=float, default=0.03, help="share of bad rows (default 0.03)")
    parser.add_argument(
        "--index-rows", type=int, default=5000, help="incidents whose entries are timed (5,000)"
    )
    parser.add_argument("--profile", action="store_true", help="profile the import (cProfile, to stderr)")
    parser.add_argument("--timeout", type=float, default=1800, help="global bound in seconds (default 1800)")
    parser.add_argument("--phase", choices=["import"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase == "import":
        _phase_import(args)
        return 0
    deadline = Deadline(args.timeout)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    failed = False
    with tempfile.TemporaryDirectory(prefix="jingwu-bench-import-") as tmp:
        for backend in backends:
            try:
                failed = not _bench_backend(backend, args, deadline, Path(tmp)) or failed
            except Exception as exc:  # report, clean up (the context managers did), go on
                traceback.print_exc()
                print(f"[{backend}] benchmark failed: {exc!r}", file=sys.stderr, flush=True)
                failed = True
    print("  (the machine is shared: figures are noisy)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
