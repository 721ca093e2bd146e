"""Backup and restore (备份与恢复): a populated database (its own, built by subprocesses as a deployment
would be) backed up with `manage.py backup`, restored with `manage.py restore` into an empty one,
compared table by table (row count and a hash over every row), and its audit chain verified on the copy.
Runs on SQLite by default and on PostgreSQL when DATABASE_URL points there (pg_dump/pg_restore)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.livestack import live_database

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

POPULATE = """
import random
from jingwu.audit.services import audit_record
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.geo.reference import load_reference_data
from jingwu.incidents.services import incident_create
from jingwu.org import demo
from jingwu.org.demo import ensure_demo_accounts
from jingwu.org.models import User
from jingwu.people import demo as people_demo
load_reference_data(); ensure_demo_accounts(); rng = random.Random(350824)
demo.load(rng); people_demo.load(rng)
dispatcher = User.objects.get(username="dispatcher")
village = Division.objects.filter(level=DivisionLevel.VILLAGE, parent__name="桃溪镇").order_by("code").first()
for n in range(5):
    incident_create(actor=dispatcher, source="phone_110", village_code=village.code, category="dispute",
                    subcategory="neighbour", narrative=f"备份测试第{n}起：邻里纠纷",
                    idempotency_key=f"backup-{n}")
"""


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JINGWU_MODE": "demo", "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _value(value: Any) -> str:
    return bytes(value).hex() if isinstance(value, (bytes, memoryview)) else repr(value)


def digests(database_url: str) -> dict[str, tuple[int, str]]:
    """table → (rows, hash of its sorted rows), read straight from the database (no Django)."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            result = {}
            for table in tables:
                rows = sorted(
                    "\x1f".join(_value(v) for v in row) for row in conn.execute(f'SELECT * FROM "{table}"')
                )
                result[table] = (len(rows), hashlib.sha256("\x1e".join(rows).encode()).hexdigest())
            return result
    import psycopg

    with psycopg.connect(database_url) as conn:
        tables = [
            row[0]
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        ]
        result = {}
        for table in tables:
            # The server renders each row as text the same way on both sides.
            count, digest = conn.execute(
                "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '')"
                f' FROM "{table}" t'
            ).fetchone()
            result[table] = (count, digest)
        return result


@contextmanager
def empty_database(tmp: Path, source_url: str):
    if source_url.startswith("sqlite"):
        yield f"sqlite:///{tmp / 'restored.sqlite3'}"
        return
    import psycopg

    base, _, name = source_url.rpartition("/")
    target = f"{name}_restored"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target}"')
    try:
        yield f"{base}/{target}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


def test_backup_and_restore_into_an_empty_database_give_the_same_contents(tmp_path) -> None:
    with live_database(tmp_path) as source_url:
        ok(manage(source_url, "migrate", "--no-input", "-v0"))
        ok(manage(source_url, "shell", "-c", POPULATE))
        backup_file = tmp_path / "backup" / "jingwu.bak"
        assert "备份完成" in ok(manage(source_url, "backup", str(backup_file)))
        assert manage(source_url, "backup", str(backup_file)).returncode != 0  # never overwrites
        source = digests(source_url)
        assert sum(rows for rows, _ in source.values()) > 1000  # a populated database, not an empty schema
        assert source["audit_auditentry"][0] >= 5 and source["incidents_incident"][0] == 5

        with empty_database(tmp_path, source_url) as target_url:
            restored_out = ok(manage(target_url, "restore", str(backup_file)))
            assert "audit chain OK" in restored_out  # restore walks the chain itself
            restored = digests(target_url)
            assert restored.keys() == source.keys()
            differing = {t: (source[t], restored[t]) for t in source if source[t] != restored[t]}
            assert not differing
            assert "audit chain OK" in ok(manage(target_url, "audit_verify"))
            # The copy is a working database: the audit log's append-only triggers came along.
            refused = manage(
                target_url,
                "shell",
                "-c",
                "from jingwu.audit.models import AuditEntry as A; A.objects.all().delete()",
            )
            assert refused.returncode != 0
            # Never into a database that has data.
            again = manage(target_url, "restore", str(backup_file))
            assert again.returncode != 0 and "not empty" in again.stderr


def test_restore_refuses_a_missing_or_corrupt_file(tmp_path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    assert manage(url, "restore", str(tmp_path / "none")).returncode != 0
    assert manage(url, "restore", str(bad)).returncode != 0


@pytest.mark.django_db
def test_a_backup_is_refused_inside_a_transaction() -> None:
    from django.db import transaction

    from jingwu.ops.backup import BackupError, backup

    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("SQLite only")
    with pytest.raises(BackupError), transaction.atomic():
        backup(Path("/nonexistent-dir-never-written/x.sqlite3"))
