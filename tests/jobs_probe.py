"""A test-only job (探针任务) for the worker tests: it records each attempt (committed at once), writes
its effect under a unique key (INSERT … ON CONFLICT DO NOTHING, so a re-run adds nothing), and on its
first attempt can hold for a while before or after the effect's commit — the moment a test kills it.
The two tables are created by the test in its live database."""

from __future__ import annotations

import os
import time
from typing import Any

from django.db import connection, transaction
from django.tasks import TaskContext, task

TABLES = (
    "CREATE TABLE IF NOT EXISTS jobs_probe_attempt (id serial PRIMARY KEY, key text NOT NULL, pid int)",
    "CREATE TABLE IF NOT EXISTS jobs_probe_effect (key text PRIMARY KEY, pid int NOT NULL)",
)


@task(takes_context=True)
def probe(context: TaskContext, key: str, hold: float = 0.0, stage: str = "before_commit") -> dict[str, Any]:
    pid = os.getpid()
    with connection.cursor() as cursor:  # autocommit: the attempt is on record even if we die next
        cursor.execute("INSERT INTO jobs_probe_attempt (key, pid) VALUES (%s, %s)", [key, pid])
    first = context.attempt == 1
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO jobs_probe_effect (key, pid) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
            [key, pid],
        )
        inserted = cursor.rowcount
        if first and stage == "before_commit":
            time.sleep(hold)
    if first and stage == "after_commit":
        time.sleep(hold)
    return {"inserted": inserted, "attempt": context.attempt}
