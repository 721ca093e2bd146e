"""Case handling over real HTTP (案件办理负载测试): acceptance, workflow transitions, the paged case list and
the case page, and the cost of the audit hash chain (审计哈希链) on intake and acceptance.

    python -m bench.bench_cases [--backend sqlite|postgres|both] [--size N] [--count C] [--gets G]
                                [--transitions M] [--clients 8] [--users 20] [--profile] [--timeout S]

For each backend: a fresh database (bench/bench_intake.py's helpers: a SQLite file in a temporary
directory, or a PostgreSQL database `jingwu_bench_<pid>` on 127.0.0.1, dropped at the end), migrated and
loaded with the reference data, the demo accounts and the roster (`bench.bench_intake --phase setup`).
gunicorn serves `jingwu.wsgi` (JINGWU_MODE=demo) through `persistent_application()` here, which only keeps
the database connection 60 s as production mode does; 2 × cores + 1 sync workers on PostgreSQL, 1 on
SQLite. The load driver (bench/_driver.py) runs in a second process on 127.0.0.1.

At each level of existing cases — 0, then 10,000 and N (default 50,000) bulk-inserted cases spread over the
county's stations, kinds, statuses and three years — it measures:

- `case_create_http`: C `POST /api/cases` (受案: number from the reviewing unit's counter, two legal events,
  a history line, the deadlines, the audit entry, and the answer built from the case just written) from
  `--clients` (8) keep-alive connections as `officer`; rate = 201 answers / wall time; `…_p50/_p95`
  latency in ms. The figures at 10k and N name the one at 0 as their baseline: a ratio near 1 means the
  rate stays flat.
- `case_list_http_p50/_p95`: G `GET /api/cases?limit=20&offset=…` (the first ten pages) as `leader`, who
  sees the whole county, from one connection (the latency alone); `case_list_http_c20_p50/_p95` the same
  from `--users` (20) connections.
- `case_page_http_p50/_p95`: G `GET /api/cases/{id}` (the case page's data, audited view) of the cases
  created over HTTP, as `officer`, from `--users` (20) connections.

Then, at N:

- `case_transition_service`: M `cases.services.case_request(record_return)` in one process (a transition
  without approval: lock, guards, status, legal event, history, audit); `case_transition_approved_service`:
  M transitions that need an approval (`case_request(resubmit)` by the officer, then `approval_decide` by the
  legal officer, which runs it) — transitions/s; `case_transition_http`: M `POST /api/cases/{id}/transitions`
  (`close`) from `--clients` connections.
- `intake_http_chained`: C `POST /api/incidents` (bench_intake's realistic inputs) from `--clients`
  connections; then, with gunicorn serving `unchained_application()`, `intake_http_unchained` and
  `case_create_http_unchained`: the same requests with `audit_record` replaced by a bench-only variant
  that writes the same entry (same fields, same SHA-256) without taking the chain head's row lock — what
  the single chain costs. The variant exists only in this module and only in the processes that load it.

`--profile` adds `profile-cases-<backend>.txt` (in `--profile-dir`): the SQL statements of one acceptance,
SQL time per statement kind and the cProfile of `case_accept` and of a whole `POST /api/cases` through
Django's handler. Every figure is one JSON line on stdout (bench.figures.emit); human text goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_intake import (
    ROOT,
    Deadline,
    _call,
    _commit,
    _database,
    _demo_password,
    _env,
    _gunicorn,
    _load,
    _when_up,
)
from bench.figures import emit

SEED = 350824
PREFIX_PRELOAD = "BL-"
PREFIX_TRANSITION = "BT-"
# Far above any real sequence number: the unchained variant's entries are easy to count.
UNCHAINED_SEQ_BASE = 10**15
PHASES = ("inputs", "preload", "transitions", "profile")

TITLES = (
    ("criminal", "{place}村民家中财物被盗案", "报案人称其家中现金及手机被盗，门锁有撬压痕迹。"),
    ("criminal", "{place}电动车被盗案", "报案人停放在路边的电动车被盗，价值约三千元。"),
    ("criminal", "{place}电信网络诈骗案", "报案人接到自称客服的电话，按对方指示转账后发现被骗。"),
    ("administrative", "{place}村民殴打他人案", "两村民因宅基地边界发生争执，一方动手打伤对方。"),
    ("administrative", "{place}赌博案", "群众举报有人在出租屋内聚众赌博。"),
    ("administrative", "{place}寻衅滋事案", "数名男子酒后在夜市无故滋事，损坏摊位物品。"),
)
PLACES = ("桃溪", "城厢", "平川", "中山", "岩前", "十方", "象洞", "东留", "永平", "武东", "中堡", "下坝")


# --------------------------------------------------------------------------------------------------
# Bench-only WSGI applications (gunicorn 'bench.bench_cases:persistent_application()')
# --------------------------------------------------------------------------------------------------


def persistent_application() -> Any:
    """`jingwu.wsgi.application` with the connection kept 60 s across requests (as production mode)."""
    from bench.bench_intake import persistent_db_application

    return persistent_db_application()


def unchained_application() -> Any:
    """As `persistent_application`, but every `audit_record` writes its entry without the chain head's
    lock: measures what the single chain costs. Bench-only: nothing in jingwu/ can reach this."""
    application = persistent_application()
    _unchain_audit()
    return application


def _unchain_audit() -> int:
    """Replace `audit_record` in jingwu.audit.services and in every module that imported it by name;
    returns how many modules were patched."""
    from django.urls import get_resolver
    from django.utils import timezone

    import jingwu.audit.services as audit
    from jingwu.audit.chain import GENESIS_HASH, entry_hash
    from jingwu.audit.context import current_request
    from jingwu.audit.models import AuditEntry, Outcome

    original = audit.audit_record
    get_resolver().url_patterns  # noqa: B018 — imports every view and API module (and their services)

    def audit_record_unchained(
        *,
        actor: Any,
        action: str,
        obj: Any = None,
        object_type: str = "",
        object_id: str | int = "",
        object_label: str = "",
        outcome: str = Outcome.ALLOWED,
        changes: dict[str, Any] | None = None,
    ) -> Any:
        if obj is not None:
            object_type = object_type or obj._meta.label_lower
            object_id = object_id or obj.pk
            object_label = object_label or str(obj)
        context = current_request()
        fields: dict[str, Any] = {
            **audit._actor_fields(actor),
            "at": timezone.now().astimezone(UTC),
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id or ""),
            "object_label": object_label[:200],
            "outcome": str(outcome),
            "ip": context.ip,
            "request_id": context.request_id,
            "path": context.path,
            "changes": changes,
            # Unique without a lock; the entry is not linked to the previous one.
            "seq": UNCHAINED_SEQ_BASE + secrets.randbits(48),
        }
        digest = entry_hash(audit._hashable(fields), GENESIS_HASH)  # the same hashing work
        return AuditEntry.objects.create(prev_hash=GENESIS_HASH, entry_hash=digest, **fields)

    patched = 0
    for module in list(sys.modules.values()):
        if getattr(module, "audit_record", None) is original:
            module.audit_record = audit_record_unchained  # type: ignore[attr-defined]
            patched += 1
    return patched


# --------------------------------------------------------------------------------------------------
# Child phases (run with DATABASE_URL set)
# --------------------------------------------------------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    import django

    django.setup()


def _phase_inputs(args: argparse.Namespace) -> None:
    """Request bodies: case acceptances (walk-in reports, both kinds) and bench_intake's intakes."""
    _django()
    from bench.bench_intake import _make_inputs

    rng = random.Random(SEED)
    cases = []
    for _ in range(args.count):
        kind, title, facts = rng.choice(TITLES)
        place = rng.choice(PLACES)
        cases.append(
            {"kind": kind, "title": title.format(place=place), "facts": place + facts, "source": "walk_in"}
        )
    (args.work / "cases.json").write_text(json.dumps(cases, ensure_ascii=False))
    (args.work / "incidents.json").write_text(json.dumps(_make_inputs(args.count), ensure_ascii=False))


