"""Resident identity numbers (居民身份证号码, GB 11643-1999) and phone numbers.

Validation: the format, the MOD 11-2 check digit (python-stdnum's `ric.calc_check_digit`), a real
birth date that is not in the future, and a province-level region code. The county part of the
address code is deliberately not checked against the birth year (as `ric.validate` does): the code
is the registered residence when the number was assigned, so a county created after the holder's
birth is normal (武平县's 350824 dates from 1996). The 15-digit first-generation form
(GB 11643-1989) is not accepted for new registrations: every resident holds an 18-digit number
since 2013.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import phonenumbers
from stdnum.cn import ric

# GB/T 2260 province-level codes; 81/82/83 are the residence permits of Hong Kong, Macao and
# Taiwan residents (港澳台居民居住证), which use the same number format.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)

CHINA = ZoneInfo("Asia/Shanghai")


class InvalidIdentity(ValueError):
    """A number that fails validation; the message is for the user, in Chinese."""


def normalise_id_number(raw: str, *, today: datetime.date | None = None) -> str:
    """Return the canonical 18-character form (upper-case X) or raise InvalidIdentity."""
    value = ric.compact(raw or "")
    if len(value) != 18:
        raise InvalidIdentity(f"身份证号码应为18位（当前{len(value)}位）")
    body, check = value[:17], value[17]
    if not (body.isascii() and body.isdigit()) or check not in "0123456789X":
        raise InvalidIdentity("身份证号码格式错误：前17位须为数字，末位为数字或X")
    if check != ric.calc_check_digit(value):
        raise InvalidIdentity("身份证号码校验位错误（GB 11643-1999）")
    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise InvalidIdentity("身份证号码中的出生日期或地区码无效") from exc
    if born > (today or datetime.datetime.now(CHINA).date()) or value[:2] not in PROVINCE_CODES:
        raise InvalidIdentity("身份证号码中的出生日期或地区码无效")
    return value


def sex_from_id_number(value: str) -> str:
    """The 17th digit is odd for men and even for women (GB 11643-1999 §4.3)."""
    return "male" if int(value[16]) % 2 else "female"


def normalise_phone(raw: str) -> str:
    """A Chinese mobile or fixed-line number in national digits, or raise InvalidIdentity."""
    text = (raw or "").strip().replace(" ", "").replace("-", "")
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentity("电话号码格式错误") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidIdentity("电话号码无效")
    national = str(parsed.national_number)
    # Fixed lines keep their trunk prefix (0597-…); mobiles are written without one.
    if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE:
        return national
    return "0" + national
