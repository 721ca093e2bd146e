"""python manage.py jobs_schedule

Enqueues the periodic jobs that are due now (jingwu.jobs.schedule), once per period however many times
it runs. The task workers do this on their own every few seconds; the command is for a worker started
with --no-schedule, or to check the schedule by hand.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jingwu.jobs.schedule import PERIODIC, schedule_due


class Command(BaseCommand):
    help = "登记到期的定时任务（每个周期只登记一次）。"

    def handle(self, *args: Any, **options: Any) -> None:
        enqueued = schedule_due()
        self.stdout.write(
            f"已登记 {len(enqueued)} 项：{'、'.join(enqueued) or '无'}（共 {len(PERIODIC)} 项定时任务）"
        )
