"""The statutory time to apply for judicial confirmation (司法确认申请期限), counted by jingwu.core.legaltime.

# 人民调解法 第33条 / 民事诉讼法 第205条: 自调解协议生效之日起三十日内共同申请.
# 民事诉讼法 第85条: 期间开始的日不计算在期间内; 期间届满的最后一日是法定休假日的，以法定休假日后的第一日
# 为期间届满的日期 — the day-period counting of legaltime (days_excl_start) and its roll-over, with
# weekends as rest days (policy GEN-005 of jingwu/data/legal_rules.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from jingwu.core.legaltime import (
    CalendarCoverageError,
    HolidayCalendar,
    due_for_period,
    local_date,
    roll_over_holidays,
    start_of_day,
)
from jingwu.mediation.rules import rules

_CALENDAR: list[HolidayCalendar] = []


def _calendar() -> HolidayCalendar:
    if not _CALENDAR:
        _CALENDAR.append(HolidayCalendar.from_yaml())
    return _CALENDAR[0]


@dataclass(frozen=True)
class ConfirmationDue:
    """The last day to apply; `rolled` when a holiday moved it, `unchecked` when the holiday calendar
    does not cover the year (then the unrolled day is shown and says so, never a guess)."""

    due_on: date
    due_at: datetime
    rolled: bool
    unchecked: bool


def confirmation_due(effective_on: date, calendar: HolidayCalendar | None = None) -> ConfirmationDue:
    conf = rules().confirmation
    # The effective day itself is not counted: the period is counted from its start (days_excl_start).
    due = due_for_period(start_of_day(effective_on), conf.period)
    if not conf.rolls_over_holidays:
        return ConfirmationDue(local_date(due), due, False, False)
    try:
        rolled = roll_over_holidays(due, calendar or _calendar())
    except CalendarCoverageError:
        return ConfirmationDue(local_date(due), due, False, True)
    return ConfirmationDue(local_date(rolled), rolled, local_date(rolled) != local_date(due), False)
