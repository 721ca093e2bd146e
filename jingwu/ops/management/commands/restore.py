from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingwu.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup into the (empty) database of DATABASE_URL, then verify the audit chain "
        "(数据库恢复)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a file written by `manage.py backup`")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restore(Path(options["path"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("restore done 恢复完成; verifying the audit chain")
        call_command("audit_verify", stdout=self.stdout)
