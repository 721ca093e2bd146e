"""python manage.py supervision_sweep [--at ISO-8601]

Moves derived deadlines into warning and breach (jingwu.supervision.services.deadlines_sweep) and prints
the counts. Meant to run every minute: from cron for now
(``* * * * * cd /srv/jingwu && .venv/bin/python manage.py supervision_sweep``); a django-tasks periodic
schedule will replace the cron line later.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingwu.supervision.engine import TimelineError, parse_moment
from jingwu.supervision.services import deadlines_sweep


class Command(BaseCommand):
    help = "期限巡检：将到达预警时点的期限转为预警、超过届满时间的转为超期，并输出数量。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="the sweep's 'now', ISO-8601 with offset (default: now)")
        parser.add_argument("--json", action="store_true", help="print the counts as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            now = parse_moment(options["at"], "--at") if options["at"] else None
        except TimelineError as exc:
            raise CommandError(str(exc)) from None
        result = deadlines_sweep(now=now)
        if options["json"]:
            payload = {"at": result.at.isoformat(), "warning": result.warnings, "breach": result.breaches}
            self.stdout.write(json.dumps(payload))
        else:
            self.stdout.write(
                f"新增预警 {result.warnings} 条，新增超期 {result.breaches} 条（{result.at.isoformat()}）"
            )