def _phase_preload(args: argparse.Namespace) -> None:
    """Bulk-insert cases until the table holds `--upto` of them (not timed), then ANALYZE."""
    _django()
    from django.db import connection

    from jingwu.cases.models import Case
    from jingwu.cases.offences import offences
    from jingwu.cases.services import reviewing_unit_for
    from jingwu.org.choices import UnitKind
    from jingwu.org.models import Unit, User

    missing = args.upto - Case.objects.count()
    if missing <= 0:
        return
    rng = random.Random(SEED + args.upto)
    stations = list(Unit.objects.filter(kind=UnitKind.STATION, is_active=True))
    reviewing = {station.pk: reviewing_unit_for(station) for station in stations}
    officers = list(User.objects.filter(username__startswith="roster-").exclude(username__endswith="-chief"))
    creator = User.objects.get(username="officer")
    # Codes longer than the column (16) exist in admin_offences.yaml; they could not be stored (reported).
    width = Case._meta.get_field("offence_code").max_length
    codes = {
        kind: [o.code for o in offences().values() if o.kind == kind and len(o.code) <= width]
        for kind in ("criminal", "administrative")
    }
    statuses = ["accepted"] * 10 + ["filed"] * 45 + ["transferred"] * 10 + ["decided"] * 10 + ["closed"] * 25
    now = datetime.now(UTC)
    start = Case.objects.filter(number__startswith=PREFIX_PRELOAD).count()
    batch: list[Case] = []
    for n in range(start, start + missing):
        kind_word, title, facts = rng.choice(TITLES)
        place = rng.choice(PLACES)
        station = rng.choice(stations)
        status = rng.choice(statuses)
        accepted = now - timedelta(minutes=rng.uniform(60, 3 * 365 * 24 * 60))
        assigned = status != "accepted"
        code = rng.choice(codes[kind_word]) if assigned else ""
        lead = rng.choice(officers) if assigned else None
        batch.append(
            Case(
                number=f"{PREFIX_PRELOAD}{n:08d}",
                kind=kind_word,
                status=status,
                title=title.format(place=place),
                facts=place + facts,
                source=rng.choice(("walk_in", "incident", "walk_in", "transfer")),
                station=station,
                reviewing_unit=reviewing[station.pk],
                handling_unit=lead.unit.operational_unit() if lead else None,
                lead_officer=lead,
                offence_code=code,
                offence=offences()[code].name if code else "",
                accepted_at=accepted,
                filed_at=accepted + timedelta(days=1) if assigned else None,
                closed_at=accepted + timedelta(days=30) if status == "closed" else None,
                created_by=creator,
            )
        )
        if len(batch) >= 5000:
            Case.objects.bulk_create(batch, batch_size=1000)
            batch.clear()
    Case.objects.bulk_create(batch, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _transition_cases(count: int, tag: str) -> list[int]:
    """`count` criminal cases of officer's station, filed and transferred for prosecution (bulk)."""
    from jingwu.cases.models import Case
    from jingwu.cases.offences import find_offence
    from jingwu.cases.services import reviewing_unit_for
    from jingwu.org.models import User

    officer = User.objects.select_related("unit").get(username="officer")
    station = officer.unit.operational_unit()
    theft = find_offence("盗窃罪", "criminal")
    assert theft is not None
    now = datetime.now(UTC)
    rows = [
        Case(
            number=f"{PREFIX_TRANSITION}{tag}{n:07d}",
            kind="criminal",
            status="transferred",
            title="桃溪村民家中财物被盗案",
            facts="报案人称其家中现金被盗。",
            source="walk_in",
            station=station,
            reviewing_unit=reviewing_unit_for(station),
            handling_unit=station,
            lead_officer=officer,
            offence_code=theft.code,
            offence=theft.name,
            accepted_at=now - timedelta(days=20),
            filed_at=now - timedelta(days=19),
            created_by=officer,
        )
        for n in range(count)
    ]
    Case.objects.bulk_create(rows, batch_size=1000)
    return list(
        Case.objects.filter(number__startswith=f"{PREFIX_TRANSITION}{tag}").values_list("pk", flat=True)
    )


def _phase_transitions(args: argparse.Namespace) -> None:
    """Service-layer transitions; leaves M transferred cases for the HTTP measurement."""
    _django()
    from jingwu.cases.services import approval_decide, case_request
    from jingwu.org.models import User

    deadline = time.monotonic() + args.seconds
    officer = User.objects.select_related("unit").get(username="officer")
    legal = User.objects.select_related("unit").get(username="legal_officer")
    service_ids = _transition_cases(args.transitions, "S")
    http_ids = _transition_cases(args.transitions, "H")
    results: dict[str, Any] = {"http_ids": http_ids}

    for pk in service_ids[:10]:  # warm imports, caches, statements; these ten are not counted
        case_request(actor=officer, case_id=pk, transition="record_return", reason="检察院退回补充侦查")
    done, began = 0, time.perf_counter()
    for pk in service_ids[10:]:
        if time.monotonic() > deadline:
            break
        case_request(actor=officer, case_id=pk, transition="record_return", reason="检察院退回补充侦查")
        done += 1
    results["direct"] = {"count": done, "seconds": time.perf_counter() - began}

    done, began = 0, time.perf_counter()
    for pk in service_ids[10 : 10 + results["direct"]["count"]]:
        if time.monotonic() > deadline:
            break
        approval = case_request(actor=officer, case_id=pk, transition="resubmit")
        decided = approval_decide(actor=legal, approval_id=approval.pk, decision="approve", opinion="同意")
        if decided.status != "approved":
            raise RuntimeError(f"case {pk}: approval {decided.status}")
        done += 1
    results["approved"] = {"count": done, "seconds": time.perf_counter() - began}
    args.out.write_text(json.dumps(results))


_PROFILE_POINTS = [
    ("WSGI handler (whole request)", "django/test/client.py", "get_response"),
    ("ninja: operation (auth+parse+view+serialise)", "ninja/operation.py", "run"),
    ("TokenAuth -> token_lookup", "jingwu/access/tokens.py", "token_lookup"),
    ("view accept_case", "jingwu/cases/api.py", "accept_case"),
    ("case_accept (service)", "jingwu/cases/services.py", "case_accept"),
    ("  require (role check)", "jingwu/access/policy.py", "require"),
    ("  reviewing_unit_for", "jingwu/cases/services.py", "reviewing_unit_for"),
    ("  _next_number (counter row)", "jingwu/cases/services.py", "_next_number"),
    ("  _events (legal events)", "jingwu/cases/services.py", "_events"),
    ("  _log (history line)", "jingwu/cases/services.py", "_log"),
    ("  audit_record (all, incl. view)", "jingwu/audit/services.py", "audit_record"),
    ("_accepted (the answer, from the case in hand)", "jingwu/cases/api.py", "_accepted"),
    ("_detail (audited re-read + answer)", "jingwu/cases/api.py", "_detail"),
    ("  case_get (visible + audit view)", "jingwu/cases/selectors.py", "case_get"),
    ("  case_timeline", "jingwu/cases/selectors.py", "case_timeline"),
    ("  available_transitions", "jingwu/cases/selectors.py", "available_transitions"),
    ("Model.save (all)", "django/db/models/base.py", "save"),
    ("SQL compile (all)", "django/db/models/sql/compiler.py", "as_sql"),
    ("SQL execute (all)", "django/db/backends/utils.py", "_execute"),
    ("transaction commit (all)", "django/db/backends/base/base.py", "commit"),
]


def _phase_profile(args: argparse.Namespace) -> None:
    """Where an acceptance's time goes: its statements, SQL time per kind, cProfile (service, request)."""
    import cProfile

    _django()
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import bench.bench_intake as intake
    from jingwu.cases.services import case_accept
    from jingwu.org.demo import DEMO_PASSWORD
    from jingwu.org.models import User

    connection = connections["default"]
    calls = args.count
    bodies = json.loads((args.work / "cases.json").read_text())
    bodies = (bodies * (calls // len(bodies) + 1))[:calls]

    def officer() -> Any:
        return User.objects.select_related("unit").get(username="officer")

    print(f"#### case acceptance profile on {connection.vendor}, {calls} calls per measurement")
    with CaptureQueriesContext(connection) as captured:
        case_accept(actor=officer(), **bodies[0])
    print(f"\n== statements of one case_accept: {len(captured.captured_queries)}")
    for query in captured.captured_queries:
        print(f"   {query['time']:>6}s  {query['sql'][:150]}")

    actor = officer()
    timer = intake._SqlTimer()
    with timer.installed(connection):
        began = time.perf_counter()
        for body in bodies:
            case_accept(actor=actor, **body)
        wall = time.perf_counter() - began
    intake._report_sql("service case_accept, SQL by statement", timer, calls, wall)

    client = Client()
    answer = client.post(
        "/api/auth/token", {"username": "officer", "password": DEMO_PASSWORD}, content_type="application/json"
    )
    token = answer.json()["token"]
    client.cookies.clear()

    def post(body: dict[str, Any]) -> None:
        response = client.post(
            "/api/cases",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")

    for body in bodies[:10]:
        post(body)
    timer = intake._SqlTimer()
    with timer.installed(connection):
        began = time.perf_counter()
        for body in bodies:
            post(body)
        wall = time.perf_counter() - began
    intake._report_sql("POST /api/cases through Django's handler, SQL by statement", timer, calls, wall)

    intake._PROFILE_POINTS[:] = _PROFILE_POINTS  # the named steps of this path, for _report_profile
    for title, run in (
        ("service case_accept", lambda b: case_accept(actor=actor, **b)),
        ("POST /api/cases", post),
    ):
        profile = cProfile.Profile()
        profile.enable()
        for body in bodies:
            run(body)
        profile.disable()
        intake._report_profile(title, profile, calls)


# --------------------------------------------------------------------------------------------------
# The orchestrator (no Django here)
# --------------------------------------------------------------------------------------------------


def _query(backend: str, database_url: str, sql: str) -> list[tuple[Any, ...]]:
    if backend == "sqlite":
        import sqlite3

        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as conn:
            return conn.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(database_url, connect_timeout=10) as conn:
        return conn.execute(sql).fetchall()


def _token(port: int, username: str) -> str:
    body = json.dumps({"username": username, "password": _demo_password()}).encode()
    return _call(port, "/api/auth/token", body=body)["token"]


class _Bench:
    """One backend's measurements; figures go out as they are made."""

    def __init__(self, backend: str, args: argparse.Namespace, deadline: Deadline, work: Path) -> None:
        self.backend, self.args, self.deadline, self.work = backend, args, deadline, work
        self.workers = args.workers or (1 if backend == "sqlite" else 2 * (os.cpu_count() or 1) + 1)
        self.notes: list[str] = []
        self.env: dict[str, str] = {}

    def child(self, phase: str, env: dict[str, str], *extra: str, **kwargs: Any) -> None:
        command = [
            sys.executable,
            "-m",
            "bench.bench_cases",
            "--phase",
            phase,
            "--work",
            str(self.work),
            *extra,
        ]
        subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=self.deadline.left(), **kwargs)

    def drive(self, port: int, token: str, label: str, *options: str) -> dict[str, Any]:
        """Run the load driver; a non-success answer is noted (reported), not fatal."""
        answer = subprocess.run(
            [
                sys.executable, "-m", "bench._driver", "--port", str(port), f"--token={token}",
                "--seconds", str(int(self.deadline.left(reserve=20))), *options,
            ],
            cwd=ROOT, check=True, capture_output=True, text=True, timeout=self.deadline.left(),
        )  # fmt: skip
        result = json.loads(answer.stdout)
        ok = result["ok"] == result["requested"] and not result["failures"]
        print(
            f"[{self.backend}] {label}: {result['ok']}/{result['requested']} ok in {result['seconds']:.1f} s "
            f"({result['rate']:.1f}/s, p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms)"
            + ("" if ok else f" statuses {result['statuses']} {result['failures'][:2]}"),
            file=sys.stderr,
            flush=True,
        )
        if not ok:
            self.notes.append(f"{label}: {result['ok']}/{result['requested']} ok, {result['failures'][:2]}")
        return result

    def rate(
        self, name: str, size: int, result: dict[str, Any], unit: str, baseline: Any = None, **extra: Any
    ) -> Any:
        figure = emit(
            name,
            self.backend,
            size,
            result["rate"],
            unit,
            baseline,
            workers=self.workers,
            concurrency=self.args.clients,
            statuses=result["statuses"],
            **extra,
        )
        for pct in ("p50", "p95"):
            emit(
                f"{name}_{pct}", self.backend, size, result[f"{pct}_ms"], "ms", concurrency=self.args.clients
            )
        return figure

    def latency(
        self, name: str, size: int, result: dict[str, Any], base: dict[str, Any] | None, concurrency: int
    ) -> dict[str, Any]:
        figures = {}
        for pct in ("p50", "p95"):
            figures[pct] = emit(
                f"{name}_{pct}",
                self.backend,
                size,
                result[f"{pct}_ms"],
                "ms",
                base.get(pct) if base else None,
                requests_per_s=round(result["rate"], 1),
                statuses=result["statuses"],
                concurrency=concurrency,
            )
        return figures

    def post(self, port: int, token: str, label: str, inputs: Path, path: str, *more: str) -> dict[str, Any]:
        """POST the bodies of `inputs` to `path` (--count acceptances/intakes) from --clients connections."""
        options = ["--inputs", str(inputs), "--path", path, "--concurrency", str(self.args.clients), *more]
        if "--count" not in more:
            options += ["--count", str(self.args.count)]
        return self.drive(port, token, label, *options)

    def get(self, port: int, token: str, label: str, paths: list[str], concurrency: int) -> dict[str, Any]:
        """GET `paths` in turn (--gets requests) from `concurrency` connections."""
        listed = self.work / "paths.json"
        listed.write_text(json.dumps(paths))
        options = ["--method", "GET", "--paths", str(listed), "--warmup", "10"]
        options += ["--count", str(self.args.gets), "--concurrency", str(concurrency)]
        return self.drive(port, token, label, *options)

    def cases(self, url: str) -> int:
        return _query(self.backend, url, "SELECT COUNT(*) FROM cases_case")[0][0]

    def level(self, port: int, url: str, tokens: dict[str, str], level: int, first: dict[str, Any]) -> None:
        """Acceptance, list and page at `level` existing cases; `first` keeps the first level's figures."""
        args, backend = self.args, self.backend
        if level:
            began = time.monotonic()
            self.child("preload", self.env, "--upto", str(level))
            print(
                f"[{backend}] preloaded to {level} cases in {time.monotonic() - began:.1f} s", file=sys.stderr
            )
        size = self.cases(url)
        cases = self.work / "cases.json"
        result = self.post(port, tokens["officer"], f"POST /api/cases at {size}", cases, "/api/cases")
        figure = self.rate("case_create_http", size, result, "cases/s", first.get("create"))
        first.setdefault("create", figure)
        size = self.cases(url)
        pages = [f"/api/cases?limit=20&offset={20 * k}" for k in range(10)]
        for suffix, users in (("", 1), ("_c20", args.users)):
            result = self.get(
                port, tokens["leader"], f"GET /api/cases (list) at {size}, {users} clients", pages, users
            )
            figures = self.latency(f"case_list_http{suffix}", size, result, first.get(f"list{suffix}"), users)
            first.setdefault(f"list{suffix}", figures)
        sql = (
            f"SELECT id FROM cases_case WHERE number NOT LIKE '{PREFIX_PRELOAD}%' ORDER BY id DESC LIMIT 200"
        )
        pages = [f"/api/cases/{pk}" for (pk,) in _query(backend, url, sql)]
        label = f"GET /api/cases/{{id}} (page) at {size}, {args.users} clients"
        result = self.get(port, tokens["officer"], label, pages, args.users)
        figures = self.latency("case_page_http", size, result, first.get("page"), args.users)
        first.setdefault("page", figures)

    def transitions(self, port: int, url: str, tokens: dict[str, str]) -> None:
        """The service layer in a child process, then the HTTP close of M other cases."""
        out = self.work / "transitions.json"
        seconds = str(int(self.deadline.left(reserve=60)))
        self.child(
            "transitions",
            self.env,
            "--transitions",
            str(self.args.transitions),
            "--out",
            str(out),
            "--seconds",
            seconds,
        )
        done = json.loads(out.read_text())
        size = self.cases(url)
        for name, key in (
            ("case_transition_service", "direct"),
            ("case_transition_approved_service", "approved"),
        ):
            measured = done[key]
            rate = measured["count"] / measured["seconds"]
            emit(name, self.backend, size, rate, "transitions/s", count=measured["count"])
        paths = self.work / "transition-paths.json"
        paths.write_text(json.dumps([f"/api/cases/{pk}/transitions" for pk in done["http_ids"]]))
        body = self.work / "close.json"
        body.write_text(json.dumps([{"transition": "close"}]))
        more = [
            "--paths",
            str(paths),
            "--expect",
            "200",
            "--count",
            str(len(done["http_ids"])),
            "--warmup",
            "0",
        ]
        label = f"POST /api/cases/{{id}}/transitions (close) at {size}"
        result = self.post(port, tokens["officer"], label, body, "", *more)
        self.rate("case_transition_http", size, result, "transitions/s")

    def chain(self, port: int, url: str, tokens: dict[str, str], tmp: Path) -> None:
        """Intake and acceptance with the chain (this server), then without it (a second server)."""
        size = self.cases(url)
        incidents, cases = self.work / "incidents.json", self.work / "cases.json"
        chained: dict[str, Any] = {}
        unchained_entries = 0
        for variant, app in (
            ("chained", None),
            ("unchained", "bench.bench_cases:unchained_application()"),
        ):
            with contextlib.ExitStack() as stack:
                if app:
                    log = tmp / f"gunicorn-cases-unchained-{self.backend}.log"
                    port = stack.enter_context(_gunicorn(self.env, app, self.workers, "sync", log))
                    _when_up(port, self.deadline, tokens["dispatcher"], seconds=300)
                label = f"POST /api/incidents ({variant})"
                more = ["--warmup", "20", "--key-prefix", variant]
                result = self.post(port, tokens["dispatcher"], label, incidents, "/api/incidents", *more)
                if app:
                    sql = f"SELECT COUNT(*) FROM audit_auditentry WHERE seq >= {UNCHAINED_SEQ_BASE}"
                    unchained_entries = _query(self.backend, url, sql)[0][0]
                name = f"intake_http_{variant}"
                extra = {"unchained_entries": unchained_entries} if app else {}
                chained.setdefault(
                    "intake",
                    self.rate(name, self.args.count, result, "incidents/s", chained.get("intake"), **extra),
                )
                result = self.post(
                    port,
                    tokens["officer"],
                    f"POST /api/cases ({variant}) at {size}",
                    cases,
                    "/api/cases",
                    "--warmup",
                    "0",
                )
                chained.setdefault(
                    "case",
                    self.rate(f"case_create_http_{variant}", size, result, "cases/s", chained.get("case")),
                )
        if not unchained_entries:
            self.notes.append("the unchained variant wrote no unchained audit entry: it did not take effect")

    def run(self, tmp: Path) -> list[str]:
        args, backend = self.args, self.backend
        with _database(backend, tmp) as url:
            self.env = _env(url)
            began = time.monotonic()
            setup = [sys.executable, "-m", "bench.bench_intake", "--phase", "setup"]
            subprocess.run(setup, env=self.env, cwd=ROOT, check=True, timeout=self.deadline.left())
            self.child("inputs", self.env, "--count", str(args.count))
            print(
                f"[{backend}] database ready in {time.monotonic() - began:.1f} s", file=sys.stderr, flush=True
            )
            app = "bench.bench_cases:persistent_application()"
            with _gunicorn(
                self.env, app, self.workers, "sync", tmp / f"gunicorn-cases-{backend}.log"
            ) as port:
                _when_up(port, self.deadline, seconds=300)  # a loaded machine boots slowly
                tokens = {name: _token(port, name) for name in ("officer", "leader", "dispatcher")}
                first: dict[str, Any] = {}
                for level in sorted({0, min(10_000, args.size), args.size}):
                    self.level(port, url, tokens, level, first)
                self.transitions(port, url, tokens)
                self.chain(port, url, tokens, tmp)
            if args.profile:
                target = args.profile_dir / f"profile-cases-{backend}.txt"
                with target.open("w") as output:
                    self.child("profile", self.env, "--count", str(args.profile_count), stdout=output)
                print(f"[{backend}] profile written to {target}", file=sys.stderr, flush=True)
        return self.notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_cases",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--size", type=int, default=50_000, help="existing cases at the last level (default 50,000)"
    )
    parser.add_argument(
        "--count", type=int, default=300, help="acceptances/intakes per measurement (default 300)"
    )
    parser.add_argument(
        "--gets", type=int, default=200, help="GET requests per latency measurement (default 200)"
    )
    parser.add_argument(
        "--transitions", type=int, default=200, help="transitions per measurement (default 200)"
    )
    parser.add_argument("--clients", type=int, default=8, help="connections for writes (default 8)")
    parser.add_argument("--users", type=int, default=20, help="connections for the pages (default 20)")
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (default 2 x cores + 1; SQLite 1)"
    )
    parser.add_argument("--profile", action="store_true", help="also profile case acceptance (cProfile, SQL)")
    parser.add_argument("--profile-count", type=int, default=200)
    parser.add_argument("--profile-dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--timeout", type=float, default=1200, help="global bound in seconds (default 1200)")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--upto", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=300, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    phases: dict[str, Callable[[argparse.Namespace], None]] = {
        "inputs": _phase_inputs,
        "preload": _phase_preload,
        "transitions": _phase_transitions,
        "profile": _phase_profile,
    }
    if args.phase:
        phases[args.phase](args)
        return 0

    deadline = Deadline(args.timeout)
    print(f"# bench_cases: commit {_commit()}, load {_load()}", file=sys.stderr, flush=True)
    failed = False
    with tempfile.TemporaryDirectory(prefix="jingwu-bench-cases-") as tmp:
        for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
            work = Path(tmp) / backend
            work.mkdir()
            try:
                notes = _Bench(backend, args, deadline, work).run(Path(tmp))
            except Exception as exc:  # report, clean up (the context managers did), go on
                traceback.print_exc()
                print(f"[{backend}] benchmark failed: {exc!r}", file=sys.stderr, flush=True)
                failed = True
                continue
            for note in notes:
                print(f"[{backend}] FAILURE: {note}", file=sys.stderr, flush=True)
            failed = failed or bool(notes)
    print(f"# load average after: {_load()} (other processes share these cores)", file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
