"""The task worker (任务执行进程): django-tasks-db's ``db_worker`` loop plus a lease per running job.

What django-tasks-db gives (read in its source, version 0.13): a job is claimed by
``SELECT … FOR UPDATE SKIP LOCKED`` on a READY row and set RUNNING in the same transaction, so two
workers never claim one job. What it does not give: a worker killed mid-job (SIGKILL, OOM, power)
leaves its job RUNNING for ever. Here each running job carries a lease that dies with its worker:

- PostgreSQL: a session advisory lock on the job's id, taken on a side connection before the claim
  commits and released after the result is stored. The server drops it the moment the worker's
  connection goes away, so a job that is RUNNING while its lock is free has lost its worker.
- SQLite (one machine by construction): the worker id carries host and pid; a RUNNING job whose
  worker process no longer exists on this host has lost its worker.

Every worker reaps between jobs: it locks RUNNING rows (SKIP LOCKED, so never one being claimed or
finished), checks each lease, and puts the lost ones back to READY (FAILED after MAX_ATTEMPTS, so a
job that kills its worker each time stops). The job then runs again on whichever worker claims it —
jobs must therefore be idempotent (each app's tasks.py says why theirs are).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import Any

from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections, transaction
from django.db.utils import OperationalError
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger("jingwu.jobs")

#: A job whose worker died this many times is marked failed instead of being run again.
MAX_ATTEMPTS = 3
#: The first key of the two-key advisory lock: "JW", so that Jingwu's leases never meet other locks.
LOCK_NAMESPACE = 0x4A57
LOST = "jingwu.jobs.worker.WorkerLost"


def new_worker_id() -> str:
    """host:pid:random — unique across the pool, and telling which process ran a job."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(8)}"


def _lock_key(task_id: Any) -> int:
    # 32 bits of the job's UUID; a collision only delays a reap until the other job ends.
    return int.from_bytes(uuid.UUID(str(task_id)).bytes[:4], "big", signed=True)


class Leases:
    """Advisory locks on a connection of their own (PostgreSQL), or process liveness (SQLite)."""

    def __init__(self, alias: str = DEFAULT_DB_ALIAS) -> None:
        self.alias = alias
        self.postgres = connections[alias].vendor == "postgresql"
        self._side: Any = None

    def _cursor(self) -> Any:
        if self._side is None:
            self._side = connections.create_connection(self.alias)
        try:
            self._side.ensure_connection()
            return self._side.cursor()
        except OperationalError:  # the server restarted since: start over once
            self.close()
            self._side = connections.create_connection(self.alias)
            return self._side.cursor()

    def take(self, task_id: Any) -> None:
        if self.postgres:
            with self._cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, _lock_key(task_id)])

    def try_take(self, task_id: Any) -> bool:
        with self._cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, _lock_key(task_id)])
            return bool(cursor.fetchone()[0])

    def release(self, task_id: Any) -> None:
        if self.postgres and self._side is not None:
            try:
                with self._cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, _lock_key(task_id)])
            except OperationalError:
                self.close()  # the connection is gone, and the lock with it

    def holder_alive(self, row: DBTaskResult) -> bool:
        """Whether the worker that claimed `row` last still holds it (the caller has the row locked)."""
        if self.postgres:
            if not self.try_take(row.id):
                return True
            self.release(row.id)
            return False
        host, _, rest = (row.worker_ids[-1] if row.worker_ids else "").partition(":")
        pid = rest.partition(":")[0]
        if host != socket.gethostname()[:40] or not pid.isdigit():
            return True  # not ours to judge (SQLite is never shared across machines anyway)
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def close(self) -> None:
        if self._side is not None:
            try:
                self._side.close()
            finally:
                self._side = None


def requeue_lost(leases: Leases) -> list[str]:
    """Put RUNNING jobs whose worker is gone back to READY (or FAILED after MAX_ATTEMPTS); their ids."""
    lost: list[str] = []
    with transaction.atomic(using=leases.alias):
        running = DBTaskResult.objects.using(leases.alias).select_for_update(skip_locked=True)
        for row in running.filter(status=TaskResultStatus.RUNNING).order_by():
            if leases.holder_alive(row):
                continue
            if len(row.worker_ids) >= MAX_ATTEMPTS:
                row.status, row.finished_at = TaskResultStatus.FAILED, row.started_at
                row.exception_class_path = LOST
                row.traceback = f"worker lost {len(row.worker_ids)} times: {', '.join(row.worker_ids)}"
                row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            else:
                row.status = TaskResultStatus.READY
                row.save(update_fields=["status"])
            logger.warning("job %s (%s) lost its worker %s: %s", row.id, row.task_path, row.worker_ids[-1:],
                           row.status)  # fmt: skip
            lost.append(str(row.id))
    return lost


class LeasedWorker(Worker):
    """django-tasks-db's Worker with leases, reaping of lost jobs and (optionally) the periodic schedule."""

    def __init__(self, *, housekeeping_every: float = 5.0, schedule: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.housekeeping_every = housekeeping_every
        self.schedule = schedule
        self.leases = Leases()
        self._next_housekeeping = 0.0

    def housekeeping(self) -> None:
        from jingwu.jobs.schedule import schedule_due

        try:
            requeue_lost(self.leases)
            if self.schedule:
                schedule_due()
        except OperationalError as exc:  # a database restart: try again next round
            logger.warning("housekeeping skipped: %s", exc)
            close_old_connections()

    def claim(self) -> tuple[DBTaskResult | None, bool]:
        """(the claimed job or None, whether the queue could be read)."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        leased = None
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    # The lease first, then the claim's commit: no moment where the job is RUNNING unleased.
                    self.leases.take(task_result.id)
                    leased = task_result.id
                    task_result.claim(self.worker_id)
        except OperationalError as exc:
            if leased is not None:
                self.leases.release(leased)
            if is_locked_database_exception(exc):
                return None, False
            raise
        except BaseException:
            if leased is not None:
                self.leases.release(leased)
            raise
        return task_result, True

    def run(self) -> None:
        logger.info("worker %s started (queues %s)", self.worker_id, ",".join(self.queue_names))
        try:
            while self.running:
                close_old_connections()
                if time.monotonic() >= self._next_housekeeping:
                    self.housekeeping()
                    self._next_housekeeping = time.monotonic() + self.housekeeping_every
                task_result, read = self.claim()
                if task_result is not None:
                    try:
                        self.run_task(task_result)
                    finally:
                        self.leases.release(task_result.id)
                if self.batch and read and task_result is None:
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    return
                close_old_connections()
                if self.running and task_result is None:
                    time.sleep(self.interval)
        finally:
            self.leases.close()
