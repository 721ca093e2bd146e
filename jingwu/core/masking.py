"""Masking of personal data (个人信息脱敏) for display to roles that may not see it in full.

Pure functions, no Django: the rules follow common public-security practice — an ID number keeps
its 6-digit region code and last 4 characters, a mobile number its 3-digit prefix and last 4 digits.
"""

from __future__ import annotations

MASK = "*"


def mask_id_number(value: str | None) -> str:
    """`350824199001011234` → `350824********1234`."""
    if not value:
        return ""
    if len(value) <= 10:
        return MASK * len(value)
    return value[:6] + MASK * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """`13812345678` → `138****5678`; short numbers keep only their last 2 digits."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) >= 11:
        return digits[:3] + MASK * (len(digits) - 7) + digits[-4:]
    if len(digits) <= 2:
        return MASK * len(digits)
    return MASK * (len(digits) - 2) + digits[-2:]


def mask_address(value: str | None, keep: int = 6) -> str:
    """Keep the first characters (township, village), hide the house number and the rest."""
    if not value:
        return ""
    if len(value) <= keep:
        return value[: max(1, len(value) // 2)] + MASK * 3
    return value[:keep] + MASK * 3
