"""Deterministic building blocks for demo and synthetic data: Hakka-region names, Wuping ID numbers."""

from __future__ import annotations

import random
from datetime import date, timedelta

# Common surnames of Wuping's Hakka villages, most frequent first.
SURNAMES = "钟刘李林王陈谢邱蓝练曾石黄张罗吴兰修梁饶邓丘"
GIVEN = "志建国华明伟秀英桂兰海峰丽文斌春梅金水德福永红玉芳小军荣生炳辉富贵慧敏俊杰"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
MOBILE_PREFIXES = ("138", "139", "137", "135", "150", "151", "158", "159", "187", "188", "133", "153", "180")


def check_digit(first17: str) -> str:
    """GB 11643-1999 MOD 11-2."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def id_number(rng: random.Random, *, male: bool, born: date | None = None) -> str:
    """A valid Wuping resident ID number. Wuping's region code was 352625 under 龙岩地区 until 1996,
    350824 since; the number carries the code in force at birth (python-stdnum checks this)."""
    born = born or date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    region = "350824" if born.year >= 1997 else "352625"
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"
