"""Jingwu in production form (生产形态): two gunicorn app servers and two task workers (jobs_worker)
against one PostgreSQL database, in production settings.

- Concurrent intake (with Idempotency-Keys, some sent twice to different servers), case acceptance,
  racing assignments (optimistic locking: 409, re-read, retry) and racing transitions/approvals at both
  servers from threads; then: no duplicate case number, no lost update, every audit chain verifies.
- Jobs enqueued while that goes on (outbox delivery through an SMS gateway command that logs each send,
  deadline sweeps, slow probe jobs): every job claimed once, each effect counted exactly once.
- A task worker SIGKILLed in the middle of a job, before and after the job's commit: the job runs again
  on another worker and its effect happens once.
- /healthz: ok with the queue's figures, and 503 when the database does not answer.

PostgreSQL only: the multi-process guarantees (row locks with SKIP LOCKED, advisory-lock leases) are
PostgreSQL's; a SQLite file is one machine's, one writer at a time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.api.helpers import http_json
from tests.livestack import free_port, live_database
from tests.security.test_faults import SETUP, manage

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "jingwu-demo-2026"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="PostgreSQL only: several app servers and workers share one PostgreSQL (DATABASE_URL)",
    ),
]


def production_env(database_url: str, tmp: Path) -> dict[str, str]:
    from django.conf import settings

    env = {
        **os.environ,
        "JINGWU_MODE": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "jingwu-production-form-test-key-0123456789abcdef0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "JINGWU_OTP_ENFORCED": "0",
        # The demo data was written with the demo keys: the production processes read it with them.
        "JINGWU_DATA_KEYS": settings.JINGWU_DATA_KEYS,
        "JINGWU_INDEX_KEYS": settings.JINGWU_INDEX_KEYS,
        "JINGWU_NOTIFY_CHANNELS": "",
        # The SMS gateway: one line per message handed to it, so a test can count the sends.
        "JINGWU_SMS_COMMAND": f"{sys.executable} {ROOT / 'tests' / 'sms_sink.py'} {tmp / 'sms.log'} "
        "{phone}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("JINGWU_TASKS", None)
    return env


@pytest.fixture(scope="module")
def stack_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """One migrated PostgreSQL database with the demo bureau, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp("production-form")
    with live_database(tmp) as database_url:
        env = {**os.environ, "JINGWU_MODE": "demo", "DATABASE_URL": database_url}
        env.pop("JINGWU_OTP_ENFORCED", None)
        manage(env, "migrate", "--no-input", "-v0")
        village = manage(env, "shell", "-c", SETUP).strip().splitlines()[-1]
        import psycopg

        from tests.jobs_probe import TABLES

        with psycopg.connect(database_url, autocommit=True) as conn:
            for statement in TABLES:
                conn.execute(statement)
        yield database_url, village, tmp


@contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as output:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=output)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def app_server(stack: ExitStack, env: dict[str, str], log: Path, workers: int = 2) -> str:
    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [
        gunicorn,
        "jingwu.wsgi",
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--no-control-socket",
    ]
    proc = stack.enter_context(process(command, env, log))
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/api/openapi.json", proc)  # no static manifest needed
    return url


