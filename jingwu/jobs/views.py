"""GET /healthz (健康检查): for the load balancer and the operators' monitoring.

Public on purpose (no login, like the login page; ``login_not_required`` marks it for Django's
LoginRequiredMiddleware should the project ever switch to it): it shows counts only, never data.
200 with the database vendor and the job queue's depth and age; 503 when the database does not answer.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from jingwu.jobs.selectors import queue_health

logger = logging.getLogger("jingwu.jobs")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        tasks = queue_health()
    except DatabaseError as exc:
        logger.error("health check: database unavailable: %s", exc)
        # No error text to an anonymous caller: the log has it.
        return JsonResponse({"status": "unavailable", "database": "unreachable", "tasks": None}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor, "tasks": tasks})
