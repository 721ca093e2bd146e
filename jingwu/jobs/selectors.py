"""Reads of the job queue (任务队列): its depth and age, for /healthz and the operators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def queue_health() -> dict[str, Any]:
    """Jobs waiting (ready now), running, failed in the last day, and the oldest waiting job's age (s).

    Not scoped to an actor: these are counts only, no job's arguments or results."""
    now = timezone.now()
    ready = DBTaskResult.objects.ready()
    waiting = ready.aggregate(n=Count("pk"), oldest=Min("enqueued_at"))
    others = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.RUNNING, TaskResultStatus.FAILED]
    ).aggregate(
        running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
        failed=Count(
            "pk",
            filter=Q(status=TaskResultStatus.FAILED, finished_at__gte=now - timedelta(days=1)),
        ),
    )
    oldest = waiting["oldest"]
    return {
        "ready": waiting["n"],
        "running": others["running"],
        "failed_last_day": others["failed"],
        "oldest_ready_age_seconds": round((now - oldest).total_seconds(), 1) if oldest else None,
    }
