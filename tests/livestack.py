"""A real Jingwu server in a subprocess, on its own database loaded with the demo bureau.

Used by the browser tests and the real-HTTP API tests. The server gets a database of its own (a
temporary SQLite file, or a fresh PostgreSQL database when DATABASE_URL points at PostgreSQL), so
the tests' own transactional database is untouched.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


_DATABASE_NUMBERS = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_database(tmp: Path) -> Iterator[str]:
    outer = os.environ.get("DATABASE_URL", "")
    if not outer.startswith("postgres"):
        yield f"sqlite:///{tmp / 'live.sqlite3'}"
        return
    import psycopg

    base, _, _ = outer.rpartition("/")
    # One database per call: a session's demo server and a test's own server may live side by side.
    name = f"jingwu_live_{os.getpid()}_{next(_DATABASE_NUMBERS)}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def live_demo_server(tmp: Path) -> Iterator[str]:
    with live_database(tmp) as database_url:
        env = {**os.environ, "JINGWU_MODE": "demo", "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (["migrate", "--no-input", "-v0"], ["demo_load"]):
            subprocess.run(manage + command, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        port = free_port()
        log = (tmp / "server.log").open("w")
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url + "/login/", server)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)
            log.close()


def wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url} within {seconds} s")
