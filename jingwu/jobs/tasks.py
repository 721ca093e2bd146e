"""Jobs of the jobs app: pruning finished task results and old schedule rows (清理任务记录)."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jingwu.jobs.models import ScheduledRun

#: Finished jobs and schedule rows are kept this long (for the operators' questions), then deleted.
KEEP = timedelta(days=14)


@task()
def prune_task(days: int = KEEP.days) -> dict[str, int]:
    """Delete jobs that finished, and schedule rows enqueued, more than `days` ago. Idempotent: a second
    run finds nothing more to delete."""
    before = timezone.now() - timedelta(days=days)
    finished = [TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
    jobs, _ = DBTaskResult.objects.filter(status__in=finished, finished_at__lt=before).delete()
    runs, _ = ScheduledRun.objects.filter(enqueued_at__lt=before).delete()
    return {"jobs": jobs, "scheduled_runs": runs}
