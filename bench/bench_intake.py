"""Intake throughput benchmark (接警登记吞吐量): service layer and HTTP, beside the raw insert rate.

    python -m bench.bench_intake [--backend sqlite|postgres|both] [--count N] [--concurrency C]
                                 [--workers W] [--profile]

For each backend: a fresh database (a SQLite file in a temporary directory, or a PostgreSQL database
`jingwu_bench_<pid>` on 127.0.0.1, dropped at the end), migrated and loaded with the reference data,
the demo accounts and the roster. Then, on that database:

1. `service_incident_create`: N calls of `incidents.services.incident_create` as `dispatcher`, one
   after the other in one process (validation, routing, caller registry, incident, number, timeline
   step, 110 legal event, audit chain; one transaction each).
2. `raw_insert_row`: the same N rows (copied from step 1) inserted again with `Incident.objects.create`,
   one autocommit INSERT each; `raw_insert_bulk`: the same rows with `bulk_create` in batches of 500.
3. `http_post_incidents`: gunicorn (`jingwu.wsgi`, JINGWU_MODE=demo, as shipped) and a load driver in a
   second process (bench/_driver.py) sending N `POST /api/incidents` with C keep-alive connections, each
   with its own Idempotency-Key; every answer must be 201. Latency p50/p95/p99 in ms.
   With `--conn-max-age-variant`, `http_post_incidents_conn_max_age60` is the same with the database
   connection kept across requests (CONN_MAX_AGE=60, as JINGWU_MODE=production configures it; demo
   mode, which the main figure uses, opens a connection per request).

Every figure is one JSON line on stdout; a human summary follows. Only 127.0.0.1 is used, every loop is
bounded by count and by `--timeout` seconds overall, and servers and databases are removed on failure.
The sub-phases run in child processes of this module (`--phase`), each with DATABASE_URL set.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from bench.figures import emit

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
BULK_BATCH = 500
SEED = 350824
RAW_BASELINE = "raw_insert_row"
PHASES = ("setup", "inproc", "profile")


# --------------------------------------------------------------------------------------------------
# Child phases (run with DATABASE_URL set; they configure Django themselves)
# --------------------------------------------------------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    import django

    django.setup()


def _phase_setup() -> None:
    """Migrate, then the reference data, the demo accounts and the roster (not the demo incidents)."""
    _django()
    from django.core.management import call_command

    from jingwu.geo.reference import load_reference_data
    from jingwu.org import demo as org_demo

    call_command("migrate", interactive=False, verbosity=0)
    load_reference_data()
    org_demo.ensure_demo_accounts()
    org_demo.load(random.Random(SEED))


def _make_inputs(count: int) -> list[dict[str, Any]]:
    """Realistic intake requests: real villages, the demo's mix of kinds, 80% with a caller's phone
    drawn from a pool (so some callers are already known), sources weighted as in the demo."""
    from jingwu.core.demo_data import chinese_name, mobile
    from jingwu.geo.choices import DivisionLevel
    from jingwu.geo.models import Division
    from jingwu.incidents.choices import Source
    from jingwu.incidents.demo import KINDS, PLACES, _narrative
    from jingwu.incidents.taxonomy import taxonomy

    rng = random.Random(SEED)
    villages = list(
        Division.objects.filter(level=DivisionLevel.VILLAGE, station__isnull=False).select_related("parent")
    )
    kinds = [k for k in KINDS if taxonomy().is_valid(k[0], k[1])]
    weights = [k[2] for k in kinds]
    callers = [(chinese_name(rng), mobile(rng)) for _ in range(max(1, count // 2))]
    inputs = []
    for _ in range(count):
        village = rng.choice(villages)
        category, subcategory, _, priority, _ = rng.choices(kinds, weights)[0]
        name, phone = rng.choice(callers) if rng.random() < 0.8 else ("", "")
        inputs.append(
            {
                "source": rng.choices(list(Source), [80, 12, 5, 3])[0].value,
                "village_code": village.code,
                "address": rng.choice(PLACES),
                "category": category,
                "subcategory": subcategory,
                "priority": priority,
                "narrative": _narrative(rng, subcategory, village),
                "caller_name": name,
                "caller_phone": phone,
            }
        )
    return inputs


def _dispatcher() -> Any:
    from jingwu.org.models import User

    return User.objects.select_related("unit").get(username="dispatcher")


def _phase_inproc(args: argparse.Namespace) -> None:
    """Service layer, then the raw inserts of the same rows; writes the inputs for the HTTP phase."""
    _django()
    from django.db import connection

    from jingwu.incidents.models import Incident
    from jingwu.incidents.services import incident_create

    deadline = time.monotonic() + args.seconds
    inputs = _make_inputs(args.count)
    args.inputs.write_text(json.dumps(inputs, ensure_ascii=False))
    actor = _dispatcher()
    results: dict[str, Any] = {"vendor": connection.vendor}

    for index, payload in enumerate(inputs[: min(50, args.count)]):  # warm caches, imports, statements
        incident_create(actor=actor, idempotency_key=f"warm-svc-{index}", **payload)

    done, began = 0, time.perf_counter()
    for index, payload in enumerate(inputs):
        if time.monotonic() > deadline:
            break
        result = incident_create(actor=actor, idempotency_key=f"svc-{index}", **payload)
        if not result.created:
            raise RuntimeError(f"svc-{index} was not created")
        done += 1
    results["service"] = {"count": done, "seconds": time.perf_counter() - began}

    fields = [f.attname for f in Incident._meta.concrete_fields if not f.primary_key]
    rows = list(Incident.objects.filter(idempotency_key__startswith="svc-").order_by("id").values(*fields))

    def copy(row: dict[str, Any], tag: str) -> dict[str, Any]:
        # The same row; only the two unique columns differ (same lengths as the originals).
        return {
            **row,
            "number": tag + row["number"][1:],
            "idempotency_key": f"{tag}-{row['idempotency_key']}",
        }

    done, began = 0, time.perf_counter()
    for row in rows:
        if time.monotonic() > deadline:
            break
        Incident.objects.create(**copy(row, "R"))  # autocommit: one INSERT, one transaction
        done += 1
    results["raw_row"] = {"count": done, "seconds": time.perf_counter() - began}

    began = time.perf_counter()
    objects = [Incident(**copy(row, "B")) for row in rows]
    Incident.objects.bulk_create(objects, batch_size=BULK_BATCH)
    results["raw_bulk"] = {"count": len(objects), "seconds": time.perf_counter() - began}
    args.out.write_text(json.dumps(results))


def _statement(sql: str) -> str:
    """'INSERT audit_auditentry', 'SELECT org_role', 'SAVEPOINT'…: what a query does, to what."""
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    if verb in {"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "PRAGMA", "SET"}:
        return verb
    match = re.search(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)
    return f"{verb} {match.group(1) if match else '?'}"


class _SqlTimer:
    """Times every query (execute_wrapper), every COMMIT and every BEGIN of the connection."""

    def __init__(self) -> None:
        self.count: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)

    def add(self, kind: str, seconds: float) -> None:
        self.count[kind] += 1
        self.seconds[kind] += seconds

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.add(_statement(sql), time.perf_counter() - began)

    @contextlib.contextmanager
    def installed(self, connection: Any) -> Iterator[None]:
        # COMMIT, and SQLite's BEGIN IMMEDIATE, do not pass through execute_wrapper.
        hooks = {"_commit": "COMMIT", "_start_transaction_under_autocommit": "BEGIN"}
        originals = {name: getattr(connection, name) for name in hooks if hasattr(connection, name)}

        def timed(kind: str, original: Callable[[], Any]) -> Callable[[], Any]:
            def wrapper() -> Any:
                began = time.perf_counter()
                try:
                    return original()
                finally:
                    self.add(kind, time.perf_counter() - began)

            return wrapper

        for name, original in originals.items():
            setattr(connection, name, timed(hooks[name], original))
        try:
            with connection.execute_wrapper(self):
                yield
        finally:
            for name, original in originals.items():
                setattr(connection, name, original)


def _report_sql(title: str, timer: _SqlTimer, calls: int, wall: float) -> None:
    sql = sum(timer.seconds.values())
    queries = sum(timer.count.values())
    print(
        f"\n== {title}: {calls} calls, {wall / calls * 1000:.2f} ms/call wall, "
        f"{sql / calls * 1000:.2f} ms/call in SQL+commit ({queries / calls:.1f} statements/call), "
        f"{(wall - sql) / calls * 1000:.2f} ms/call in Python"
    )
    for kind in sorted(timer.seconds, key=timer.seconds.__getitem__, reverse=True):
        print(
            f"   {kind:<40} {timer.count[kind] / calls:5.2f}/call  "
            f"{timer.seconds[kind] / calls * 1000:7.3f} ms/call"
        )


# (label, file suffix, function) of the costs worth naming in the cProfile of one intake.
_PROFILE_POINTS = [
    ("WSGI handler (whole request)", "django/test/client.py", "get_response"),
    ("ninja: operation (auth+parse+view+serialise)", "ninja/operation.py", "run"),
    ("TokenAuth -> token_lookup", "jingwu/access/tokens.py", "token_lookup"),
    ("ninja: parse/validate body", "ninja/operation.py", "_get_values"),
    ("view create_incident", "jingwu/incidents/api.py", "create_incident"),
    ("incident_create (service)", "jingwu/incidents/services.py", "incident_create"),
    ("  require (role check)", "jingwu/access/policy.py", "require"),
    ("  _caller (find or register caller)", "jingwu/incidents/services.py", "_caller"),
    ("    person_create", "jingwu/people/services.py", "person_create"),
    ("  route_for", "jingwu/incidents/routing.py", "route_for"),
    ("  _record_step (step + legal event)", "jingwu/incidents/services.py", "_record_step"),
    ("    legal_event_record", "jingwu/timeline/services.py", "legal_event_record"),
    ("  audit_record (all, incl. person/view)", "jingwu/audit/services.py", "audit_record"),
    ("    entry_hash (sha256 of the entry)", "jingwu/audit/chain.py", "entry_hash"),
    ("incident_get (re-read, audited view)", "jingwu/incidents/selectors.py", "incident_get"),
    ("_out (response dict)", "jingwu/incidents/api.py", "_out"),
    ("Model.save (all)", "django/db/models/base.py", "save"),
    ("SQL compile (all)", "django/db/models/sql/compiler.py", "as_sql"),
    ("SQL execute (all)", "django/db/backends/utils.py", "_execute"),
    ("transaction commit (all)", "django/db/backends/base/base.py", "commit"),
    ("middleware: sessions/csrf/auth/axes", "axes/middleware.py", "__call__"),
]


def _report_profile(title: str, profile: Any, calls: int) -> None:
    import pstats

    stats = pstats.Stats(profile)
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    print(
        f"\n== cProfile of {title} ({calls} calls; times inflated by the profiler) — cumulative ms per call"
    )
    for label, suffix, name in _PROFILE_POINTS:
        hits = [v for (file, _, func), v in table.items() if func == name and file.endswith(suffix)]
        if hits:
            ncalls = sum(h[1] for h in hits)
            cumulative = max(h[3] for h in hits)
            print(f"   {label:<46} {cumulative / calls * 1000:8.3f} ms  ({ncalls / calls:.1f} calls)")
    print(f"-- top 20 functions by own time ({title})")
    stats.sort_stats("tottime").print_stats(20)


def _phase_profile(args: argparse.Namespace) -> None:
    """Where an intake's time goes: SQL statements and their cost, cProfile of the service and of
    the whole request through Django's handler (test client, full middleware, bearer token)."""
    import cProfile

    _django()
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jingwu.incidents.services import incident_create
    from jingwu.org.demo import DEMO_PASSWORD

    connection = connections["default"]  # the wrapper itself: its methods are wrapped for timing
    calls = args.count
    inputs = _make_inputs(calls)
    actor = _dispatcher()
    vendor = connection.vendor
    print(f"#### profile on {vendor}, {calls} intakes per measurement")

    # The statements of one intake (a new caller, a known caller, no caller).
    for label, payload in (
        ("new caller", {**inputs[0], "caller_phone": "13905970001", "caller_name": "王新"}),
        ("known caller", {**inputs[0], "caller_phone": "13905970001", "caller_name": "王新"}),
        ("no caller", {**inputs[0], "caller_phone": "", "caller_name": ""}),
    ):
        fresh = _dispatcher()  # as in a request: role codes and scope not yet cached
        with CaptureQueriesContext(connection) as captured:
            incident_create(actor=fresh, idempotency_key=f"prof-q-{label}", **payload)
        print(f"\n== statements of one incident_create ({label}): {len(captured.captured_queries)}")
        for query in captured.captured_queries:
            print(f"   {query['time']:>6}s  {query['sql'][:150]}")

    # The cost of opening a connection (demo mode opens one per request: CONN_MAX_AGE=0).
    samples = []
    for _ in range(20):
        connection.close()
        began = time.perf_counter()
        connection.ensure_connection()
        samples.append(time.perf_counter() - began)
    print(
        f"\n== opening a database connection: "
        f"{sorted(samples)[len(samples) // 2] * 1000:.2f} ms (median of 20)"
    )

    # Service layer: statements and their time, without the profiler.
    timer = _SqlTimer()
    with timer.installed(connection):
        began = time.perf_counter()
        for index, payload in enumerate(inputs):
            incident_create(actor=actor, idempotency_key=f"prof-svc-{index}", **payload)
        wall = time.perf_counter() - began
    _report_sql("service incident_create, SQL by statement", timer, calls, wall)

    # The whole request through Django (no gunicorn, no socket), with a real token.
    client = Client()
    answer = client.post(
        "/api/auth/token",
        {"username": "dispatcher", "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    token = answer.json()["token"]
    client.cookies.clear()  # an API client sends no session cookie, as the load driver
    bodies = [json.dumps(p, ensure_ascii=False) for p in inputs]

    def post(index: int, prefix: str) -> None:
        response = client.post(
            "/api/incidents",
            bodies[index],
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"{prefix}-{index}"},
        )
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")

    for index in range(min(20, calls)):
        post(index, "prof-warm")
    timer = _SqlTimer()
    with timer.installed(connection):
        began = time.perf_counter()
        for index in range(calls):
            post(index, "prof-http")
        wall = time.perf_counter() - began
    _report_sql("POST /api/incidents through Django's handler, SQL by statement", timer, calls, wall)

    profile = cProfile.Profile()
    profile.enable()
    for index in range(calls):
        incident_create(actor=actor, idempotency_key=f"prof-svc-cp-{index}", **inputs[index])
    profile.disable()
    _report_profile("service incident_create", profile, calls)

    profile = cProfile.Profile()
    profile.enable()
    for index in range(calls):
        post(index, "prof-http-cp")
    profile.disable()
    _report_profile("POST /api/incidents (Django handler)", profile, calls)


def persistent_db_application() -> Any:
    """`jingwu.wsgi.application` with the database connection kept for 60 s across requests, as
    JINGWU_MODE=production configures it (gunicorn 'bench.bench_intake:persistent_db_application()')."""
    from django.conf import settings

    from jingwu.wsgi import application

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    return application


# --------------------------------------------------------------------------------------------------
# The orchestrator (no Django here: each backend gets its own processes)
# --------------------------------------------------------------------------------------------------


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self, reserve: float = 0.0) -> float:
        remaining = self.end - time.monotonic() - reserve
        if remaining <= 0:
            raise TimeoutError("the benchmark's global timeout has passed")
        return remaining


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _database(backend: str, tmp: Path, tag: str = "") -> Iterator[str]:
    """A fresh database for one benchmark run: a SQLite file in `tmp`, or a PostgreSQL database
    `<BENCH_DB_PREFIX>[_<tag>]_<pid>` (default prefix jingwu_bench: a session sharing the server keeps to
    its own names with it), dropped at the end, also on failure."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'bench.sqlite3'}"
        return
    import psycopg

    prefix = os.environ.get("BENCH_DB_PREFIX", "jingwu_bench")
    name = f"{prefix}{f'_{tag}' if tag else ''}_{os.getpid()}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "JINGWU_MODE": "demo",
        "DJANGO_SETTINGS_MODULE": "jingwu.settings",
        "DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }


def _child(phase: str, env: dict[str, str], deadline: Deadline, extra: list[str], **kwargs: Any) -> None:
    command = [sys.executable, "-m", "bench.bench_intake", "--phase", phase, *extra]
    subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=deadline.left(), **kwargs)


@contextlib.contextmanager
def _gunicorn(env: dict[str, str], app: str, workers: int, worker_class: str, log: Path) -> Iterator[int]:
    port = _free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        app,
        "-w",
        str(workers),
        "-k",
        worker_class,
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--timeout",
        "60",
        "--backlog",
        "2048",
    ]
    with log.open("w") as output:
        server = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=output, stderr=output, start_new_session=True
        )
        try:
            yield port
        except BaseException:
            output.flush()
            tail = log.read_text(errors="replace")[-3000:]
            print(f"gunicorn log ({log.name}), last lines:\n{tail}", file=sys.stderr, flush=True)
            raise
        finally:
            server.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)  # its own session: the master and its workers
                server.wait(timeout=10)


def _demo_password() -> str:
    """DEMO_PASSWORD of jingwu/org/demo.py, read without importing it (that needs Django set up)."""
    import ast

    tree = ast.parse((ROOT / "jingwu" / "org" / "demo.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", "") == "DEMO_PASSWORD" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise RuntimeError("DEMO_PASSWORD not found in jingwu/org/demo.py")


def _call(port: int, path: str, *, body: bytes | None = None, token: str = "") -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _when_up(port: int, deadline: Deadline, token: str = "", seconds: float = 90) -> str:
    """Wait for the server; return a token (a new one from POST /api/auth/token unless given)."""
    body = json.dumps({"username": "dispatcher", "password": _demo_password()}).encode()
    until = time.monotonic() + min(seconds, deadline.left())
    while True:
        try:
            if token:
                _call(port, "/api/auth/me", token=token)
                return token
            return _call(port, "/api/auth/token", body=body)["token"]
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                raise RuntimeError(f"refused: {exc.code} {exc.read()[:300]!r}") from exc
            failure: Exception = exc
        except (urllib.error.URLError, OSError) as exc:  # refused while booting, or a slow first answer
            failure = exc
        if time.monotonic() > until:
            raise RuntimeError(f"gunicorn did not answer on port {port} within {seconds} s: {failure}")
        time.sleep(0.3)


def _rows_with_prefix(backend: str, database_url: str, prefix: str) -> int:
    sql = "SELECT COUNT(*) FROM incidents_incident WHERE idempotency_key LIKE %s"
    if backend == "sqlite":
        import sqlite3

        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as conn:
            return conn.execute(sql.replace("%s", "?"), (f"{prefix}-%",)).fetchone()[0]
    import psycopg

    with psycopg.connect(database_url, connect_timeout=10) as conn:
        return conn.execute(sql, (f"{prefix}-%",)).fetchone()[0]


def _emit(
    figures: list[dict[str, Any]],
    name: str,
    backend: str,
    size: int,
    value: float,
    unit: str,
    baseline: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """bench.figures.emit, keeping the figure for the summary."""
    figure = emit(name, backend, size, value, unit, baseline, **extra)
    figures.append(figure)
    return figure


def _bench_backend(
    backend: str, args: argparse.Namespace, deadline: Deadline, tmp: Path, figures: list[dict[str, Any]]
) -> list[str]:
    """Measure one backend, appending to `figures`; returns the failures noticed (empty when clean)."""
    notes: list[str] = []
    log = sys.stderr
    with _database(backend, tmp) as database_url:
        env = _env(database_url)
        began = time.monotonic()
        _child("setup", env, deadline, [])
        print(f"[{backend}] database ready in {time.monotonic() - began:.1f} s", file=log, flush=True)

        inputs, out = tmp / f"inputs-{backend}.json", tmp / f"inproc-{backend}.json"
        seconds = str(int(deadline.left(reserve=30)))
        _child(
            "inproc",
            env,
            deadline,
            ["--count", str(args.count), "--inputs", str(inputs), "--out", str(out), "--seconds", seconds],
        )
        inproc = json.loads(out.read_text())
        rate = {k: v["count"] / v["seconds"] for k, v in inproc.items() if isinstance(v, dict)}
        bulk = _emit(
            figures, "raw_insert_bulk", backend, inproc["raw_bulk"]["count"], rate["raw_bulk"], "incidents/s"
        )
        raw = _emit(
            figures, RAW_BASELINE, backend, inproc["raw_row"]["count"], rate["raw_row"], "incidents/s", bulk
        )
        _emit(
            figures,
            "service_incident_create",
            backend,
            inproc["service"]["count"],
            rate["service"],
            "incidents/s",
            raw,
        )

        workers = args.workers or (1 if backend == "sqlite" else 2 * (os.cpu_count() or 1) + 1)
        variants = [("", "jingwu.wsgi", 1)]
        if args.conn_max_age_variant:
            variants.append(("_conn_max_age60", "bench.bench_intake:persistent_db_application()", 1))
        if args.batch > 1:
            variants.append(("_batch", "jingwu.wsgi", args.batch))
        token = ""
        for suffix, app, batch in variants:
            prefix = "http" + suffix.replace("_", "")
            with _gunicorn(
                env, app, workers, args.worker_class, tmp / f"gunicorn-{backend}{suffix}.log"
            ) as port:
                token = _when_up(port, deadline, token)
                began = time.monotonic()
                answer = subprocess.run(
                    [
                        sys.executable, "-m", "bench._driver",
                        "--port", str(port), f"--token={token}", "--inputs", str(inputs),
                        "--count", str(args.count), "--concurrency", str(args.concurrency),
                        "--warmup", str(args.warmup), "--key-prefix", prefix, "--batch", str(batch),
                        "--seconds", str(int(deadline.left(reserve=20))),
                    ],
                    cwd=ROOT, check=True, capture_output=True, text=True, timeout=deadline.left(),
                )  # fmt: skip
                result = json.loads(answer.stdout)
                print(
                    f"[{backend}] HTTP{suffix}: {result['ok']}/{result['requested']} created in "
                    f"{time.monotonic() - began:.1f} s, statuses {result['statuses']}",
                    file=log,
                    flush=True,
                )
            stored = _rows_with_prefix(backend, database_url, prefix)
            name = f"http_post_incidents{suffix}"
            extra = {
                "workers": workers,
                "worker_class": args.worker_class,
                "concurrency": args.concurrency,
                "statuses": result["statuses"],
                "rows_stored": stored,
                "calls_per_request": batch,
            }
            _emit(figures, name, backend, result["requested"], result["rate"], "incidents/s", raw, **extra)
            for pct in ("p50", "p95", "p99"):
                _emit(
                    figures, f"{name}_latency_{pct}", backend, result["requested"], result[f"{pct}_ms"], "ms"
                )
            if result["ok"] != result["requested"] or result["failures"] or stored != result["ok"]:
                notes.append(
                    f"{backend} {name}: {result['ok']} of {result['requested']} answered 201, "
                    f"{stored} rows stored; samples: {result['failures'][:3]}"
                )
        if args.profile:
            with (tmp / f"profile-{backend}.txt").open("w") as output:
                _child("profile", env, deadline, ["--count", str(args.profile_count)], stdout=output)
            target = args.profile_dir / f"profile-{backend}.txt"
            target.write_text((tmp / f"profile-{backend}.txt").read_text())
            print(f"[{backend}] profile written to {target}", file=log, flush=True)
    for note in notes:
        print(f"[{backend}] FAILURES: {note}", file=log, flush=True)
    return notes


def _commit() -> str:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
    except OSError:
        return "?"
    dirty = " (+ uncommitted changes)" if _dirty() else ""
    return (found.stdout.strip() or "?") + dirty


def _dirty() -> bool:
    try:
        found = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except OSError:
        return False
    return bool(found.stdout.strip())


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _summary(figures: list[dict[str, Any]], args: argparse.Namespace) -> str:
    by = {(f["backend"], f["name"]): f for f in figures}
    lines = [
        "",
        f"Intake benchmark, {date.today()}, {platform.node()} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}), "
        f"N={args.count}, C={args.concurrency}, commit {_commit()}",
    ]
    for backend in dict.fromkeys(f["backend"] for f in figures):
        bulk = by.get((backend, "raw_insert_bulk"))
        raw = by.get((backend, RAW_BASELINE))
        lines.append(f"  {backend}:")
        for name, figure in (
            (n, f) for (b, n), f in by.items() if b == backend and f["unit"] == "incidents/s"
        ):
            ratio = f"  = {figure['ratio']:.3f} x {figure['baseline']}" if figure["ratio"] else ""
            of_bulk = (
                f", {figure['value'] / bulk['value']:.3f} x bulk"
                if bulk and name not in {"raw_insert_bulk", RAW_BASELINE}
                else ""
            )
            per = f"  ({1000 / figure['value']:.2f} ms each)" if figure["value"] else ""
            lines.append(f"    {name:<36} {figure['value']:>9.1f} incidents/s{per}{ratio}{of_bulk}")
            if name.startswith("http_post_incidents"):
                p = [by[(backend, f"{name}_latency_{q}")]["value"] for q in ("p50", "p95", "p99")]
                lines.append(
                    f"      latency p50/p95/p99 {p[0]:.1f}/{p[1]:.1f}/{p[2]:.1f} ms; "
                    f"{figure['workers']} {figure['worker_class']} worker(s); statuses {figure['statuses']}"
                )
        if raw and backend == "postgres":
            for name, how in (
                ("http_post_incidents", "one call per request"),
                ("http_post_incidents_batch", "batched"),
            ):
                http = by.get((backend, name))
                if http:
                    verdict = "meets" if http["value"] >= 1000 else "is below"
                    lines.append(
                        f"    target 1,000 incidents/s over HTTP on PostgreSQL, {how}: "
                        f"{verdict} it ({http['value']:.0f}/s)"
                    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_intake",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--count", "--size", type=int, default=2000, help="incidents per measurement (default 2000)"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="HTTP connections (default 32)")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="gunicorn workers (default: 2 x cores + 1 on PostgreSQL, 1 on SQLite)",
    )
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync)")
    parser.add_argument(
        "--batch",
        type=int,
        default=100,
        help="also measure POST /api/incidents/batch with this many calls per request (default 100; 1 = off)",
    )
    parser.add_argument(
        "--warmup", type=int, default=100, help="HTTP requests before measuring (not counted)"
    )
    parser.add_argument(
        "--conn-max-age-variant",
        action="store_true",
        help="also measure HTTP with the database connection kept across requests (CONN_MAX_AGE=60)",
    )
    parser.add_argument("--profile", action="store_true", help="also profile the intake path (cProfile, SQL)")
    parser.add_argument("--profile-count", type=int, default=300)
    parser.add_argument("--profile-dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--timeout", type=float, default=600, help="global bound in seconds (default 600)")
    # Internal: the child phases.
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--inputs", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=300, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase == "setup":
        _phase_setup()
        return 0
    if args.phase == "inproc":
        _phase_inproc(args)
        return 0
    if args.phase == "profile":
        _phase_profile(args)
        return 0

    def _terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _terminate)
    deadline = Deadline(args.timeout)
    load_before = _load()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    figures: list[dict[str, Any]] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="jingwu-bench-") as tmp:
        for backend in backends:
            try:
                failed = bool(_bench_backend(backend, args, deadline, Path(tmp), figures)) or failed
            except Exception as exc:  # report, clean up (the context managers did), go on
                traceback.print_exc()
                print(f"[{backend}] benchmark failed: {exc!r}", file=sys.stderr, flush=True)
                failed = True
    print(_summary(figures, args), file=sys.stderr)
    print(
        f"  load average before/after: {load_before} / {_load()} (other processes share these cores)",
        file=sys.stderr,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
