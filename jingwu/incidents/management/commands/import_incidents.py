"""`manage.py import_incidents FILE [--dry-run] [--unit CODE] [--user USERNAME] [--errors OUT.csv]
[--index-now]`: load historical incidents from a legacy system (历史警情导入); the layout is in
docs/import.md. The search entries are left to a background job (a `jobs_worker` writes them) unless
`--index-now` asks for them before the command returns."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from jingwu.core.errors import ServiceError
from jingwu.incidents.legacy_import import import_file
from jingwu.org.models import Unit, User

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Import historical incidents (历史警情导入) from a legacy CSV (UTF-8 or GB18030) or .xlsx file; "
        "bad rows are reported with their line numbers, a re-run loads nothing twice. See docs/import.md."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="validate and report only; write nothing")
        parser.add_argument(
            "--unit", help="unit code: every row's place must be within this unit's territory (辖区)"
        )
        parser.add_argument(
            "--user",
            default="admin",
            help="the account the import runs as and is audited under (a 系统管理员; default: admin)",
        )
        parser.add_argument("--errors", type=Path, help="also write every rejected row to this CSV file")
        parser.add_argument(
            "--index-now",
            action="store_true",
            help="write the search entries before returning instead of enqueuing a job for a jobs_worker",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        actor = User.objects.select_related("unit").filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"用户不存在或已停用：{options['user']}")
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"], is_active=True).first()
            if unit is None:
                raise CommandError(f"单位不存在：{options['unit']}")
        try:
            report = import_file(
                actor=actor,
                path=path,
                dry_run=options["dry_run"],
                unit=unit,
                index_in_background=not options["index_now"],
            )
        except PermissionDenied as exc:
            raise CommandError(f"用户 {actor.username} 无权导入警情（须为系统管理员）") from exc
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        for error in report.rejected[:SHOWN_ERRORS]:
            self.stderr.write(f"第{error.line}行：{error.reason}")
        if len(report.rejected) > SHOWN_ERRORS:
            self.stderr.write(
                f"……另有 {len(report.rejected) - SHOWN_ERRORS} 行未显示（用 --errors 导出全部）"
            )
        if options["errors"]:
            with options["errors"].open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["行号", "原因"])
                writer.writerows((e.line, e.reason) for e in report.rejected)
        verb = "可导入" if report.dry_run else "已导入"
        self.stdout.write(
            f"{path.name}（sha256 {report.sha256[:16]}…）：共 {report.rows} 行，"
            f"{verb} {report.valid - report.already_imported if report.dry_run else report.loaded} 行，"
            f"此前已导入 {report.already_imported} 行，拒绝 {len(report.rejected)} 行"
            + ("" if report.dry_run else f"，新登记报警人 {report.callers_registered} 人")
            + ("（试运行，未写入）" if report.dry_run else "")
        )
        if report.index_job_id:
            self.stdout.write(f"检索索引由后台任务 {report.index_job_id} 写入（须有 jobs_worker 在运行）")
