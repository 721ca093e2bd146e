"""Resident identity numbers (居民身份证号码, GB 11643-1999) and phone numbers.

Validation uses python-stdnum (`stdnum.cn.ric`): the MOD 11-2 check digit, the birth date and
the region code. The 15-digit first-generation form (GB 11643-1989) is not accepted for new
registrations: every resident holds an 18-digit number since 2013.
"""

from __future__ import annotations

import phonenumbers
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric


class InvalidIdentity(ValueError):
    """A number that fails validation; the message is for the user, in Chinese."""


def normalise_id_number(raw: str) -> str:
    """Return the canonical 18-character form (upper-case X) or raise InvalidIdentity."""
    value = ric.compact(raw or "")
    if len(value) != 18:
        raise InvalidIdentity(f"身份证号码应为18位（当前{len(value)}位）")
    try:
        return ric.validate(value)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise InvalidIdentity("身份证号码校验位错误（GB 11643-1999）") from exc
    except stdnum_exceptions.InvalidComponent as exc:
        raise InvalidIdentity("身份证号码中的出生日期或地区码无效") from exc
    except stdnum_exceptions.InvalidFormat as exc:
        raise InvalidIdentity("身份证号码格式错误：前17位须为数字，末位为数字或X") from exc
    except stdnum_exceptions.ValidationError as exc:
        raise InvalidIdentity("身份证号码无效") from exc


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
