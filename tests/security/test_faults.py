"""Faults (故障注入): the app server killed with SIGKILL in the middle of a burst of intake calls, and (on
PostgreSQL) the app's database connections terminated under load. Clients retry as real ones do, with
the same Idempotency-Key; afterwards every acknowledged incident exists exactly once, nothing
half-written is visible (an incident without its number, first step or audit entry), and the audit chain
verifies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.livestack import free_port, live_database, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
PASSWORD = "jingwu-demo-2026"

SETUP = """
import random
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.geo.reference import load_reference_data
from jingwu.org import demo
from jingwu.org.demo import ensure_demo_accounts
load_reference_data(); ensure_demo_accounts(); demo.load(random.Random(350824))
villages = Division.objects.filter(level=DivisionLevel.VILLAGE, parent__name="桃溪镇")
print(villages.order_by("code").first().code)
"""

CHECK = """
import json, sys
from jingwu.audit.models import AuditEntry
from jingwu.incidents.choices import StepKind
from jingwu.incidents.models import Incident
keys = json.loads(sys.stdin.read())
rows = list(Incident.objects.filter(idempotency_key__in=keys).values("id", "idempotency_key", "number"))
audited = set(AuditEntry.objects.filter(action="incident.create").values_list("object_id", flat=True))
received = set(Incident.objects.filter(steps__kind=StepKind.RECEIVED).values_list("id", flat=True))
everything = list(Incident.objects.values_list("id", "number"))
print(json.dumps({
    "rows": rows,
    "without_number": [i for i, n in everything if not n],
    "without_audit": [i for i, _ in everything if str(i) not in audited],
    "without_step": [i for i, _ in everything if i not in received],
    "total": len(everything),
}))
"""


@dataclass
class Server:
    env: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "manage.py"),
                    "runserver",
                    f"127.0.0.1:{self.port}",
                    "--noreload",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
        wait_until_up(self.url + "/login/", self.process, seconds=60)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)  # no cleanup, no rollback hooks: the power is cut
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@contextmanager
def live_server(tmp: Path) -> Iterator[tuple[Server, str]]:
    with live_database(tmp) as database_url:
        env = {**os.environ, "JINGWU_MODE": "demo", "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
        env.pop("JINGWU_OTP_ENFORCED", None)
        manage(env, "migrate", "--no-input", "-v0")
        village = manage(env, "shell", "-c", SETUP).strip().splitlines()[-1]
        server = Server(env=env, port=free_port(), log=tmp / "server.log")
        server.start()
        try:
            yield server, village
        finally:
            server.stop()


def call(url: str, body: dict[str, Any], headers: dict[str, str], timeout: float = 10) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@dataclass
class Burst:
    """Clients sending intake calls, each retried with its key until acknowledged (as a real client)."""

    server: Server
    token: str
    village: str
    acknowledged: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    in_flight: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def payload(self, n: int) -> dict[str, Any]:
        return {
            "source": "phone_110",
            "village_code": self.village,
            "category": "dispute",
            "subcategory": "neighbour",
            "priority": 2,
            "narrative": f"故障测试第{n}起：邻居因排水沟堵塞发生争吵",
        }

    def send(self, key: str, n: int) -> None:
        deadline = time.monotonic() + 120
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key}
        while time.monotonic() < deadline:
            with self.lock:
                self.in_flight += 1
            try:
                status, body = call(self.server.url + "/api/incidents", self.payload(n), headers)
            except (OSError, urllib.error.URLError, json.JSONDecodeError):
                status, body = 0, None  # connection refused or cut: the server is down
            finally:
                with self.lock:
                    self.in_flight -= 1
            if status in (200, 201):
                with self.lock:
                    self.acknowledged[key] = body["id"]
                return
            if status and status < 500:
                self.failures.append(f"{key}: {status} {body}")
                return
            with self.lock:
                self.retries += 1
            time.sleep(0.3)
        self.failures.append(f"{key}: never acknowledged")

    def client(self, worker: int, count: int) -> None:
        for n in range(count):
            self.send(f"fault-{worker}-{n}-{uuid.uuid4().hex[:8]}", worker * 1000 + n)


def token_for(server: Server, username: str) -> str:
    status, body = call(server.url + "/api/auth/token", {"username": username, "password": PASSWORD}, {})
    assert status == 200, body
    return body["token"]


def run_burst(
    server: Server, village: str, disrupt: Any, workers: int = 4, each: int = 12
) -> tuple[Burst, list]:
    burst = Burst(server=server, token=token_for(server, "dispatcher"), village=village)
    threads = [threading.Thread(target=burst.client, args=(w, each)) for w in range(workers)]
    for thread in threads:
        thread.start()
    # Strike once a third of the calls are acknowledged, while others are on the wire.
    deadline = time.monotonic() + 120
    while len(burst.acknowledged) < workers * each // 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    in_flight_at_strike = burst.in_flight
    disrupt()
    for thread in threads:
        thread.join(timeout=300)
    return burst, [in_flight_at_strike]


def check_consistency(server: Server, burst: Burst, expected: int) -> None:
    assert not burst.failures, burst.failures
    assert len(burst.acknowledged) == expected
    out = manage(server.env, "shell", "-c", CHECK, stdin=json.dumps(list(burst.acknowledged)))
    state = json.loads(out.strip().splitlines()[-1])  # after the shell's own notice
    by_key: dict[str, list[int]] = {}
    for row in state["rows"]:
        by_key.setdefault(row["idempotency_key"], []).append(row["id"])
    # Every acknowledged incident exists exactly once, under the id the client was told.
    assert by_key == {key: [pk] for key, pk in burst.acknowledged.items()}
    assert state["total"] == expected  # nothing beyond what was acknowledged (no orphan from a lost reply)
    # Nothing half-written: every incident has its number, its first step and its audit entry.
    assert state["without_number"] == state["without_audit"] == state["without_step"] == []
    assert "audit chain OK" in manage(server.env, "audit_verify")


def test_sigkill_in_a_burst_of_intake_loses_and_duplicates_nothing(tmp_path) -> None:
    with live_server(tmp_path) as (server, village):

        def crash_and_restart() -> None:
            server.kill()
            time.sleep(0.5)
            server.start()  # same database, nothing repaired by hand

        burst, (in_flight,) = run_burst(server, village, crash_and_restart)
        assert in_flight > 0, "the kill must hit requests on the wire"
        assert burst.retries > 0, "some calls must have failed and been retried"
        check_consistency(server, burst, expected=4 * 12)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL only (DATABASE_URL)"
)
def test_dropped_database_connections_are_recovered_without_manual_action(tmp_path) -> None:
    import psycopg

    with live_server(tmp_path) as (server, village):
        database = server.env["DATABASE_URL"].rpartition("/")[2]
        admin_url = server.env["DATABASE_URL"].rpartition("/")[0] + "/postgres"
        terminated: list[int] = []

        def drop_connections() -> None:
            # What a PostgreSQL restart does to the app, without restarting the shared server: every
            # backend of the app's database is killed, mid-transaction for some.
            with psycopg.connect(admin_url, autocommit=True) as conn:
                for _ in range(3):
                    rows = conn.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = %s AND pid <> pg_backend_pid()",
                        [database],
                    ).fetchall()
                    terminated.append(len(rows))
                    time.sleep(0.3)

        burst, _ = run_burst(server, village, drop_connections)
        assert sum(terminated) > 0
        assert (
            server.process is not None and server.process.poll() is None
        )  # the same process, never restarted
        check_consistency(server, burst, expected=4 * 12)
