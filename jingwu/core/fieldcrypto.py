"""Field encryption at rest (个人信息加密存储): AES-256-GCM with a key ring, and a blind index for exact
lookups. Pure Python over `cryptography`; no Django here (jingwu/core/encrypted_fields.py is the glue).

A key ring is written ``"k2:<base64 32 bytes>,k1:<base64 32 bytes>"``: the first key is the current one
(new values are encrypted or indexed under it), the others stay readable until rotated away.

A ciphertext is ``<key id>:<base64url nonce>:<base64url ciphertext+tag>``; the key id says which key of
the ring opens it. The associated data (e.g. ``b"person.id_number"``) binds a value to its column, so a
ciphertext copied into another column does not decrypt.

A blind index (盲索引) is ``<key id>:<hex HMAC-SHA256>`` of the value under a separate index key and a
purpose label: equal values give equal digests (exact lookup, uniqueness), the digest reveals nothing
else without the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32  # AES-256; also the HMAC key length
NONCE_BYTES = 12  # 96-bit random nonce per value (GCM's recommended size)
_KEY_ID = re.compile(r"[A-Za-z0-9_\-]{1,16}")


class KeyRingError(ValueError):
    """A key ring setting that cannot be used (malformed, duplicate id, wrong length)."""


class DecryptionError(ValueError):
    """A stored value that cannot be opened: unknown key id, wrong key, or altered data."""


@dataclass(frozen=True)
class KeyRing:
    """Keys by id, the first being the current one."""

    keys: tuple[tuple[str, bytes], ...]
    name: str = "key ring"  # the setting's name, for error messages

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyRingError(f"{self.name}: no key")
        ids = [key_id for key_id, _ in self.keys]
        if len(set(ids)) != len(ids):
            raise KeyRingError(f"{self.name}: duplicate key id")
        for key_id, key in self.keys:
            if not _KEY_ID.fullmatch(key_id):
                raise KeyRingError(f"{self.name}: key id {key_id!r} must be 1–16 letters, digits, - or _")
            if len(key) != KEY_BYTES:
                raise KeyRingError(f"{self.name}: key {key_id!r} must be {KEY_BYTES} bytes, not {len(key)}")

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    @property
    def current(self) -> bytes:
        return self.keys[0][1]

    def get(self, key_id: str) -> bytes | None:
        return next((key for kid, key in self.keys if kid == key_id), None)

    @classmethod
    def parse(cls, text: str, *, name: str = "key ring") -> KeyRing:
        """``"k2:<base64>,k1:<base64>"`` → KeyRing; standard or URL-safe base64 both accepted."""
        keys: list[tuple[str, bytes]] = []
        for item in (part.strip() for part in (text or "").split(",")):
            if not item:
                continue
            key_id, sep, encoded = item.partition(":")
            if not sep:
                raise KeyRingError(f"{name}: each entry is <key id>:<base64 key>")
            try:
                key = base64.b64decode(encoded.strip().replace("-", "+").replace("_", "/"), validate=True)
            except binascii.Error as exc:
                raise KeyRingError(f"{name}: key {key_id.strip()!r} is not valid base64") from exc
            keys.append((key_id.strip(), key))
        return cls(tuple(keys), name=name)


def new_key() -> str:
    """A fresh random key, base64, for a key ring entry (`manage.py rotate_data_key --new-key`)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


@lru_cache(maxsize=32)
def _cipher(key: bytes) -> AESGCM:
    # Building the cipher costs about as much as one decryption; a list page decrypts hundreds of values.
    return AESGCM(key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt(ring: KeyRing, plaintext: str, associated_data: bytes) -> str:
    """Encrypt under the ring's current key; a fresh nonce each time, so equal values differ."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(ring.current).encrypt(nonce, plaintext.encode("utf-8"), associated_data)
    return f"{ring.current_id}:{_b64(nonce)}:{_b64(sealed)}"


def key_id_of(token: str) -> str:
    """The id of the key a ciphertext was made with ("" when it is not a ciphertext)."""
    parts = token.split(":")
    return parts[0] if len(parts) == 3 else ""


def decrypt(ring: KeyRing, token: str, associated_data: bytes) -> str:
    """Open a ciphertext with whichever key of the ring its id names."""
    parts = token.split(":")
    if len(parts) != 3:
        raise DecryptionError(f"{associated_data.decode()}: stored value is not a ciphertext")
    key_id, nonce_text, sealed_text = parts
    key = ring.get(key_id)
    if key is None:
        raise DecryptionError(
            f"{associated_data.decode()}: encrypted with key {key_id!r}, which {ring.name} does not hold "
            f"(密钥 {key_id} 不在 {ring.name} 中)"
        )
    try:
        nonce, sealed = _unb64(nonce_text), _unb64(sealed_text)
        if len(nonce) != NONCE_BYTES:
            raise InvalidTag
        return _cipher(key).decrypt(nonce, sealed, associated_data).decode("utf-8")
    except (InvalidTag, binascii.Error, UnicodeDecodeError) as exc:
        raise DecryptionError(
            f"{associated_data.decode()}: key {key_id!r} of {ring.name} does not open this value — wrong key "
            f"or altered data (密钥错误或数据被篡改)"
        ) from exc


def blind_index(ring: KeyRing, value: str, purpose: str, *, key_id: str | None = None) -> str:
    """``<key id>:<hex HMAC-SHA256>`` of `value` under the current index key (or the key `key_id`)."""
    key_id = key_id or ring.current_id
    key = ring.get(key_id)
    if key is None:
        raise KeyRingError(f"{ring.name}: no key {key_id!r}")
    # The purpose keeps equal strings in two columns from having equal digests.
    mac = hmac.new(key, purpose.encode("utf-8") + b"\x00" + value.encode("utf-8"), hashlib.sha256)
    return f"{key_id}:{mac.hexdigest()}"


def blind_indexes(ring: KeyRing, value: str, purpose: str) -> list[str]:
    """The digests of `value` under every key of the ring: what a lookup matches during a change-over."""
    return [blind_index(ring, value, purpose, key_id=key_id) for key_id, _ in ring.keys]
