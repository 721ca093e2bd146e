"""Masking of personal data (个人信息脱敏): an ID keeps its region code and last 4, a mobile its 3 + 4."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingwu.core.masking import mask_address, mask_id_number, mask_phone

id_numbers = st.text(alphabet="0123456789X", min_size=0, max_size=24)
digits = st.text(alphabet="0123456789", min_size=0, max_size=16)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("350824199001011234", "350824********1234"),
        ("11010519491231002X", "110105********002X"),
        ("350303900203307", "350303*****3307"),  # a 15-digit number: 6 + 5 hidden + 4
        ("", ""),
        (None, ""),
        ("1234567890", "**********"),  # 10 or fewer: nothing is shown
    ],
)
def test_mask_id_number_examples(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("05976623110", "059****3110"),  # fixed line with trunk prefix, 11 characters
        ("059762231101", "059*****1101"),
        ("6623110", "*****10"),  # short numbers keep their last 2
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone_examples(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("武平县桃溪镇新华村12号", "武平县桃溪镇***"),
        ("桃溪镇", "桃***"),
        ("", ""),
    ],
)
def test_mask_address_examples(value, masked):
    assert mask_address(value) == masked


@given(id_numbers)
def test_id_mask_preserves_length(value):
    assert len(mask_id_number(value)) == len(value)


@given(id_numbers)
def test_id_mask_reveals_at_most_first_6_and_last_4(value):
    masked = mask_id_number(value)
    shown = [i for i, (a, b) in enumerate(zip(value, masked, strict=True)) if b != "*"]
    allowed = set(range(6)) | set(range(len(value) - 4, len(value)))
    assert set(shown) <= allowed
    assert len(shown) <= 10
    for i in shown:
        assert masked[i] == value[i]


@given(st.text(alphabet="0123456789X", min_size=11, max_size=24))
def test_id_mask_of_a_long_number_keeps_region_and_tail(value):
    masked = mask_id_number(value)
    assert masked[:6] == value[:6]
    assert masked[-4:] == value[-4:]
    assert set(masked[6:-4]) == {"*"}


@given(st.text(alphabet="0123456789X", min_size=1, max_size=10))
def test_short_id_values_are_fully_hidden(value):
    assert mask_id_number(value) == "*" * len(value)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_mask_keeps_3_and_4(value):
    masked = mask_phone(value)
    assert masked == value[:3] + "****" + value[-4:]


@given(digits)
def test_phone_mask_preserves_length_and_hides_the_middle(value):
    masked = mask_phone(value)
    assert len(masked) == len(value)
    shown = [i for i, ch in enumerate(masked) if ch != "*"]
    if len(value) >= 11:
        assert shown == [*range(3), *range(len(value) - 4, len(value))]
    elif len(value) > 2:
        assert shown == [len(value) - 2, len(value) - 1]
    else:
        assert shown == []


@given(st.text(min_size=1, max_size=60).filter(lambda s: "*" not in s))
def test_address_mask_hides_the_tail(value):
    masked = mask_address(value)
    assert masked.endswith("***")
    kept = masked[:-3]
    assert value.startswith(kept)
    assert len(kept) <= 6
    assert len(kept) < len(value) or len(value) == 1
