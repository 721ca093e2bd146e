from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jingwu.ops.backup import BackupError, backup, engine


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup API, or pg_dump -Fc) to a new file (数据库备份)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", help="the backup file (default var/backups/jingwu-<time>.<ext>)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            suffix = ".sqlite3" if engine() == "sqlite" else ".pgdump"
            default = Path("var/backups") / f"jingwu-{timezone.localtime():%Y%m%d-%H%M%S}{suffix}"
            target = backup(Path(options["path"] or default))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup written: {target} ({target.stat().st_size} bytes) 备份完成")
