from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from jingwu.core import partitioning


class Command(BaseCommand):
    help = (
        "Create the coming months' partitions (分区) of the audit log and the incidents ahead of time, "
        "and the default partitions. Idempotent: run it daily from cron. PostgreSQL only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months-ahead", type=int, default=3, help="months after this one (default 3)")
        parser.add_argument(
            "--ids-per-month",
            type=int,
            default=None,
            help="incident ids reserved per month (default: twice the busiest month, at least 100000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("partitions_ensure: nothing to do on this database (PostgreSQL only)")
            return
        ahead = max(0, options["months_ahead"])
        with transaction.atomic(), connection.cursor() as cursor:
            created = []
            if partitioning.is_partitioned(cursor, partitioning.AUDIT_TABLE):
                created += partitioning.ensure_audit_partitions(cursor, months_ahead=ahead)
            if partitioning.is_partitioned(cursor, partitioning.INCIDENT_TABLE):
                created += partitioning.ensure_incident_partitions(
                    cursor, months_ahead=ahead, per_month=options["ids_per_month"]
                )
        for name in created:
            self.stdout.write(f"created {name}")
        self.stdout.write(f"partitions_ensure: {len(created)} partition(s) created (分区已就绪)")
