"""PostgreSQL restarted under load (数据库重启): a private PostgreSQL cluster (its own data directory and
port, never the machine's server on 5432), gunicorn with two workers in production mode (persistent
connections with health checks, as jingwu/settings.py configures them), and clients posting incidents
with Idempotency-Keys and retrying on errors. In the middle of the burst the cluster is stopped (fast
shutdown: every backend is killed, open transactions roll back), left down for a moment, and started
again. The app must reconnect by itself, every acknowledged incident must exist exactly once, nothing
half-written may be visible, and the audit chain must verify."""

from __future__ import annotations

import base64
import glob
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.livestack import free_port
from tests.security.test_faults import SETUP, Burst, check_consistency, manage, token_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
WORKERS, EACH = 4, 12
OUTAGE_SECONDS = 1.5


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


@dataclass
class Cluster:
    """A throw-away PostgreSQL cluster run by pg_ctl (as `postgres` when the tests run as root)."""

    bin: Path
    base: Path
    port: int
    run_as: list[str]

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def run(self, program: str, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [*self.run_as, str(self.bin / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"{program} failed: {done.stdout[-2000:]} {done.stderr[-2000:]}"

    def start(self) -> None:
        # Unix socket in our own directory, TCP on 127.0.0.1 only, on a port nobody else uses. No fsync
        # (fewer disk waits while migrating on a shared machine): what is under test is a clean (fast)
        # shutdown and restart, which writes every committed transaction out anyway.
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "start", "-w", "-t", "30", "-D", str(self.data), "-l", str(self.base / "pg.log"),
                 "-o", options)  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "stop", "-w", "-t", "30", "-m", mode, "-D", str(self.data))


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    bin_dir = _pg_bin()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb, pg_ctl) are not installed")
    run_as: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="jingwu-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base)
            pytest.skip("running as root and there is no `postgres` user to own a private cluster")
        runuser = shutil.which("runuser")
        if runuser is None:
            shutil.rmtree(base)
            pytest.skip("running as root and `runuser` is missing")
        os.chown(base, owner.pw_uid, owner.pw_gid)
        run_as = [runuser, "-u", "postgres", "--"]
    port = free_port()
    assert port != 5432  # never the machine's own server
    cluster = Cluster(bin=bin_dir, base=base, port=port, run_as=run_as)
    started = False
    try:
        cluster.run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        cluster.start()
        started = True
        yield cluster
    finally:
        if started:
            subprocess.run(
                [*run_as, str(bin_dir / "pg_ctl"), "stop", "-w", "-m", "immediate", "-D", str(cluster.data)],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class Gunicorn:
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _wait_for_api(server: Gunicorn, log: Path, seconds: float = 180) -> None:
    """Until the API answers at all: 401 from /api/auth/me is an answer (pages in production mode
    would need the collected static manifest, and the schema is slow to build)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn exited before answering:\n{log.read_text()[-3000:]}")
        status, _ = call_get(server.url + "/api/auth/me")
        if status:
            return
        time.sleep(0.2)
    raise AssertionError(f"no answer from {server.url} within {seconds} s")


def call_get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        if error.code == 503:
            assert error.headers["Retry-After"], "a 503 tells the client when to retry"
        return error.code, error.read()
    except OSError:
        return 0, b""


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[Gunicorn]:
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "jingwu.wsgi",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--log-level",
        "warning",
        "--preload",  # the app imported once, before forking (worker boot is slow on a busy machine)
    ]
    with log.open("w") as output:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=output)
    server = Gunicorn(env=env, port=port, process=process)
    try:
        _wait_for_api(server, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_postgresql_restart_under_load_is_survived_without_manual_action(tmp_path) -> None:
    import psycopg

    with private_cluster() as cluster:
        with psycopg.connect(f"{cluster.url}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE jingwu")
        setup_env = {
            **os.environ,
            "JINGWU_MODE": "demo",
            "DATABASE_URL": f"{cluster.url}/jingwu",
            # Test-only keys, the same for the set-up and for the production-mode server.
            "JINGWU_DATA_KEYS": "t1:" + base64.b64encode(b"jingwu-db-restart-test-data-key!").decode(),
            "JINGWU_INDEX_KEYS": "t1:" + base64.b64encode(b"jingwu-db-restart-test-index-key").decode(),
        }
        setup_env.pop("JINGWU_OTP_ENFORCED", None)
        began = time.monotonic()
        manage(setup_env, "migrate", "--no-input", "-v0")
        migrated = time.monotonic()
        village = manage(setup_env, "shell", "-c", SETUP).strip().splitlines()[-1]
        print(f"migrate {migrated - began:.1f} s, reference data {time.monotonic() - migrated:.1f} s")
        env = {
            **setup_env,
            # As deployed: production settings (CONN_MAX_AGE=60 with health checks), behind a TLS proxy.
            "JINGWU_MODE": "production",
            "SECRET_KEY": "jingwu-db-restart-test-key-0123456789abcdef0123456789",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "JINGWU_OTP_ENFORCED": "0",
            "PYTHONUNBUFFERED": "1",
        }
        with gunicorn(env, tmp_path / "gunicorn.log") as server:
            burst = Burst(server=server, token=token_for(server, "dispatcher"), village=village)  # type: ignore[arg-type]
            threads = [threading.Thread(target=burst.client, args=(w, EACH)) for w in range(WORKERS)]
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 60
            while len(burst.acknowledged) < WORKERS * EACH // 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(burst.acknowledged) >= WORKERS * EACH // 3, "the burst never got going"

            # Restart under load: fast shutdown kills every backend (some mid-transaction), then a pause
            # during which calls fail and clients retry, then the cluster is back on the same port.
            retries_before = burst.retries
            cluster.stop("fast")
            down = time.monotonic()
            # While the database is down the API says so, as JSON, and asks the client to retry.
            status, body = call_get(server.url + "/api/auth/me", burst.token)
            assert status == 503, (status, body)
            assert json.loads(body)["detail"] == "数据库暂时不可用，请稍后重试"
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down)))
            cluster.start()
            back = time.monotonic()
            acknowledged_when_back = len(burst.acknowledged)
            while len(burst.acknowledged) == acknowledged_when_back and time.monotonic() < back + 30:
                time.sleep(0.05)
            recovered_after = time.monotonic() - back
            for thread in threads:
                thread.join(timeout=120)
            print(f"burst done {time.monotonic() - back:.1f} s after the restart, {burst.retries} retries")

            assert burst.retries > retries_before, "calls must have failed during the outage and been retried"
            # Not a speed claim: without reconnecting the app would never answer again (30 s ceiling).
            assert len(burst.acknowledged) > acknowledged_when_back, "the app did not recover by itself"
            print(f"first acknowledgement {recovered_after:.2f} s after the cluster was back")
            assert server.process.poll() is None  # the same gunicorn master, never restarted
            # Both workers still answer fresh reads on their reconnected connections.
            for _ in range(4):
                status, body = call_get(server.url + "/api/auth/me", burst.token)
                assert status == 200, body
            check_consistency(server, burst, expected=WORKERS * EACH)  # type: ignore[arg-type]
