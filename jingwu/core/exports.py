"""Bulk exports of personal data (批量导出个人信息) need a leader's approval.

The rule, in one place: an export that carries personal data (names with ID numbers, phones or
addresses) of more than BULK_PERSONAL_ROWS people is a bulk export. Whoever builds such an export calls
`export_check` first; it passes only with an unused approval that a leader (局领导) gave the exporter for
that kind of export and at least that many rows within the last APPROVAL_HOURS. The approval and its
use are entries of the append-only audit log (no table of their own that could be edited), so the log
shows who asked, who approved, and that each approval was used once.

No export of personal data in bulk exists yet; a future one (a person list to Excel, say) must call
`export_check(actor=…, what="persons.xlsx", rows=len(rows), personal=True)` before writing a byte.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from jingwu.access.policy import require
from jingwu.audit.models import AuditEntry, ChainHead, Outcome
from jingwu.audit.services import audit_record
from jingwu.core.errors import ServiceError

BULK_PERSONAL_ROWS = 50
APPROVAL_HOURS = 24


class BulkExportRefused(ServiceError):
    """A bulk export of personal data without a leader's valid approval."""

    status_code = 403


def bulk_export_approve(
    *, actor: Any, requester_id: int, what: str, max_rows: int, reason: str
) -> AuditEntry:
    """A leader approves one bulk export of `what` (up to `max_rows` rows) by the requester."""
    require(actor, "export.bulk_approve")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请写明批准理由", {"reason": "请写明批准理由"})
    if max_rows <= 0:
        raise ServiceError("行数须为正数", {"max_rows": "行数须为正数"})
    requester = get_user_model().objects.get(pk=requester_id)
    return audit_record(
        actor=actor,
        action="export.bulk_approve",
        obj=requester,
        changes={"what": what, "max_rows": max_rows, "reason": reason},
    )


def _unused_approval(actor: Any, what: str, rows: int) -> AuditEntry | None:
    since = timezone.now() - timedelta(hours=APPROVAL_HOURS)
    approvals = AuditEntry.objects.filter(
        action="export.bulk_approve",
        object_type="org.user",
        object_id=str(actor.pk),
        outcome=Outcome.ALLOWED,
        at__gte=since,
    ).order_by("seq")
    used = {
        (entry.changes or {}).get("approval")
        for entry in AuditEntry.objects.filter(
            action="export.bulk", actor_id=actor.pk, outcome=Outcome.ALLOWED, at__gte=since
        )
    }
    for entry in approvals:
        changes = entry.changes or {}
        if entry.seq not in used and changes.get("what") == what and int(changes.get("max_rows", 0)) >= rows:
            return entry
    return None


def export_check(*, actor: Any, what: str, rows: int, personal: bool) -> None:
    """Call before every export. Small or non-personal exports pass; a bulk export of personal data
    passes once per leader's approval, and is recorded; otherwise it is refused and the refusal audited."""
    if not personal or rows <= BULK_PERSONAL_ROWS:
        return
    with transaction.atomic():
        # The audit chain's head row serialises this check with every audit write: one use per approval.
        ChainHead.objects.select_for_update().filter(pk=1).first()
        approval = _unused_approval(actor, what, rows)
        if approval is not None:
            audit_record(
                actor=actor,
                action="export.bulk",
                object_type="export",
                object_label=what,
                changes={"rows": rows, "approval": approval.seq, "approved_by": approval.actor_username},
            )
            return
    # The refusal is recorded outside the block above (an exception would roll it back).
    audit_record(
        actor=actor,
        action="export.bulk",
        object_type="export",
        object_label=what,
        outcome=Outcome.DENIED,
        changes={"rows": rows, "reason": "no_approval"},
    )
    raise BulkExportRefused(f"批量导出个人信息（超过{BULK_PERSONAL_ROWS}人）须经局领导批准，请先申请审批")
