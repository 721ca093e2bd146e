"""Model fields for personal data encrypted at rest (加密存储字段): the Django side of
jingwu/core/fieldcrypto.py.

- `EncryptedTextField`: the column holds AES-256-GCM ciphertext; the attribute is plaintext. Empty and
  NULL are stored as such (emptiness is not a secret and keeps `exclude(phone="")` working). Filtering
  on the value is refused with a clear error: a fresh nonce per write means equal values never compare
  equal in SQL; exact lookups go through the blind index.
- `BlindIndexField`: HMAC-SHA256 digest of another field's value, computed on every save (also by
  `bulk_create`); `lookup_values(value)` gives the digests to match (one per index key, so lookups keep
  working while the index key is being rotated). `.update()` bypasses `pre_save`: callers that update
  the source column with `.update()` must set the digest too (`digest_of`).

Keys: settings.JINGWU_DATA_KEYS and settings.JINGWU_INDEX_KEYS (see jingwu/settings.py).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact

from jingwu.core.fieldcrypto import KeyRing, blind_index, blind_indexes, decrypt, encrypt


@lru_cache(maxsize=16)
def _parse(text: str, name: str) -> KeyRing:
    return KeyRing.parse(text, name=name)


def data_ring() -> KeyRing:
    """The AES key ring from settings (cached per value, so a test's override_settings takes effect)."""
    return _parse(settings.JINGWU_DATA_KEYS, "JINGWU_DATA_KEYS")


def index_ring() -> KeyRing:
    """The blind-index (HMAC) key ring from settings."""
    return _parse(settings.JINGWU_INDEX_KEYS, "JINGWU_INDEX_KEYS")


def normalise_for_index(value: str) -> str:
    # Services store ID numbers upper-cased and phones as digits; a lookup may come with spaces or an "x".
    return value.strip().upper()


class _EmptyOnlyExact(Exact):
    """`field=""` and `field=None` still work (stored as such); `field="value"` cannot match a ciphertext."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):  # None: Django turns it into IS NULL afterwards
            raise FieldError(_refusal(self.lhs.target))
        return super().get_prep_lookup()


def _refusal(field: Any) -> str:
    return (
        f"{field.model.__name__}.{field.name} is encrypted at rest and cannot be filtered in SQL; "
        f"use the blind-index helpers (e.g. Person.objects.by_id_number() / by_phone())"
    )


class EncryptedTextField(models.TextField):
    """Plaintext in Python, AES-256-GCM ciphertext (bound to `purpose`) in the database."""

    def __init__(self, *args: Any, purpose: str, **kwargs: Any) -> None:
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(data_ring(), value, self.purpose.encode("utf-8"))

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(data_ring(), str(value), self.purpose.encode("utf-8"))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        if lookup_name == "exact":
            return _EmptyOnlyExact
        raise FieldError(_refusal(self))


class BlindIndexField(models.CharField):
    """`<key id>:<HMAC-SHA256>` of the field `source`'s value (NULL when that is empty), set on save."""

    def __init__(self, *args: Any, source: str, purpose: str, **kwargs: Any) -> None:
        self.source, self.purpose = source, purpose
        kwargs.setdefault("max_length", 84)  # 16-character key id + ":" + 64 hex digits, with room
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, purpose=self.purpose)
        for key, default in (("max_length", 84), ("null", True), ("blank", True), ("editable", False)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def digest_of(self, value: str | None) -> str | None:
        """The digest to store for `value` (under the current index key)."""
        value = normalise_for_index(value or "")
        return blind_index(index_ring(), value, self.purpose) if value else None

    def lookup_values(self, value: str | None) -> list[str]:
        """The digests a lookup of `value` matches: one per key of the index ring."""
        value = normalise_for_index(value or "")
        return blind_indexes(index_ring(), value, self.purpose) if value else []

    def pre_save(self, model_instance: models.Model, add: bool) -> str | None:
        digest = self.digest_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, digest)
        return digest
