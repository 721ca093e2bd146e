"""Resident ID numbers (GB 11643-1999) and phone numbers.

The vectors come from jingwu/data/idcard/gb11643_test_vectors.csv; the check digit is recomputed
here by hand from the standard (ISO 7064 MOD 11-2, weights 2^(18-i) mod 11) rather than with the
code under test.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingwu.core.identity import InvalidIdentity, normalise_id_number, normalise_phone, sex_from_id_number

VECTORS_CSV = Path(__file__).resolve().parents[2] / "data" / "idcard" / "gb11643_test_vectors.csv"
with VECTORS_CSV.open(encoding="utf-8", newline="") as _handle:
    VECTORS = list(csv.DictReader(_handle))

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK_CODES = "10X98765432"  # Y = S mod 11 → check code

MSG_LENGTH_15 = "身份证号码应为18位（当前15位）"
MSG_CHECKSUM = "身份证号码校验位错误（GB 11643-1999）"
MSG_DATE_OR_REGION = "身份证号码中的出生日期或地区码无效"
MSG_FORMAT = "身份证号码格式错误：前17位须为数字，末位为数字或X"

# Labels that record a policy choice rather than a fact about the number: whether a county code
# must already have existed in the holder's birth year. Either answer is acceptable here, as long
# as the function answers (a canonical number or InvalidIdentity, never another exception).
POLICY_DEPENDENT = {"invalid-region-at-birth", "valid-lenient/invalid-strict"}


def check_code(first17: str) -> str:
    return CHECK_CODES[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def _param(row: dict[str, str]) -> object:
    return pytest.param(row["id_number"], row["expected_by_source"], id=row["id_number"])


VALID = [_param(r) for r in VECTORS if r["expected_by_source"] == "valid"]
INVALID = [
    _param(r)
    for r in VECTORS
    if r["expected_by_source"].startswith("invalid") and r["expected_by_source"] not in POLICY_DEPENDENT
]
FIFTEEN = [r["id_number"] for r in VECTORS if len(r["id_number"]) == 15]


def test_the_vector_file_covers_every_category():
    labels = {r["expected_by_source"] for r in VECTORS}
    assert len(VECTORS) == 47
    assert {"valid", "invalid-checksum", "invalid-date", "invalid-length", "valid-15digit"} <= labels
    assert len(VALID) == sum(1 for r in VECTORS if r["expected_by_source"] == "valid") >= 20
    assert len(FIFTEEN) == 4


WITH_CHECK_DIGIT = [r for r in VECTORS if len(r["id_number"]) == 18 and r["id_number"][:17].isdigit()]


@pytest.mark.parametrize("row", WITH_CHECK_DIGIT, ids=[r["id_number"] for r in WITH_CHECK_DIGIT])
def test_recomputed_checksum_column_matches_the_standard(row):
    number = row["id_number"].upper()
    assert (check_code(number[:17]) == number[17]) == (row["checksum_ok_recomputed"] == "True")


@pytest.mark.parametrize(("number", "label"), VALID)
def test_valid_vectors_are_accepted_and_normalised(number, label):
    assert normalise_id_number(number) == number.upper()


@pytest.mark.parametrize(("number", "label"), INVALID)
def test_invalid_vectors_are_refused(number, label):
    with pytest.raises(InvalidIdentity):
        normalise_id_number(number)


@pytest.mark.parametrize("number", FIFTEEN)
def test_fifteen_digit_numbers_are_refused_by_design(number):
    with pytest.raises(InvalidIdentity) as exc:
        normalise_id_number(number)
    assert str(exc.value) == MSG_LENGTH_15


@pytest.mark.parametrize(
    "number", [r["id_number"] for r in VECTORS if r["expected_by_source"] in POLICY_DEPENDENT]
)
def test_policy_dependent_vectors_get_an_answer(number):
    try:
        assert normalise_id_number(number) == number.upper()
    except InvalidIdentity as exc:
        assert str(exc) == MSG_DATE_OR_REGION


@pytest.mark.parametrize(
    "number",
    [
        r["id_number"]
        for r in VECTORS
        if r["checksum_ok_recomputed"] == "False" and r["id_number"][0].isdigit()
    ],
)
def test_a_wrong_check_digit_gives_the_checksum_message(number):
    with pytest.raises(InvalidIdentity) as exc:
        normalise_id_number(number)
    assert str(exc.value) == MSG_CHECKSUM


def test_message_for_each_kind_of_error():
    by_label: dict[str, str] = {}
    for r in VECTORS:
        by_label.setdefault(r["expected_by_source"], r["id_number"])
    cases = {
        by_label["invalid-format"]: MSG_FORMAT,
        "360426199113010079": MSG_DATE_OR_REGION,  # month 13, check digit right
        by_label["invalid-region"]: MSG_DATE_OR_REGION,  # region 99 does not exist
    }
    for number, message in cases.items():
        with pytest.raises(InvalidIdentity) as exc:
            normalise_id_number(number)
        assert str(exc.value) == message, number


@pytest.mark.parametrize(
    "raw", [" 44011320141005001x ", "44011320141005001X", "４４０１１３２０１４１００５００１x"]
)
def test_whitespace_case_and_full_width_digits_are_normalised(raw):
    assert normalise_id_number(raw) == "44011320141005001X"


@pytest.mark.parametrize("raw", ["", None, "   "])
def test_empty_input_is_refused(raw):
    with pytest.raises(InvalidIdentity):
        normalise_id_number(raw)


def test_a_wuping_resident_born_in_1990_is_accepted():
    first17 = "35082419900101123"
    assert check_code(first17) == "4"
    assert normalise_id_number(first17 + "4") == "350824199001011234"


def test_a_birth_date_in_the_future_is_refused():
    first17 = f"360426{datetime.date.today().year + 5}0101123"
    with pytest.raises(InvalidIdentity):
        normalise_id_number(first17 + check_code(first17))


# 德安县 (360426) exists in stdnum's data from 1983; births from then on satisfy even the strict check.
birth_dates = st.dates(min_value=datetime.date(1983, 1, 1), max_value=datetime.date(2020, 12, 31))


@given(birth_dates, st.integers(min_value=0, max_value=999))
def test_any_number_with_the_right_check_digit_is_accepted(born, sequence):
    first17 = f"360426{born:%Y%m%d}{sequence:03d}"
    assert normalise_id_number(first17 + check_code(first17)) == first17 + check_code(first17)


@given(birth_dates, st.integers(min_value=0, max_value=999), st.sampled_from("0123456789X"))
def test_any_other_check_digit_is_refused(born, sequence, last):
    first17 = f"360426{born:%Y%m%d}{sequence:03d}"
    if last == check_code(first17):
        return
    with pytest.raises(InvalidIdentity) as exc:
        normalise_id_number(first17 + last)
    assert str(exc.value) == MSG_CHECKSUM


@given(st.text(alphabet="0123456789", min_size=16, max_size=16), st.integers(min_value=0, max_value=9))
def test_sex_follows_the_parity_of_the_17th_digit(first16, digit17):
    number = f"{first16}{digit17}X"
    assert sex_from_id_number(number) == ("male" if digit17 in (1, 3, 5, 7, 9) else "female")


def test_sex_of_the_standard_examples():
    appendix_a = [r["id_number"] for r in VECTORS if r["note"].startswith("GB 11643-1999 Appendix A example")]
    # 11010519491231002X: sequence 002, 17th digit 2 → female; 440524188001010014: 001 → male.
    assert [sex_from_id_number(n) for n in appendix_a] == ["female", "male"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0597-6623110", "05976623110"),  # 武平 fixed line keeps its trunk prefix 0597
        ("05976623110", "05976623110"),
    ],
)
def test_phone_numbers_are_normalised(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "abc", "", "1381234567", "138123456789", "110"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidIdentity):
        normalise_phone(raw)
