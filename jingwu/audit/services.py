"""Writing to the audit log. Every service write and every sensitive read calls `audit_record`."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from jingwu.audit.chain import GENESIS_HASH, entry_hash
from jingwu.audit.context import current_request
from jingwu.audit.models import AuditEntry, ChainHead, Outcome


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        username = getattr(actor, "username", "") if actor is not None else ""
        return {"actor_id": None, "actor_username": username or "", "actor_roles": "", "actor_unit": ""}
    unit = getattr(actor, "unit", None)
    return {
        "actor_id": actor.pk,
        "actor_username": actor.username,
        "actor_roles": ",".join(sorted(actor.role_codes)),
        "actor_unit": unit.code if unit else "",
    }


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_label: str = "",
    outcome: str = Outcome.ALLOWED,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction when there is one."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)
    context = current_request()
    fields: dict[str, Any] = {
        **_actor_fields(actor),
        "at": timezone.now(),
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id or ""),
        "object_label": object_label[:200],
        "outcome": str(outcome),
        "ip": context.ip,
        "request_id": context.request_id,
        "path": context.path,
        "changes": changes,
    }
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = ChainHead.objects.create(pk=1, seq=0, entry_hash=GENESIS_HASH)
        fields["seq"] = head.seq + 1
        # Hash what will be read back: timestamps as stored (microseconds, UTC).
        fields["at"] = fields["at"].astimezone(UTC)
        digest = entry_hash(_hashable(fields), head.entry_hash)
        entry = AuditEntry.objects.create(prev_hash=head.entry_hash, entry_hash=digest, **fields)
        ChainHead.objects.filter(pk=1).update(seq=fields["seq"], entry_hash=digest)
    return entry


def _hashable(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    out["at"] = fields["at"].isoformat()
    return out


def diff_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
