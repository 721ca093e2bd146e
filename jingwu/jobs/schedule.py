"""The periodic schedule (定时任务): which job runs how often, and enqueueing each period's run once.

Why not django-crontask: it runs one APScheduler process and keeps a second one away only with a Redis
lock (without Redis it takes a do-nothing lock, so two schedulers enqueue everything twice). Jingwu's
only shared service is PostgreSQL, so the guard is a database row instead: every task worker is also
a scheduler, and for each due period it inserts ``ScheduledRun(job, slot)`` — unique — and enqueues
the task in the same transaction. Two schedulers racing for one period: the second insert waits for
the first to commit and then fails on the unique constraint, so the period is enqueued exactly once,
and a scheduler killed between the insert and the enqueue leaves neither behind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from jingwu.jobs.models import ScheduledRun

logger = logging.getLogger("jingwu.jobs")
LOCAL = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Periodic:
    """A job run every ``every`` (aligned to the epoch) or once a day from ``daily_at`` (Asia/Shanghai)."""

    name: str
    task_path: str
    every: timedelta | None = None
    daily_at: time | None = None

    def slot(self, now: datetime) -> str | None:
        """The key of the period `now` falls in, or None when nothing is due yet (before daily_at)."""
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            start = int(now.timestamp()) // seconds * seconds
            return datetime.fromtimestamp(start, tz=ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%MZ")
        assert self.daily_at is not None
        local = now.astimezone(LOCAL)
        # A missed day is not made up: the nightly jobs are safety nets over data kept fresh on write.
        return local.date().isoformat() if local.time() >= self.daily_at else None


MINUTE = timedelta(minutes=1)
PERIODIC: tuple[Periodic, ...] = (
    # Deadlines entering warning or breach (a missed minute is caught up by the next sweep).
    Periodic("supervision_sweep", "jingwu.supervision.tasks.deadlines_sweep_task", every=MINUTE),
    # Queued e-mail/SMS of notifications and warning bulletins.
    Periodic("outbox_deliver", "jingwu.notifications.tasks.outbox_deliver_task", every=MINUTE),
    # Recount the statistics rollups from the records (they are also refreshed on every write).
    Periodic("stats_rollup_rebuild", "jingwu.stats.tasks.rollup_rebuild_task", daily_at=time(2, 30)),
    # Finished task results and old schedule rows.
    Periodic("jobs_prune", "jingwu.jobs.tasks.prune_task", daily_at=time(3, 30)),
)


def schedule_due(*, now: datetime | None = None, periodic: tuple[Periodic, ...] = PERIODIC) -> list[str]:
    """Enqueue every periodic job whose current period has not been enqueued yet; returns their names."""
    now = now or timezone.now()
    enqueued: list[str] = []
    for job in periodic:
        slot = job.slot(now)
        if slot is None or ScheduledRun.objects.filter(job=job.name, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot, enqueued_at=now)
                result = import_string(job.task_path).enqueue()
                run.task_id = str(result.id)
                run.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # another scheduler took this period first
        logger.info("scheduled %s for %s (task %s)", job.name, slot, run.task_id)
        enqueued.append(job.name)
    return enqueued
