"""The audit log is append-only and hash-chained: tampering is refused by the database and found by
`audit_verify`.

The tamper tests drop (SQLite) or disable (PostgreSQL) the triggers inside the test transaction; the
rollback at the end of each test restores them. Never use `transaction=True` here: the triggers
forbid the DELETE that a flushing test case would issue.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from jingwu.audit.chain import GENESIS_HASH, HASHED_FIELDS, ChainBreak, entry_hash, verify_chain
from jingwu.audit.models import AuditEntry, ChainHead
from jingwu.audit.selectors import audit_chain_check
from jingwu.audit.services import audit_record

TABLE = AuditEntry._meta.db_table

# --- pure: the chain -----------------------------------------------------------------------------


def _fields(seq: int, **overrides: Any) -> dict[str, Any]:
    fields = {
        "seq": seq,
        "at": f"2026-03-0{seq % 9 + 1}T08:00:00+00:00",
        "actor_id": 7,
        "actor_username": "officer",
        "actor_roles": "officer",
        "actor_unit": "wp-ps-350824105-sq",
        "action": "person.view",
        "object_type": "people.person",
        "object_id": str(seq),
        "object_label": "张三",
        "outcome": "allowed",
        "ip": "10.0.0.1",
        "request_id": "r",
        "path": "/people/",
        "changes": None,
    }
    fields.update(overrides)
    return fields


def build_chain(n: int) -> list[dict[str, Any]]:
    chain, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        fields = _fields(seq)
        digest = entry_hash(fields, prev)
        chain.append({**fields, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    return chain


def test_entry_hash_is_sha256_of_previous_hash_and_canonical_json():
    fields = _fields(1, changes={"name": ["李四", "李四光"]})
    canonical = json.dumps(
        {name: fields[name] for name in HASHED_FIELDS},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    expected = hashlib.sha256((GENESIS_HASH + "\n" + canonical).encode("utf-8")).hexdigest()
    assert entry_hash(fields, GENESIS_HASH) == expected
    assert len(GENESIS_HASH) == 64 and set(GENESIS_HASH) == {"0"}


def test_entry_hash_covers_every_hashed_field_and_the_previous_hash():
    fields = _fields(3)
    base = entry_hash(fields, GENESIS_HASH)
    for name in HASHED_FIELDS:
        assert entry_hash({**fields, name: "tampered"}, GENESIS_HASH) != base, name
    assert entry_hash(fields, "f" * 64) != base


def test_an_intact_chain_verifies():
    chain = build_chain(5)
    assert verify_chain(chain, 5, chain[-1]["entry_hash"]) is None
    assert verify_chain(chain, None, None) is None
    assert verify_chain([], None, None) is None
    assert verify_chain([], 0, GENESIS_HASH) is None


def test_an_altered_field_is_found():
    chain = build_chain(5)
    chain[2]["action"] = "person.reveal"
    assert verify_chain(chain, 5, chain[-1]["entry_hash"]) == ChainBreak(seq=3, reason="altered")


def test_an_altered_field_with_a_recomputed_hash_breaks_the_next_link():
    chain = build_chain(5)
    chain[2]["object_label"] = "王五"
    chain[2]["entry_hash"] = entry_hash(chain[2], chain[2]["prev_hash"])
    assert verify_chain(chain, 5, chain[-1]["entry_hash"]) == ChainBreak(seq=4, reason="relinked")


def test_a_removed_entry_is_found():
    chain = build_chain(5)
    del chain[1]
    assert verify_chain(chain, 5, chain[-1]["entry_hash"]) == ChainBreak(seq=3, reason="removed")


def test_removing_the_last_entries_is_found_through_the_head():
    chain = build_chain(5)
    head_hash = chain[-1]["entry_hash"]
    assert verify_chain(chain[:3], 5, head_hash) == ChainBreak(seq=4, reason="removed")


def test_a_head_hash_that_does_not_match_is_found():
    chain = build_chain(3)
    assert verify_chain(chain, 3, "e" * 64) == ChainBreak(seq=3, reason="altered")


def test_an_inserted_entry_with_a_repeated_seq_is_found():
    chain = build_chain(4)
    forged = {**chain[1], "object_label": "forged"}
    chain.insert(2, forged)
    assert verify_chain(chain, 4, chain[-1]["entry_hash"]) == ChainBreak(seq=2, reason="inserted")


def test_a_relinked_entry_is_found():
    chain = build_chain(4)
    chain[2]["prev_hash"] = "a" * 64
    chain[2]["entry_hash"] = entry_hash(chain[2], chain[2]["prev_hash"])
    assert verify_chain(chain, 4, chain[-1]["entry_hash"]) == ChainBreak(seq=3, reason="relinked")


def test_a_well_formed_entry_appended_past_the_head_is_reported_as_inserted():
    chain = build_chain(4)
    head_hash = chain[-1]["entry_hash"]
    forged = _fields(5, action="person.reveal")
    chain.append({**forged, "prev_hash": head_hash, "entry_hash": entry_hash(forged, head_hash)})
    assert verify_chain(chain, 4, head_hash) == ChainBreak(seq=5, reason="inserted")


# --- the database: the real log --------------------------------------------------------------------


@pytest.fixture
def entries(user_of) -> list[AuditEntry]:
    officer = user_of("officer")
    admin = user_of("admin")
    return [
        audit_record(actor=officer, action="person.view", object_type="people.person", object_id=1),
        audit_record(
            actor=admin,
            action="user.update",
            obj=officer,
            changes={
                "roles": [["officer"], ["officer", "unit_chief"]],
                "unit": ["wp-ps-350824105-sq", None],
                "note": "调动（桃溪→平川）",
                "n": 3,
                "flag": True,
            },
        ),
        audit_record(
            actor=None, action="auth.login", object_type="org.user", object_label="nobody", outcome="denied"
        ),
        audit_record(actor=officer, action="person.reveal", object_type="people.person", object_id=1),
    ]


def verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def disable_triggers() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")


def test_entries_form_a_chain(entries):
    rows = list(AuditEntry.objects.order_by("seq").values("seq", "prev_hash", "entry_hash"))
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0]["prev_hash"] == GENESIS_HASH
    for before, after in itertools.pairwise(rows):
        assert after["prev_hash"] == before["entry_hash"]
    assert len({r["entry_hash"] for r in rows}) == len(rows)
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.entry_hash) == (rows[-1]["seq"], rows[-1]["entry_hash"])


def test_an_entry_records_who_did_what(entries):
    entry = AuditEntry.objects.get(pk=entries[1].pk)
    assert entry.actor_username == "admin"
    assert entry.actor_roles == "admin"
    assert entry.actor_unit == "wp"
    assert entry.object_type == "org.user"
    assert entry.changes["note"] == "调动（桃溪→平川）"
    anonymous = AuditEntry.objects.get(pk=entries[2].pk)
    assert anonymous.actor_id is None
    assert anonymous.outcome == "denied"


def test_audit_verify_passes_on_an_intact_chain(entries):
    output = verify()
    assert "audit chain OK" in output
    assert f"{AuditEntry.objects.count()} entries" in output
    assert audit_chain_check() is None


def test_audit_verify_finds_an_altered_row(entries):
    disable_triggers()
    target = entries[1].seq
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET object_label = %s WHERE seq = %s", ["篡改", target])
    with pytest.raises(CommandError) as exc:
        verify()
    assert f"seq={target}" in str(exc.value)
    assert "altered" in str(exc.value)


def test_audit_verify_finds_an_altered_changes_field(entries):
    disable_triggers()
    target = entries[1].seq
    AuditEntry.objects.filter(seq=target).update(changes={"roles": [["officer"], ["officer"]]})
    with pytest.raises(CommandError) as exc:
        verify()
    assert f"seq={target}: 被篡改 altered" in str(exc.value)


def test_audit_verify_finds_a_deleted_row(entries):
    disable_triggers()
    target = entries[1].seq
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = %s", [target])
    with pytest.raises(CommandError) as exc:
        verify()
    # The walk reports the first entry after the gap.
    assert f"seq={target + 1}" in str(exc.value)
    assert "removed" in str(exc.value)


def test_audit_verify_finds_the_last_row_deleted(entries):
    disable_triggers()
    last = entries[-1].seq
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = %s", [last])
    with pytest.raises(CommandError) as exc:
        verify()
    assert f"seq={last}: 被删除 removed" in str(exc.value)


def _insert_forged(seq: int, prev_hash: str, digest: str) -> None:
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                seq=seq,
                at=timezone.now(),
                actor_username="officer",
                action="person.reveal",
                object_type="people.person",
                object_id="1",
                outcome="allowed",
                prev_hash=prev_hash,
                entry_hash=digest,
            )
        ]
    )


def test_audit_verify_finds_a_forged_row_appended_past_the_head(entries):
    head = ChainHead.objects.get(pk=1)
    _insert_forged(head.seq + 1, head.entry_hash, "b" * 64)
    with pytest.raises(CommandError) as exc:
        verify()
    assert f"seq={head.seq + 1}" in str(exc.value)


def test_audit_verify_finds_a_forged_row_inserted_before_the_first(entries):
    _insert_forged(0, GENESIS_HASH, "c" * 64)
    with pytest.raises(CommandError) as exc:
        verify()
    assert "seq=0: 被插入 inserted" in str(exc.value)


def test_audit_verify_finds_a_well_hashed_forgery_appended_past_the_head(entries):
    head = ChainHead.objects.get(pk=1)
    _insert_forged(head.seq + 1, head.entry_hash, "d" * 64)
    row = AuditEntry.objects.filter(seq=head.seq + 1).values().get()
    row["at"] = row["at"].isoformat()
    digest = entry_hash(row, head.entry_hash)
    disable_triggers()
    AuditEntry.objects.filter(seq=head.seq + 1).update(entry_hash=digest)
    found = audit_chain_check()
    assert found is not None
    with pytest.raises(CommandError):
        verify()


# --- the triggers ------------------------------------------------------------------------------------


def test_orm_update_is_refused(entries):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entries[0].pk).update(action="tampered")
    assert AuditEntry.objects.get(pk=entries[0].pk).action == "person.view"


def test_orm_save_of_an_existing_entry_is_refused(entries):
    entry = AuditEntry.objects.get(pk=entries[0].pk)
    entry.object_label = "tampered"
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.save()
    assert AuditEntry.objects.get(pk=entries[0].pk).object_label == ""


def test_orm_delete_is_refused(entries):
    count = AuditEntry.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entries[0].pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == count


def test_raw_sql_update_and_delete_are_refused(entries):
    count = AuditEntry.objects.count()
    for sql in (f"UPDATE {TABLE} SET action = 'x'", f"DELETE FROM {TABLE}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEntry.objects.count() == count


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_truncate_is_refused_on_postgresql(entries):
    count = AuditEntry.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")
    assert AuditEntry.objects.count() == count


def test_the_triggers_are_installed(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE]
            )
            expected = {"audit_entry_no_update_delete", "audit_entry_no_truncate"}
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            expected = {"audit_entry_no_update", "audit_entry_no_delete"}
        assert {row[0] for row in cursor.fetchall()} == expected


def test_inserting_is_still_allowed(entries):
    before = AuditEntry.objects.count()
    audit_record(actor=None, action="test.append")
    assert AuditEntry.objects.count() == before + 1
