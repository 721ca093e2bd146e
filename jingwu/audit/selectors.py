from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date
from typing import Any

from django.db.models import QuerySet

from jingwu.access.policy import require
from jingwu.audit.chain import ChainBreak, verify_chain
from jingwu.audit.models import AuditEntry, ChainHead


def audit_entry_list(
    *,
    actor: Any,
    username: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    outcome: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    """The log, newest first, for auditors only. Browsing the log is itself logged by the view."""
    require(actor, "audit.view")
    entries = AuditEntry.objects.all()
    if username:
        entries = entries.filter(actor_username=username)
    if action:
        entries = entries.filter(action__startswith=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if outcome:
        entries = entries.filter(outcome=outcome)
    if date_from:
        entries = entries.filter(at__date__gte=date_from)
    if date_to:
        entries = entries.filter(at__date__lte=date_to)
    return entries.order_by("-seq")


def _rows() -> Iterator[dict[str, Any]]:
    for row in AuditEntry.objects.order_by("seq").values().iterator(chunk_size=2000):
        row["at"] = row["at"].astimezone(UTC).isoformat()
        yield row


def audit_chain_check() -> ChainBreak | None:
    """Walk the whole chain (audit_verify); None when every entry is intact."""
    head = ChainHead.objects.filter(pk=1).first()
    return verify_chain(_rows(), head.seq if head else None, head.entry_hash if head else None)
