"""Statutory time arithmetic (法定期间计算) for the deadline engine.

All rules about *how a legal period is counted* live here and nowhere else:

- 刑事诉讼法 第105条: periods are counted in hours, days and months; the starting hour and day are not
  counted; a period ending on a holiday ends on the first day after it, except periods of custody.
- 刑诉法解释(2021) 第202条: a month runs to the same day of the target month; a start on a month's
  last day, or a missing day in the target month, ends on the target month's last day.
- 公安机关办理行政案件程序规定 第35条: the same for administrative cases; periods restricting personal
  liberty never roll over holidays.
- 行政处罚法 第85条: the "二日/三日/五日/七日" of that law are working days.

Every function accepts aware datetimes in any time zone, computes on the Asia/Shanghai wall clock and
returns aware datetimes in Asia/Shanghai. Naive datetimes are rejected.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Final, Literal
from zoneinfo import ZoneInfo

import yaml

TZ: Final = ZoneInfo("Asia/Shanghai")
DATA_DIR: Final = Path(__file__).resolve().parents[1] / "data"
DEFAULT_HOLIDAYS_PATH: Final = DATA_DIR / "holidays.yaml"

END_OF_DAY: Final = time(23, 59, 59)
LAST_DAY_START: Final = "last_day_start"


class Unit(StrEnum):
    """Unit of a legal period (期间单位)."""

    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WORKING_DAY = "working_day"
    MONTH = "month"


class Counting(StrEnum):
    """How a rule's due date is counted (计算方式); see legal_rules.yaml › meta.semantics.due_at."""

    HOURS_EXACT = "hours_exact"
    DAYS_EXCL_START = "days_excl_start"
    MONTHS_CALENDAR = "months_calendar"
    WORKING_DAYS = "working_days"
    BEFORE_OTHER_DEADLINE = "before_other_deadline"


#: The period units each counting mode accepts.
COUNTING_UNITS: Final[Mapping[Counting, frozenset[Unit]]] = {
    Counting.HOURS_EXACT: frozenset({Unit.HOUR, Unit.MINUTE}),
    Counting.DAYS_EXCL_START: frozenset({Unit.DAY}),
    Counting.MONTHS_CALENDAR: frozenset({Unit.MONTH}),
    Counting.WORKING_DAYS: frozenset({Unit.WORKING_DAY}),
    Counting.BEFORE_OTHER_DEADLINE: frozenset({Unit.DAY}),
}


@dataclass(frozen=True)
class Period:
    """A legal period: a non-negative whole number of units."""

    value: int
    unit: Unit

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, int) or self.value < 0:
            raise ValueError(f"period value must be a non-negative integer, got {self.value!r}")
        object.__setattr__(self, "unit", Unit(self.unit))

    def __str__(self) -> str:
        return f"{self.value} {self.unit}"


#: A warning window: a period before due_at, or "from 00:00 of the due date".
WarnWindow = Period | Literal["last_day_start"]


class CalendarCoverageError(LookupError):
    """The holiday calendar has no data for the year asked about (legal_rules.md open question 10)."""


# ----------------------------------------------------------------------------------------------------------
# Wall-clock helpers


def to_local(moment: datetime) -> datetime:
    """Return ``moment`` on the Asia/Shanghai wall clock; naive datetimes are an error."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no time zone; legal moments must be aware")
    return moment.astimezone(TZ)


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware moment."""
    return to_local(moment).date()


def end_of_day(day: date) -> datetime:
    """23:59:59 Asia/Shanghai of ``day`` — the end of a day-counted period."""
    return datetime.combine(day, END_OF_DAY, tzinfo=TZ)


def start_of_day(day: date) -> datetime:
    """00:00:00 Asia/Shanghai of ``day``."""
    return datetime.combine(day, time(0, 0), tzinfo=TZ)


# ----------------------------------------------------------------------------------------------------------
# Holiday calendar


class HolidayCalendar:
    """Official rest days and make-up working days (节假日及调休上班日), from holidays.yaml.

    A date is a rest day if it is a listed off day, or a Saturday/Sunday that is not a listed make-up
    working day (policy GEN-005); otherwise it is a working day. Asking about a year the calendar does not
    cover raises :class:`CalendarCoverageError` instead of guessing.
    """

    def __init__(self, years: Iterable[int], off_days: Iterable[date], makeup_workdays: Iterable[date]):
        self.years = frozenset(years)
        self.off_days = frozenset(off_days)
        self.makeup_workdays = frozenset(makeup_workdays)
        clash = self.off_days & self.makeup_workdays
        if clash:
            raise ValueError(f"dates listed both as off day and make-up working day: {sorted(clash)}")

    @classmethod
    def from_yaml(cls, path: Path | str = DEFAULT_HOLIDAYS_PATH) -> HolidayCalendar:
        """Load holidays.yaml (``years: {YYYY: {holidays: [{off_days: [...]}], makeup_workdays: [...]}}``)."""
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        if not isinstance(data, Mapping) or not isinstance(data.get("years"), Mapping):
            raise ValueError(f"{path}: expected a mapping with a 'years' mapping")
        years: list[int] = []
        off: list[date] = []
        makeup: list[date] = []
        for year, entry in data["years"].items():
            years.append(int(year))
            entry = entry or {}
            for holiday in entry.get("holidays") or []:
                off.extend(_as_date(d, path) for d in holiday.get("off_days") or [])
            makeup.extend(_as_date(d, path) for d in entry.get("makeup_workdays") or [])
        return cls(years, off, makeup)

    def covers(self, year: int) -> bool:
        return year in self.years

    def _require(self, day: date) -> None:
        if day.year not in self.years:
            covered = f"{min(self.years)}–{max(self.years)}" if self.years else "none"
            raise CalendarCoverageError(
                f"holiday calendar has no data for {day.year} (asked about {day.isoformat()}; covered: "
                f"{covered}); load the State Council notice for {day.year} / 节假日安排未加载，拒绝推算"
            )

    def is_working_day(self, day: date) -> bool:
        """True for a working day (工作日), including a make-up working day on a weekend."""
        self._require(day)
        if day in self.off_days:
            return False
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5

    def is_rest_day(self, day: date) -> bool:
        """True for a statutory off day or an ordinary weekend day (节假日, policy GEN-005)."""
        return not self.is_working_day(day)

    def next_working_day(self, day: date) -> date:
        """The first working day on or after ``day``."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``day`` itself is not counted)."""
        if count < 0:
            raise ValueError("count of working days must be non-negative")
        while count:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day