def wait_for(url: str, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    """Like livestack.wait_until_up, but patient with a first request on a busy machine."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode}) before answering")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no answer from {url} within {seconds} s")


def task_worker(stack: ExitStack, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(ROOT / "manage.py"), "jobs_worker", "--interval", "0.2"]
    return stack.enter_context(process(command, env, log))


def shell(env: dict[str, str], code: str, stdin: str | None = None) -> Any:
    """Run `code` in `manage.py shell` against the live database; its last line is JSON."""
    return json.loads(manage(env, "shell", "-c", code, stdin=stdin).strip().splitlines()[-1])


def token(url: str, username: str) -> str:
    status, body = http_json(
        url, "POST", "/api/auth/token", body={"username": username, "password": PASSWORD}
    )
    assert status == 200, body
    return body["token"]


# --------------------------------------------------------------------------------------------------------
# two app servers, two workers

ENQUEUE = """
import json
from django.utils import timezone
from jingwu.notifications.models import OutboxMessage
from jingwu.notifications.tasks import outbox_deliver_task
from tests.jobs_probe import probe
OutboxMessage.objects.bulk_create(
    OutboxMessage(channel="sms", address=f"1390000{n:04d}", subject=f"测试短信{n}", body="生产形态测试")
    for n in range(40)
)
ids = [str(outbox_deliver_task.using(priority=10).enqueue(limit=15).id) for _ in range(6)]
ids += [str(probe.enqueue(key=f"probe-{n}", hold=0.3, stage="before_commit").id) for n in range(10)]
print(json.dumps(ids))
"""

SWEEP = """
import json, sys
from jingwu.supervision.tasks import deadlines_sweep_task
at = json.loads(sys.stdin.read())
print(json.dumps([str(deadlines_sweep_task.enqueue(at=at).id) for _ in range(4)]))
"""

JOBS = """
import json, sys
from django_tasks_db.models import DBTaskResult
from jingwu.audit.models import AuditEntry
from jingwu.cases.models import Case
from jingwu.incidents.models import Incident
from jingwu.notifications.models import OutboxMessage
from jingwu.supervision.models import Deadline
keys = json.loads(sys.stdin.read())
rows = list(DBTaskResult.objects.values("id", "task_path", "status", "worker_ids", "return_value"))
for row in rows:
    row["id"] = str(row["id"])
numbers = list(Case.objects.values_list("number", flat=True))
sweeps = [e.changes for e in AuditEntry.objects.filter(action="supervision.sweep")]
print(json.dumps({
    "jobs": rows,
    "outbox": list(OutboxMessage.objects.values_list("address", "status")),
    "incidents": list(Incident.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", "id")),
    "numbers": numbers,
    "cases": {str(c.pk): [c.status, c.version, c.is_major] for c in Case.objects.all()},
    "breach": Deadline.objects.filter(status="breach").count(),
    "sweep_audits": sweeps,
}, default=str))
"""


def retrying(call: Any, tries: int = 20) -> tuple[int, Any]:
    """A client that retries on 409 after re-reading (the caller's `call` re-reads) and on 5xx."""
    for _ in range(tries):
        status, body = call()
        if status not in (409, 500, 502, 503):
            return status, body
        time.sleep(0.05)
    return status, body


def test_two_app_servers_and_two_workers_on_one_postgresql(stack_database, tmp_path) -> None:
    database_url, village, tmp = stack_database
    env = production_env(database_url, tmp)
    with ExitStack() as stack:
        urls = [app_server(stack, env, tmp_path / f"web{n}.log") for n in (1, 2)]
        workers = [task_worker(stack, env, tmp_path / f"worker{n}.log") for n in (1, 2)]
        tokens = {u: token(urls[0], u) for u in ("dispatcher", "officer", "legal_officer", "chief")}
        job_ids = shell(env, ENQUEUE)

        # -- intake: 4 clients × 10 calls, alternating servers; each call repeated at the other server.
        keys: dict[str, set[int]] = {}
        failures: list[str] = []
        lock = threading.Lock()

        def intake(client: int) -> None:
            for n in range(10):
                key = f"prod-{client}-{n}-{uuid.uuid4().hex[:8]}"
                body = {
                    "source": "phone_110",
                    "village_code": village,
                    "category": "dispute",
                    "subcategory": "neighbour",
                    "priority": 2,
                    "narrative": f"生产形态测试第{client}-{n}起",
                }
                headers = {"Idempotency-Key": key}
                for url in (urls[n % 2], urls[(n + 1) % 2]):
                    status, out = retrying(
                        partial(http_json, url, "POST", "/api/incidents", tokens["dispatcher"], body, headers)
                    )
                    with lock:
                        if status in (200, 201):
                            keys.setdefault(key, set()).add(out["id"])
                        else:
                            failures.append(f"intake {status} {out}")

        # -- cases: 2 officers' clients × 6 acceptances, alternating servers.
        accepted: list[dict[str, Any]] = []

        def accept(client: int) -> None:
            for n in range(6):
                body = {
                    "kind": "criminal",
                    "title": f"生产形态测试案件{client}-{n}",
                    "facts": "报案人称家中财物被盗",
                    "source": "walk_in",
                }
                status, out = http_json(urls[(client + n) % 2], "POST", "/api/cases", tokens["officer"], body)
                with lock:
                    if status == 201:
                        accepted.append(out)
                    else:
                        failures.append(f"accept {status} {out}")

        threads = [threading.Thread(target=intake, args=(c,)) for c in range(4)]
        threads += [threading.Thread(target=accept, args=(c,)) for c in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=240)
        assert not failures, failures[:5]

        # -- racing edits of each case at both servers: two assignments (each re-reads on 409 and
        # retries), then two "file" requests and two approval decisions racing.
        from jingwu.cases.offences import find_offence

        theft = find_offence("盗窃罪", "criminal").code  # type: ignore[union-attr]
        conflicts = Counter[str]()
        outcomes: dict[int, list[tuple[int, bool]]] = {}

        def assign(case_id: int, who: str, url: str, major: bool, lead_id: int) -> None:
            def attempt() -> tuple[int, Any]:
                _, case = http_json(url, "GET", f"/api/cases/{case_id}", tokens[who])
                body = {"version": case["version"], "kind": "criminal", "offence_code": theft,
                        "is_major": major, "lead_officer_id": lead_id}  # fmt: skip
                status, out = http_json(url, "PUT", f"/api/cases/{case_id}/assignment", tokens[who], body)
                if status == 409:
                    with lock:
                        conflicts["assign"] += 1
                return status, out

            status, out = retrying(attempt)
            with lock:
                if status == 200:
                    outcomes.setdefault(case_id, []).append((out["version"], major))
                else:
                    failures.append(f"assign {status} {out}")

        def file_and_approve(case_id: int, who: str, url: str) -> None:
            body = {"transition": "file", "reason": ""}
            status, _ = http_json(url, "POST", f"/api/cases/{case_id}/transitions", tokens[who], body)
            with lock:
                conflicts[f"file {status}"] += 1

        lead_id = shell(env, "import json; from jingwu.org.models import User; "
                             "print(json.dumps(User.objects.get(username='officer').pk))")  # fmt: skip
        racers = []
        for case in accepted:
            racers.append(
                threading.Thread(target=assign, args=(case["id"], "legal_officer", urls[0], False, lead_id))
            )
            racers.append(
                threading.Thread(target=assign, args=(case["id"], "legal_officer", urls[1], True, lead_id))
            )
        for thread in racers:
            thread.start()
        for thread in racers:
            thread.join(timeout=240)
        assert not failures, failures[:5]

        racers = []
        for case in accepted:
            racers.append(
                threading.Thread(target=file_and_approve, args=(case["id"], "legal_officer", urls[0]))
            )
            racers.append(
                threading.Thread(target=file_and_approve, args=(case["id"], "legal_officer", urls[1]))
            )
        for thread in racers:
            thread.start()
        for thread in racers:
            thread.join(timeout=240)
        status, approvals = http_json(urls[0], "GET", "/api/cases/approvals", tokens["chief"])
        assert status == 200, approvals
        mine = [a for a in approvals if a["case_id"] in {c["id"] for c in accepted}]
        decisions = Counter[int]()

        def decide(approval_id: int, url: str) -> None:
            path = f"/api/cases/approvals/{approval_id}/decision"
            body = {"decision": "approve", "opinion": "同意"}
            status, _ = http_json(url, "POST", path, tokens["chief"], body)
            with lock:
                decisions[status] += 1

        racers = [threading.Thread(target=decide, args=(a["id"], u)) for a in mine for u in urls]
        for thread in racers:
            thread.start()
        for thread in racers:
            thread.join(timeout=240)

        # -- the sweep, four times at once, at a moment after every deadline.
        sweep_ids = shell(env, SWEEP, stdin=json.dumps("2099-01-01T00:00:00+08:00"))

        # -- /healthz of a server under load: no login, JSON, the queue's figures.
        status, health = http_json(urls[1], "GET", "/healthz")
        assert status == 200 and health["status"] == "ok" and health["database"] == "postgresql", health
        assert set(health["tasks"]) >= {"ready", "running", "oldest_ready_age_seconds"}

        # -- wait for the queue to drain (both workers alive all along).
        expected = set(job_ids) | set(sweep_ids)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = shell(env, JOBS, stdin=json.dumps(list(keys)))
            done = {j["id"] for j in state["jobs"] if j["status"] in ("SUCCESSFUL", "FAILED")}
            if expected <= done and not [j for j in state["jobs"] if j["status"] in ("READY", "RUNNING")]:
                break
            time.sleep(1)
        assert all(w.poll() is None for w in workers), "a worker died"
        audit = manage(env, "audit_verify")

    # Intake: every key acknowledged with one id at both servers, and stored once.
    assert len(keys) == 40 and all(len(ids) == 1 for ids in keys.values()), keys
    stored = Counter(k for k, _ in state["incidents"])
    assert set(stored) == set(keys) and set(stored.values()) == {1}
    # Cases: distinct numbers everywhere (responses and database).
    assert len({c["number"] for c in accepted}) == len(accepted) == 12
    assert len(set(state["numbers"])) == len(state["numbers"])
    # No lost update: both racing assignments of each case applied, one after the other (versions 2, 3;
    # the later one's values are what is stored), and one of the racing "file" requests won per case.
    for case in accepted:
        applied = sorted(outcomes[case["id"]])
        assert [v for v, _ in applied] == [2, 3], applied
        status_, version, is_major = state["cases"][str(case["id"])]
        assert version >= 3 and is_major == applied[-1][1]
        assert status_ == "filed", (case["id"], status_)
    assert conflicts["file 202"] == len(accepted) and conflicts["file 409"] == len(accepted), conflicts
    assert decisions[200] == len(accepted) and decisions[409] == len(accepted), decisions
    print(f"assignment conflicts answered 409 and retried: {conflicts['assign']}")
    # Jobs: each claimed by exactly one worker, all successful; both workers took part.
    jobs = {j["id"]: j for j in state["jobs"]}
    for job_id in expected:
        assert jobs[job_id]["status"] == "SUCCESSFUL", jobs[job_id]
        assert len(jobs[job_id]["worker_ids"]) == 1, jobs[job_id]
    assert len({jobs[j]["worker_ids"][0] for j in expected}) == 2, "both workers should have run jobs"
    # Effects once: each SMS handed to the gateway once and marked sent; each deadline moved once.
    sends = Counter((tmp / "sms.log").read_text().split())
    assert len(sends) == 40 and set(sends.values()) == {1}, sends.most_common(3)
    assert {status for _, status in state["outbox"]} == {"sent"}
    swept = sum(jobs[j]["return_value"]["breach"] for j in sweep_ids)
    assert swept == state["breach"] == sum(e["breach"] for e in state["sweep_audits"]), (
        swept,
        state["breach"],
    )
    assert "audit chain OK" in audit


# --------------------------------------------------------------------------------------------------------
# a worker killed mid-job

PROBE = """
import json, sys
from tests.jobs_probe import probe
key, stage = json.loads(sys.stdin.read())
print(json.dumps(str(probe.enqueue(key=key, hold=60, stage=stage).id)))
"""

PROBE_STATE = """
import json, sys
from django.db import connection
from django_tasks_db.models import DBTaskResult
key, job = json.loads(sys.stdin.read())
with connection.cursor() as cursor:
    cursor.execute("SELECT pid FROM jobs_probe_attempt WHERE key = %s ORDER BY id", [key])
    attempts = [r[0] for r in cursor.fetchall()]
    cursor.execute("SELECT count(*) FROM jobs_probe_effect WHERE key = %s", [key])
    effects = cursor.fetchone()[0]
row = DBTaskResult.objects.get(pk=job)
print(json.dumps({"attempts": attempts, "effects": effects, "status": row.status, "workers": row.worker_ids,
                  "value": row.return_value}))
"""


def test_a_worker_killed_mid_job_hands_the_job_over_and_its_effect_happens_once(
    stack_database, tmp_path
) -> None:
    database_url, _, tmp = stack_database
    env = production_env(database_url, tmp)
    with ExitStack() as stack:
        workers = [task_worker(stack, env, tmp_path / f"worker{n}.log") for n in (1, 2, 3)]
        by_pid = {w.pid: w for w in workers}
        for stage in ("before_commit", "after_commit"):
            key = f"kill-{stage}-{uuid.uuid4().hex[:6]}"
            job = shell(env, PROBE, stdin=json.dumps([key, stage]))
            deadline = time.monotonic() + 60
            state = shell(env, PROBE_STATE, stdin=json.dumps([key, job]))
            while not state["attempts"] and time.monotonic() < deadline:
                time.sleep(0.3)
                state = shell(env, PROBE_STATE, stdin=json.dumps([key, job]))
            [victim] = state["attempts"]
            time.sleep(0.5)  # well inside the job's 60 s hold
            os.kill(victim, signal.SIGKILL)  # no cleanup: its transaction and its lease die with it
            by_pid[victim].wait(timeout=10)

            deadline = time.monotonic() + 60
            while state["status"] != "SUCCESSFUL" and time.monotonic() < deadline:
                time.sleep(0.5)
                state = shell(env, PROBE_STATE, stdin=json.dumps([key, job]))
            assert state["status"] == "SUCCESSFUL", state
            # Run twice, by two different workers; its effect once.
            assert len(state["attempts"]) == 2 and state["attempts"][0] != state["attempts"][1], state
            assert len(state["workers"]) == 2 and state["workers"][0] != state["workers"][1]
            assert state["effects"] == 1
            # Killed before its commit: the re-run wrote the effect; after it: the re-run found it there.
            assert state["value"] == {"inserted": 1 if stage == "before_commit" else 0, "attempt": 2}


# --------------------------------------------------------------------------------------------------------
# /healthz


def test_healthz_answers_503_when_the_database_is_unreachable(stack_database, tmp_path) -> None:
    _, _, tmp = stack_database
    dead = f"postgres://postgres@127.0.0.1:{free_port()}/nowhere"  # nothing listens there
    env = production_env(dead, tmp)
    with ExitStack() as stack:
        port = free_port()
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        proc = stack.enter_context(
            process(
                [gunicorn, "jingwu.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--no-control-socket"],
                env,
                tmp_path / "web.log",
            )
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        status, body = 0, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, body = http_json(url, "GET", "/healthz")
                break
            except OSError:
                time.sleep(0.3)
        assert status == 503, (status, body)
        assert body == {"status": "unavailable", "database": "unreachable", "tasks": None}
