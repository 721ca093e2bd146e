"""The hash chain of the audit log (审计日志防篡改链). Pure: no Django.

Each entry's hash covers its own fields and the previous entry's hash, so altering, removing or
inserting an entry breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64

# The fields that the hash covers, in a fixed order.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_username",
    "actor_roles",
    "actor_unit",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "outcome",
    "ip",
    "request_id",
    "path",
    "changes",
)


def entry_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    payload = {name: fields.get(name) for name in HASHED_FIELDS}
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(
    entries: Iterable[Mapping[str, Any]], head_seq: int | None, head_hash: str | None
) -> ChainBreak | None:
    """Walk entries in `seq` order; return the first break, or None when the chain is whole."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    for fields in entries:
        seq = fields["seq"]
        if seq != expected_seq:
            # A gap means entries were removed; a repeat or step back means one was inserted.
            reason = "removed" if seq > expected_seq else "inserted"
            return ChainBreak(seq=seq, reason=reason)
        if fields["prev_hash"] != prev_hash:
            return ChainBreak(seq=seq, reason="relinked")
        if entry_hash(fields, prev_hash) != fields["entry_hash"]:
            return ChainBreak(seq=seq, reason="altered")
        prev_hash = fields["entry_hash"]
        expected_seq += 1
    last_seq = expected_seq - 1
    if head_seq is not None and last_seq > head_seq:
        # Entries past the recorded head were appended without going through audit_record.
        return ChainBreak(seq=head_seq + 1, reason="inserted")
    if head_seq is not None and head_seq != last_seq:
        return ChainBreak(seq=last_seq + 1, reason="removed")
    if head_hash is not None and head_hash != prev_hash:
        return ChainBreak(seq=last_seq, reason="altered")
    return None
