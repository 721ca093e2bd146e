"""Field encryption at rest (个人信息加密存储): round trips, tampering, key-id selection, blind index."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingwu.core.fieldcrypto import (
    DecryptionError,
    KeyRing,
    KeyRingError,
    blind_index,
    blind_indexes,
    decrypt,
    encrypt,
    key_id_of,
    new_key,
)

K1, K2, K3 = (bytes([n]) * 32 for n in (1, 2, 3))
AAD = b"person.id_number"

keys = st.binary(min_size=32, max_size=32)
key_ids = st.from_regex(r"[A-Za-z0-9_\-]{1,16}", fullmatch=True)
texts = st.text(max_size=300)


def ring(*pairs: tuple[str, bytes]) -> KeyRing:
    return KeyRing(tuple(pairs))


@given(texts, keys, key_ids)
def test_round_trip_of_any_text_under_any_key(text, key, key_id) -> None:
    r = ring((key_id, key))
    token = encrypt(r, text, AAD)
    assert decrypt(r, token, AAD) == text
    assert key_id_of(token) == key_id


@given(st.text(min_size=1, max_size=50))
def test_equal_values_encrypt_differently_and_never_contain_the_plaintext(text) -> None:
    r = ring(("k1", K1))
    first, second = encrypt(r, text, AAD), encrypt(r, text, AAD)
    assert first != second  # a fresh nonce per value
    if len(text) >= 4:
        assert text not in first.split(":", 1)[1]


@given(st.text(min_size=1, max_size=40), st.data())
def test_any_altered_character_is_detected(text, data) -> None:
    r = ring(("k1", K1))
    token = encrypt(r, text, AAD)
    prefix = len("k1:")
    index = data.draw(st.integers(min_value=prefix, max_value=len(token) - 1))
    if token[index] == ":":
        return
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    replacement = data.draw(st.sampled_from(alphabet).filter(lambda c: c != token[index]))
    altered = token[:index] + replacement + token[index + 1 :]
    try:
        opened = decrypt(r, altered, AAD)
    except DecryptionError:
        return
    # The only alteration that can still open: a change in base64 padding bits that decodes to the same bytes.
    assert opened == text


def test_a_value_moved_to_another_column_does_not_open() -> None:
    r = ring(("k1", K1))
    token = encrypt(r, "13905971234", b"person.phone")
    with pytest.raises(DecryptionError):
        decrypt(r, token, b"person.address")


@given(texts)
def test_the_current_key_encrypts_and_the_old_ones_still_open(text) -> None:
    old, rotated = ring(("k1", K1)), ring(("k2", K2), ("k1", K1))
    before = encrypt(old, text, AAD)
    assert decrypt(rotated, before, AAD) == text
    after = encrypt(rotated, text, AAD)
    assert key_id_of(after) == "k2"
    assert decrypt(ring(("k2", K2)), after, AAD) == text


def test_a_missing_key_is_named_in_the_error() -> None:
    token = encrypt(ring(("k1", K1)), "350824199001011234", AAD)
    with pytest.raises(DecryptionError, match="'k1'"):
        decrypt(KeyRing((("k2", K2),), name="JINGWU_DATA_KEYS"), token, AAD)


def test_a_wrong_key_under_the_same_id_is_a_clear_error() -> None:
    token = encrypt(ring(("k1", K1)), "350824199001011234", AAD)
    with pytest.raises(DecryptionError, match="wrong key or altered data"):
        decrypt(ring(("k1", K3)), token, AAD)


@pytest.mark.parametrize("token", ["", "plain text", "k1:abc", "k1:!!:??", "k1:AAAA:AAAA"])
def test_what_is_not_a_ciphertext_is_refused(token) -> None:
    with pytest.raises(DecryptionError):
        decrypt(ring(("k1", K1)), token, AAD)


def test_key_ring_parsing() -> None:
    text = f"k2:{base64.b64encode(K2).decode()}, k1:{base64.urlsafe_b64encode(K1).decode()}"
    parsed = KeyRing.parse(text)
    assert parsed.current_id == "k2" and parsed.current == K2 and parsed.get("k1") == K1
    assert len(base64.b64decode(new_key())) == 32 and new_key() != new_key()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "k1",
        f"k1:{base64.b64encode(b'short').decode()}",
        "k1:not base64!",
        f"k1:{base64.b64encode(K1).decode()},k1:{base64.b64encode(K2).decode()}",
        f"bad:id:{base64.b64encode(K1).decode()}",
    ],
)
def test_malformed_key_rings_are_refused(text) -> None:
    with pytest.raises(KeyRingError):
        KeyRing.parse(text, name="JINGWU_DATA_KEYS")


@given(st.text(max_size=40), st.text(max_size=40))
def test_blind_index_is_deterministic_and_separates_values(a, b) -> None:
    r = ring(("i1", K1))
    assert blind_index(r, a, "person.phone") == blind_index(r, a, "person.phone")
    assert (blind_index(r, a, "person.phone") == blind_index(r, b, "person.phone")) == (a == b)


def test_blind_index_depends_on_key_and_purpose_and_names_its_key() -> None:
    value = "13905971234"
    one = blind_index(ring(("i1", K1)), value, "person.phone")
    assert one.startswith("i1:") and len(one) == 3 + 64 and value not in one
    assert one != blind_index(ring(("i1", K2)), value, "person.phone")
    assert one != blind_index(ring(("i1", K1)), value, "person.id_number")
    both = blind_indexes(ring(("i2", K2), ("i1", K1)), value, "person.phone")
    assert both == [blind_index(ring(("i2", K2)), value, "person.phone"), one]
