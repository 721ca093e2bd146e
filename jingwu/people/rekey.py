"""Key rotation of the encrypted personal data (密钥轮换): re-encrypt every value not yet under the current
data key and rebuild every blind index not yet under the current index key, in batches, audited.

What rotation means for each key (docs/security.md):
- data key (JINGWU_DATA_KEYS): put the new key first, keep the old one after it; new writes use the new
  key at once, old values stay readable; `rotate_data_key` re-encrypts the rest; then drop the old key.
- index key (JINGWU_INDEX_KEYS): the same; lookups match the digests of every key in the ring meanwhile;
  `rotate_data_key` recomputes every digest under the new key (from the decrypted value); then drop the
  old key. While two index keys are in the ring the database's unique constraint cannot compare an old
  digest with a new one: the services' duplicate check (which looks under every key) still does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from jingwu.audit.services import audit_record
from jingwu.core.encrypted_fields import BlindIndexField, data_ring, index_ring
from jingwu.core.fieldcrypto import key_id_of
from jingwu.people.models import Person

ENCRYPTED = ("id_number", "phone", "address")
DIGESTS = ("id_number_digest", "phone_digest")


@dataclass
class RekeyReport:
    """What a rotation run did, and which keys the stored values are under afterwards."""

    rows: int = 0
    reencrypted: int = 0
    reindexed: int = 0
    data_keys: Counter[str] = field(default_factory=Counter)  # key id → values encrypted under it
    index_keys: Counter[str] = field(default_factory=Counter)  # key id → digests made with it


def _with_raw(queryset):  # type: ignore[no-untyped-def]
    # The ciphertext as stored (a text cast, so the field does not decrypt it): its key id is its prefix.
    return queryset.annotate(**{f"raw_{name}": Cast(name, TextField()) for name in ENCRYPTED})


def key_usage() -> RekeyReport:
    """Count the stored values per data key id and digests per index key id (no writes)."""
    report = RekeyReport()
    rows = _with_raw(Person.objects.all())
    for values in rows.values_list(*(f"raw_{n}" for n in ENCRYPTED), *DIGESTS).iterator(chunk_size=2000):
        report.rows += 1
        report.data_keys.update(key_id_of(v) for v in values[: len(ENCRYPTED)] if v)
        report.index_keys.update(v.split(":", 1)[0] for v in values[len(ENCRYPTED) :] if v)
    return report


def personal_data_rekey(*, batch: int = 500) -> RekeyReport:
    """Bring every person row under the current data and index keys; rows already there are skipped.

    Each batch is one transaction with its rows locked (SELECT … FOR UPDATE on PostgreSQL), so an edit
    made meanwhile is neither lost nor overwritten with stale values. Re-running is harmless.
    """
    data_key, index_key = data_ring().current_id, index_ring().current_id
    digest_fields = {name: Person._meta.get_field(name) for name in DIGESTS}
    report = RekeyReport()
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            locked = Person.objects.select_for_update().filter(pk__in=ids[start : start + batch])
            people = list(_with_raw(locked))
            stale = []
            for person in people:
                raw = [getattr(person, f"raw_{name}") for name in ENCRYPTED]
                old_data = any(v and key_id_of(v) != data_key for v in raw)
                old_index = False
                for name, digest_field in digest_fields.items():
                    assert isinstance(digest_field, BlindIndexField)
                    expected = digest_field.digest_of(getattr(person, digest_field.source))
                    if getattr(person, name) != expected:
                        setattr(person, name, expected)
                        old_index = True
                if old_data or old_index:
                    stale.append(person)
                    report.reencrypted += int(old_data)
                    report.reindexed += int(old_index)
            # bulk_update writes the (decrypted) values back through the field: under the current key.
            Person.objects.bulk_update(stale, [*ENCRYPTED, *DIGESTS])
            report.rows += len(people)
    usage = key_usage()
    report.data_keys, report.index_keys = usage.data_keys, usage.index_keys
    audit_record(
        actor=None,
        action="person.rekey",
        object_type="people.person",
        object_label=f"{report.rows} 人",
        changes={
            "data_key": data_key,
            "index_key": index_key,
            "reencrypted": report.reencrypted,
            "reindexed": report.reindexed,
        },
    )
    return report
