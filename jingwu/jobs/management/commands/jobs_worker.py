"""python manage.py jobs_worker [--queue-name default] [--interval 1] [--no-schedule] [--batch]

Runs background jobs (django.tasks on django-tasks-db) until SIGINT/SIGTERM (the running job is
finished first; a second signal stops at once). Start as many as needed, on as many machines: each job
is claimed by one worker, a job whose worker died is run again (jingwu.jobs.worker), and every worker
also enqueues the periodic jobs once per period (jingwu.jobs.schedule) unless --no-schedule.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME

from jingwu.jobs.worker import LeasedWorker, new_worker_id


class Command(BaseCommand):
    help = "后台任务执行进程：领取并执行排队的任务，接管失联进程的任务，按周期登记定时任务。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default=DEFAULT_TASK_QUEUE_NAME, help="comma-separated, or '*'")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds to wait when the queue is empty"
        )
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument(
            "--no-schedule", dest="schedule", action="store_false", help="do not enqueue periodic jobs"
        )
        parser.add_argument("--worker-id", default="", help="unique in the pool (default host:pid:random)")

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("jingwu.jobs").setLevel(logging.INFO if options["verbosity"] else logging.WARNING)
        worker = LeasedWorker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"] or new_worker_id(),
            excluded_queue_names=[],
            schedule=options["schedule"],
        )
        worker.configure_signals()
        worker.run()
