"""Backup and restore (备份与恢复) of Jingwu's database.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot while the
server keeps running (WAL readers and writers are not blocked for long). PostgreSQL: `pg_dump -Fc`
(custom format, one consistent snapshot) and `pg_restore` into an EMPTY database, so a restore never
mixes with live data. The audit log's append-only triggers travel with the dump; after a restore the
hash chain is walked again (audit_verify) before the copy is used.

Files (legal documents, attachments, dossiers under JINGWU_FILES_ROOT) are content-addressed and
never changed in place: copy that directory with any file-level tool (rsync) after the database.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections


class BackupError(Exception):
    """The backup or restore could not be done; the message says why (for the operator)."""


def _settings(alias: str) -> dict[str, Any]:
    return connections[alias].settings_dict


def engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"unsupported database engine: {vendor}")
    return vendor


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()[:2000]}")


def backup(target: Path, alias: str = "default") -> Path:
    """Write a backup of the database to `target` (an SQLite file, or a pg_dump custom-format file)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise BackupError(f"{target} exists already: a backup never overwrites a file")
    connection = connections[alias]
    if engine(alias) == "sqlite":
        if connection.in_atomic_block:
            # The backup would wait forever for the write lock this very connection holds.
            raise BackupError("back up outside a transaction")
        connection.ensure_connection()
        # Through Django's own connection, so an in-memory (test) database can be backed up too.
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
    else:
        db = _settings(alias)
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", db["NAME"]],
            _pg_env(db),
        )
    return target


def _sqlite_is_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0


def restore(source: Path, alias: str = "default") -> None:
    """Restore a backup made by `backup` into the database of `alias`, which must be empty."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup file {source}")
    if engine(alias) == "sqlite":
        name = str(_settings(alias)["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise BackupError("restore needs a database file, not an in-memory database")
        target = Path(name)
        connections[alias].close()
        if not _sqlite_is_empty(target):
            raise BackupError(f"the database {target} is not empty: restore only into an empty database")
        with sqlite3.connect(source) as origin:
            header = origin.execute("PRAGMA integrity_check").fetchone()[0]
            if header != "ok":
                raise BackupError(f"the backup file fails SQLite's integrity check: {header}")
            destination = sqlite3.connect(target)
            try:
                origin.backup(destination)
            finally:
                destination.close()
        return
    db = _settings(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        if cursor.fetchone()[0]:
            raise BackupError(f"the database {db['NAME']} is not empty: restore only into an empty database")
    connections[alias].close()
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={db['NAME']}",
            str(source),
        ],
        _pg_env(db),
    )
