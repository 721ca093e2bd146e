"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters — registration
authority (1), entity type (1), region code (6 digits), entity identifier (9) and a check character.

Pure: no Django. The check character is the standard's MOD 31 over the code charset (python-stdnum's
``stdnum.cn.uscc.calc_check_digit``); the format check is ours, because the standard also allows a
letter as the authority code (``Y``: other authorities), which stdnum's ``validate`` refuses.
"""

from __future__ import annotations

from stdnum.cn.uscc import calc_check_digit

# GB 32100-2015 §4.1: digits and upper-case letters without I, O, Z, S, V.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class InvalidUSCC(ValueError):
    """Why the code is not a valid USCC, in Chinese."""


def normalise_uscc(raw: str) -> str:
    """The code in its canonical form (upper case, no spaces or dashes), or raise InvalidUSCC."""
    value = "".join((raw or "").split()).replace("-", "").upper()
    if not value:
        raise InvalidUSCC("请填写统一社会信用代码")
    if len(value) != 18:
        raise InvalidUSCC(f"统一社会信用代码应为18位（当前{len(value)}位）")
    bad = sorted({c for c in value if c not in CHARSET})
    if bad:
        raise InvalidUSCC(f"统一社会信用代码含无效字符：{''.join(bad)}（不使用I、O、Z、S、V）")
    if not value[2:8].isdigit():
        raise InvalidUSCC("统一社会信用代码第3至8位应为行政区划代码（数字）")
    if value[-1] != calc_check_digit(value[:17]):
        raise InvalidUSCC("统一社会信用代码校验码错误（GB 32100-2015）")
    return value


def with_check_character(first17: str) -> str:
    """The full code for 17 characters (used by the demo data and the tests)."""
    return first17 + calc_check_digit(first17)
