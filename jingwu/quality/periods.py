"""Evaluation periods (考评周期): a month, a quarter or a year, in Asia/Shanghai dates.

A period is written as a key: "2026" (year), "2026-Q3" (quarter), "2026-07" (month). Its bounds are the
half-open interval [start, end) of aware datetimes at Shanghai midnight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

TZ: Final = ZoneInfo("Asia/Shanghai")
KINDS: Final = {"year": "年度", "quarter": "季度", "month": "月度"}
_KEY = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")


class PeriodError(ValueError):
    """A period key that names no period."""


@dataclass(frozen=True, order=True)
class Period:
    """A period: its first day and the first day after it."""

    first: date
    after: date
    kind: str

    @property
    def key(self) -> str:
        if self.kind == "year":
            return f"{self.first.year}"
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        return f"{self.first.year}-{self.first.month:02d}"

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"{self.first.year}年度"
        if self.kind == "quarter":
            return f"{self.first.year}年第{(self.first.month - 1) // 3 + 1}季度"
        return f"{self.first.year}年{self.first.month}月"

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=TZ)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.after, time.min, tzinfo=TZ)

    def contains_date(self, day: date) -> bool:
        return self.first <= day < self.after

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def ended(self, now: datetime) -> bool:
        return now >= self.end

    def periods_containing(self) -> list[Period]:
        """This period and the longer ones around it (a month lies in its quarter and its year)."""
        return [period_of(self.first, kind) for kind in KINDS]


def _month_after(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def parse_period(key: str) -> Period:
    """ "2026" / "2026-Q3" / "2026-07" → the period; anything else is a PeriodError."""
    match = _KEY.match((key or "").strip())
    if not match:
        raise PeriodError(f"考评周期格式应为 2026、2026-Q3 或 2026-07：{key!r}")
    year = int(match["year"])
    if not 2000 <= year <= 2100:
        raise PeriodError(f"考评年度超出范围：{year}")
    if match["quarter"]:
        first_month = (int(match["quarter"]) - 1) * 3 + 1
        return Period(date(year, first_month, 1), _month_after(year, first_month + 2), "quarter")
    if match["month"]:
        month = int(match["month"])
        return Period(date(year, month, 1), _month_after(year, month), "month")
    return Period(date(year, 1, 1), date(year + 1, 1, 1), "year")


def period_of(day: date, kind: str) -> Period:
    """The period of `kind` holding `day`."""
    if kind == "year":
        return parse_period(f"{day.year}")
    if kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if kind == "month":
        return parse_period(f"{day.year}-{day.month:02d}")
    raise PeriodError(f"未知的考评周期类型：{kind}")


def local_date(moment: datetime) -> date:
    """The Shanghai calendar day of an aware moment."""
    return moment.astimezone(TZ).date()