def _as_date(value: object, path: Path | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"{path}: bad date {value!r}") from exc


# ----------------------------------------------------------------------------------------------------------
# Counting modes


def hours_exact(start: datetime, hours: int = 0, *, minutes: int = 0) -> datetime:
    """``start`` + N hours (and/or minutes), to the second.

    # 刑事诉讼法 第105条: strict reading — the period runs from the exact moment (legal_rules.md question 2).
    """
    return to_local(start) + timedelta(hours=hours, minutes=minutes)


def days_excl_start(start: datetime, days: int) -> datetime:
    """23:59:59 of (start date + N days): the starting day is not counted.

    # 刑事诉讼法 第105条第2款; 行政案件程序规定 第35条
    """
    return end_of_day(local_date(start) + timedelta(days=days))


def add_months(day: date, months: int) -> date:
    """Calendar month addition with the month-end rule.

    # 刑诉法解释 第202条: to the same day N months later; a start on the month's last day ends on the
    # target month's last day; a day missing in the target month ends on its last day.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = _calendar.monthrange(year, month)[1]
    if day.day == _calendar.monthrange(day.year, day.month)[1]:
        return date(year, month, last)
    return date(year, month, min(day.day, last))


def months_calendar(start: datetime, months: int) -> datetime:
    """23:59:59 of the same day N months after the start date (month-end rule, 刑诉法解释 第202条)."""
    return end_of_day(add_months(local_date(start), months))


def working_days(start: datetime, count: int, calendar: HolidayCalendar) -> datetime:
    """23:59:59 of the N-th working day after the start date.

    # 行政处罚法 第85条: "二日/三日/五日/七日" are working days, statutory holidays excluded.
    """
    return end_of_day(calendar.add_working_days(local_date(start), count))


def before_other_deadline(other_due: datetime, days: int) -> datetime:
    """23:59:59 of (the other deadline's date − N days), e.g. "期限届满七日前" (刑事案件程序规定 第148条)."""
    return end_of_day(local_date(other_due) - timedelta(days=days))


def shift_days(due: datetime, days: int) -> datetime:
    """Move a due moment by whole calendar days on the local wall clock (pauses of day/month clocks)."""
    local = to_local(due)
    return datetime.combine(local.date() + timedelta(days=days), local.time(), tzinfo=TZ)


def due_for_period(start: datetime, period: Period, calendar: HolidayCalendar | None = None) -> datetime:
    """The unrolled due moment of ``period`` counted from ``start``, by the period's unit."""
    match period.unit:
        case Unit.HOUR:
            return hours_exact(start, period.value)
        case Unit.MINUTE:
            return hours_exact(start, minutes=period.value)
        case Unit.DAY:
            return days_excl_start(start, period.value)
        case Unit.MONTH:
            return months_calendar(start, period.value)
        case Unit.WORKING_DAY:
            if calendar is None:
                raise ValueError("working-day periods need a holiday calendar")
            return working_days(start, period.value, calendar)
    raise ValueError(f"unknown unit {period.unit!r}")


def roll_over_holidays(due: datetime, calendar: HolidayCalendar) -> datetime:
    """If the due date is a rest day, move due_at to 23:59:59 of the next working day.

    # 刑事诉讼法 第105条第4款 / 行政案件程序规定 第35条: a period ending on a holiday ends on the first day
    # after it. Callers must not roll custody periods (在押期间不因节假日延长).
    """
    day = local_date(due)
    if calendar.is_working_day(day):
        return to_local(due)
    return end_of_day(calendar.next_working_day(day))


# ----------------------------------------------------------------------------------------------------------
# Warning windows


def default_warn_window(period: Period) -> WarnWindow:
    """Default warning window by the effective period (legal_rules.yaml › meta.semantics.warn_before)."""
    match period.unit:
        case Unit.MINUTE:
            return Period(0, Unit.MINUTE)
        case Unit.HOUR:
            return Period(1 if period.value <= 12 else 2, Unit.HOUR)
        case Unit.DAY | Unit.WORKING_DAY:
            return LAST_DAY_START if period.value <= 7 else Period(3, Unit.DAY)
        case Unit.MONTH:
            return Period(7, Unit.DAY)
    raise ValueError(f"unknown unit {period.unit!r}")


def warn_from(due: datetime, window: WarnWindow) -> datetime:
    """The moment the warning starts: 00:00 of the due date, or due_at minus the window (days = 24 h)."""
    if window == LAST_DAY_START:
        return start_of_day(local_date(due))
    if not isinstance(window, Period):
        raise ValueError(f"unknown warning window {window!r}")
    match window.unit:
        case Unit.MINUTE:
            delta = timedelta(minutes=window.value)
        case Unit.HOUR:
            delta = timedelta(hours=window.value)
        case Unit.DAY:
            delta = timedelta(days=window.value)
        case _:
            raise ValueError(f"warning window unit must be minute, hour or day, not {window.unit}")
    return to_local(due) - delta
