from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jingwu.audit.models import AuditEntry
from jingwu.audit.selectors import audit_chain_check

REASONS = {
    "altered": "被篡改 altered",
    "removed": "被删除 removed",
    "inserted": "被插入 inserted",
    "relinked": "链接被改动 relinked",
}


class Command(BaseCommand):
    help = "Walk the audit log's hash chain and report the first entry that was altered, removed or inserted."

    def handle(self, *args: Any, **options: Any) -> None:
        found = audit_chain_check()
        total = AuditEntry.objects.count()
        if found is None:
            self.stdout.write(f"audit chain OK: {total} entries (审计链完整)")
            return
        raise CommandError(
            f"audit chain broken at entry seq={found.seq}: {REASONS.get(found.reason, found.reason)}"
        )
