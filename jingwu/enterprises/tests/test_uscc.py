"""The unified social credit code (GB 32100-2015): check character, charset, length, region digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingwu.enterprises.uscc import CHARSET, InvalidUSCC, normalise_uscc, with_check_character

# Published codes of well-known companies (营业执照): their check characters are right.
REAL = ["914403001922038216", "9144030071526726XG"]


@pytest.mark.parametrize("code", REAL)
def test_published_codes_are_valid(code: str) -> None:
    assert normalise_uscc(code) == code


def test_spaces_dashes_and_lower_case_are_normalised() -> None:
    assert normalise_uscc(" 9144-0300 7152 6726xg ") == "9144030071526726XG"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "请填写统一社会信用代码"),
        ("91440300192203821", "应为18位（当前17位）"),
        ("914403001922038217", "校验码错误"),
        ("9144030019220382I6", "无效字符：I"),
        ("91A403001922038216", "第3至8位应为行政区划代码"),
    ],
)
def test_refusals_say_why_in_chinese(code: str, message: str) -> None:
    with pytest.raises(InvalidUSCC, match=message):
        normalise_uscc(code)


def test_a_letter_authority_code_is_allowed() -> None:
    # "Y": other registration authorities (GB 32100-2015 表1), refused by stdnum's own validate().
    code = with_check_character("Y1350824MA0000001")
    assert normalise_uscc(code) == code


@given(st.text(alphabet=CHARSET, min_size=9, max_size=9), st.sampled_from(list(CHARSET)))
def test_every_single_character_change_of_the_check_is_caught(body: str, wrong: str) -> None:
    code = with_check_character("91350824" + body)
    assert normalise_uscc(code) == code
    if wrong != code[-1]:
        with pytest.raises(InvalidUSCC):
            normalise_uscc(code[:-1] + wrong)
