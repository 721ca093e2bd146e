"""The jobs app in one process (SQLite or PostgreSQL): the schedule enqueues each period once, the worker
runs queued jobs, a job whose worker is gone is put back (then given up after MAX_ATTEMPTS), /healthz.
The multi-process guarantees are in tests/test_production_form.py."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jingwu.jobs.models import ScheduledRun
from jingwu.jobs.schedule import PERIODIC, Periodic, schedule_due
from jingwu.jobs.tasks import prune_task
from jingwu.jobs.worker import LOST, MAX_ATTEMPTS, LeasedWorker, Leases, new_worker_id, requeue_lost

pytestmark = pytest.mark.django_db


def worker(**options: object) -> LeasedWorker:
    return LeasedWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=new_worker_id(),
        excluded_queue_names=[],
        schedule=False,
        **options,
    )


def test_each_period_is_enqueued_once_however_often_the_schedulers_run() -> None:
    now = datetime(2026, 3, 2, 20, 0, 30, tzinfo=UTC)  # 04:00:30 in Wuping: the nightly jobs are due
    first = schedule_due(now=now)
    assert first == [job.name for job in PERIODIC]
    assert schedule_due(now=now + timedelta(seconds=20)) == []  # same minute, same day
    later = schedule_due(now=now + timedelta(minutes=1))
    assert later == ["supervision_sweep", "outbox_deliver"]  # a new minute; the day is the same
    runs = ScheduledRun.objects.filter(enqueued_at__gte=now)
    assert runs.count() == len(PERIODIC) + 2
    jobs = DBTaskResult.objects.filter(pk__in=[r.task_id for r in runs])
    assert jobs.count() == runs.count() and {j.status for j in jobs} == {TaskResultStatus.READY}


def test_a_daily_job_is_not_due_before_its_time() -> None:
    nightly = Periodic("x", "jingwu.jobs.tasks.prune_task", daily_at=time(2, 30))
    assert nightly.slot(datetime(2026, 3, 1, 18, 0, tzinfo=UTC)) is None  # 02:00 local
    assert nightly.slot(datetime(2026, 3, 1, 18, 45, tzinfo=UTC)) == "2026-03-02"  # 02:45 local


@pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="the in-process worker's lease connection breaks the test transaction on PostgreSQL; "
    "there the worker is exercised across processes by tests/test_production_form.py",
)
def test_the_worker_runs_queued_jobs_and_records_the_result() -> None:
    old = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="jingwu.jobs.tasks.prune_task",
        backend_name="default",
        run_after=timezone.now(),
        status=TaskResultStatus.SUCCESSFUL,
        finished_at=timezone.now() - timedelta(days=30),
    )
    result = prune_task.enqueue()
    worker().run()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL and len(row.worker_ids) == 1
    assert row.return_value["jobs"] >= 1 and not DBTaskResult.objects.filter(pk=old.pk).exists()


def _dead_worker_id() -> str:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return f"{socket.gethostname()[:40]}:{gone.stdout.strip()}:deadbeef"


def test_a_job_whose_worker_is_gone_is_put_back_and_given_up_after_max_attempts() -> None:
    result = prune_task.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(_dead_worker_id())
    leases = Leases()
    try:
        assert requeue_lost(leases) == [str(row.pk)]
        row.refresh_from_db()
        assert row.status == TaskResultStatus.READY and len(row.worker_ids) == 1
        for _ in range(MAX_ATTEMPTS - 1):
            row.claim(_dead_worker_id())
        requeue_lost(leases)
        row.refresh_from_db()
        assert row.status == TaskResultStatus.FAILED and row.exception_class_path == LOST
    finally:
        leases.close()


def test_a_job_whose_worker_lives_is_left_alone() -> None:
    result = prune_task.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(new_worker_id())  # this very process, alive
    holder = Leases()
    holder.take(row.pk)  # PostgreSQL: the lease a live worker holds
    reaper = Leases()
    try:
        assert requeue_lost(reaper) == []
        row.refresh_from_db()
        assert row.status == TaskResultStatus.RUNNING
    finally:
        holder.release(row.pk)
        holder.close()
        reaper.close()


def test_healthz_needs_no_login_and_reports_the_queue() -> None:
    prune_task.enqueue()
    response = Client().get("/healthz")
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    body = json.loads(response.content)
    assert body["status"] == "ok" and body["database"] in {"sqlite", "postgresql"}
    assert body["tasks"]["ready"] >= 1 and body["tasks"]["oldest_ready_age_seconds"] is not None
    assert Client().post("/healthz").status_code == 405
