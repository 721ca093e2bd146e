"""Reporting periods (统计期间): a month, a quarter, a year or any range of days, and the same period a
year earlier. Days are Asia/Shanghai calendar days, both ends included."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from jingwu.core.errors import ServiceError
from jingwu.stats.calc import same_day_a_year_before

KINDS = ("month", "quarter", "year", "custom")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    kind: str
    first: date
    last: date
    label: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def a_year_before(self) -> Period:
        first, last = same_day_a_year_before(self.first), same_day_a_year_before(self.last)
        if self.kind == "month" and self.last.month == 2:
            last = date(first.year, 3, 1) - timedelta(days=1)
        return Period(self.kind, first, last, f"{_label(self.kind, first, last)}（上年同期）")

    def query(self) -> dict[str, str]:
        """The GET parameters that select this period again."""
        if self.kind == "custom":
            return {"kind": "custom", "from": self.first.isoformat(), "to": self.last.isoformat()}
        return {"kind": self.kind, "value": self.value}

    @property
    def value(self) -> str:
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.first.year)
        return f"{self.first}~{self.last}"


def _label(kind: str, first: date, last: date) -> str:
    if kind == "month":
        return f"{first.year}年{first.month}月"
    if kind == "quarter":
        return f"{first.year}年第{(first.month - 1) // 3 + 1}季度"
    if kind == "year":
        return f"{first.year}年"
    return f"{first:%Y-%m-%d}至{last:%Y-%m-%d}"


def month(year: int, number: int) -> Period:
    first = date(year, number, 1)
    last = (date(year + (number == 12), number % 12 + 1, 1)) - timedelta(days=1)
    return Period("month", first, last, _label("month", first, last))


def quarter(year: int, number: int) -> Period:
    first = date(year, (number - 1) * 3 + 1, 1)
    last = month(year, number * 3).last
    return Period("quarter", first, last, _label("quarter", first, last))


def year(number: int) -> Period:
    return Period(
        "year",
        date(number, 1, 1),
        date(number, 12, 31),
        _label("year", date(number, 1, 1), date(number, 12, 31)),
    )


def custom(first: date, last: date) -> Period:
    if last < first:
        first, last = last, first
    if (last - first).days > 3660:
        raise ServiceError("统计期间不能超过十年", {"to": "统计期间不能超过十年"})
    return Period("custom", first, last, _label("custom", first, last))


def parse(params: Any, today: date) -> Period:
    """The period of a query string (kind + value, or kind=custom with from/to); this month by default."""
    kind = (params.get("kind") or "month").strip()
    value = (params.get("value") or "").strip()
    try:
        if kind == "custom":
            return custom(
                date.fromisoformat(params.get("from", "")), date.fromisoformat(params.get("to", ""))
            )
        if kind == "quarter":
            match = _QUARTER.match(value)
            return (
                quarter(int(match[1]), int(match[2]))
                if match
                else quarter(today.year, (today.month - 1) // 3 + 1)
            )
        if kind == "year":
            match = _YEAR.match(value)
            return year(int(match[1])) if match else year(today.year)
        match = _MONTH.match(value)
        return month(int(match[1]), int(match[2])) if match else month(today.year, today.month)
    except ValueError as exc:
        raise ServiceError("统计期间无效", {"value": "统计期间无效"}) from exc
