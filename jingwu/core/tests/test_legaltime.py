"""Statutory time arithmetic: worked examples from the law, then properties.

Expected values are worked out by hand in the comments (calendar of holidays.yaml), never by calling the
code under test.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingwu.core.legaltime import (
    LAST_DAY_START,
    TZ,
    CalendarCoverageError,
    HolidayCalendar,
    Period,
    Unit,
    add_months,
    before_other_deadline,
    days_excl_start,
    default_warn_window,
    due_for_period,
    hours_exact,
    months_calendar,
    roll_over_holidays,
    warn_from,
    working_days,
)

CAL = HolidayCalendar.from_yaml()
NEW_YORK = ZoneInfo("America/New_York")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


# ---------------------------------------------------------------------------------------------- months


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # 刑诉法解释第202条: start on the month's last day -> last day of the target month
        (date(2023, 12, 31), 2, date(2024, 2, 29)),  # leap year
        (date(2022, 12, 31), 2, date(2023, 2, 28)),
        # missing day in the target month -> its last day
        (date(2023, 1, 30), 1, date(2023, 2, 28)),
        (date(2024, 1, 30), 1, date(2024, 2, 29)),
        # 2023-02-28 is February's last day -> 2024-02-29 (legal_rules.md)
        (date(2023, 2, 28), 12, date(2024, 2, 29)),
        # arrest 12-28, 2 + 1 months counted as a total of 3 from the start: 03-28, never 03-31
        (date(2022, 12, 28), 3, date(2023, 3, 28)),
        # 04-30 is April's last day -> May's last day
        (date(2024, 4, 30), 1, date(2024, 5, 31)),
        # ordinary same-day rule, across a year
        (date(2024, 11, 15), 3, date(2025, 2, 15)),
    ],
)
def test_add_months_worked_examples(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_months_calendar_ends_at_end_of_target_day() -> None:
    # 12-28 10:00 + 2 months -> 2023-02-28 23:59:59 (Asia/Shanghai)
    assert months_calendar(sh(2022, 12, 28, 10), 2) == sh(2023, 2, 28, 23, 59, 59)


# ---------------------------------------------------------------------------------------------- days / hours


def test_days_exclude_the_starting_day() -> None:
    # 刑事诉讼法 第105条: the starting day is not counted. Detention at 22:30 on 03-01, 3 days -> 03-04 end.
    assert days_excl_start(sh(2024, 3, 1, 22, 30), 3) == sh(2024, 3, 4, 23, 59, 59)
    # even one second after midnight, the day still does not count
    assert days_excl_start(sh(2024, 3, 1, 0, 0, 1), 1) == sh(2024, 3, 2, 23, 59, 59)


def test_days_use_the_shanghai_date_of_a_utc_moment() -> None:
    # 2024-03-01 16:30 UTC is 2024-03-02 00:30 in Shanghai: counting starts from 03-02, + 3 -> 03-05.
    result = days_excl_start(datetime(2024, 3, 1, 16, 30, tzinfo=UTC), 3)
    assert result == sh(2024, 3, 5, 23, 59, 59)
    assert result.utcoffset() == timedelta(hours=8)


def test_hours_exact_runs_from_the_exact_moment() -> None:
    # strict reading of 第105条: 10:15:30 + 24 h = next day 10:15:30, not the next full hour
    assert hours_exact(sh(2024, 3, 1, 10, 15, 30), 24) == sh(2024, 3, 2, 10, 15, 30)
    assert hours_exact(sh(2024, 3, 1, 23, 58), minutes=5) == sh(2024, 3, 2, 0, 3)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        days_excl_start(datetime(2024, 3, 1, 10), 3)


def test_before_other_deadline() -> None:
    # 期限届满七日前: other due 2023-03-28 23:59:59 -> 2023-03-21 23:59:59
    assert before_other_deadline(sh(2023, 3, 28, 23, 59, 59), 7) == sh(2023, 3, 21, 23, 59, 59)


def test_due_for_period_dispatches_by_unit() -> None:
    start = sh(2024, 9, 27, 10)  # a Friday
    assert due_for_period(start, Period(8, Unit.HOUR)) == sh(2024, 9, 27, 18)
    assert due_for_period(start, Period(10, Unit.MINUTE)) == sh(2024, 9, 27, 10, 10)
    assert due_for_period(start, Period(3, Unit.DAY)) == sh(2024, 9, 30, 23, 59, 59)
    assert due_for_period(start, Period(1, Unit.MONTH)) == sh(2024, 10, 27, 23, 59, 59)
    # 1st working day after Fri 09-27: Sat 09-28 is rest, Sun 09-29 is a make-up working day
    assert due_for_period(start, Period(1, Unit.WORKING_DAY), CAL) == sh(2024, 9, 29, 23, 59, 59)
    with pytest.raises(ValueError, match="calendar"):
        due_for_period(start, Period(1, Unit.WORKING_DAY))


# ---------------------------------------------------------------------------------------------- calendar


def test_calendar_days() -> None:
    assert CAL.is_rest_day(date(2024, 10, 1))  # 国庆节
    assert CAL.is_working_day(date(2024, 9, 29))  # Sunday, make-up working day
    assert CAL.is_working_day(date(2024, 10, 12))  # Saturday, make-up working day
    assert CAL.is_rest_day(date(2024, 10, 13))  # ordinary Sunday
    assert CAL.is_working_day(date(2024, 2, 9))  # 除夕 2024 is not an official off day
    assert CAL.is_rest_day(date(2020, 2, 1))  # Saturday: make-up day cancelled by the 2020 extension
    assert CAL.is_rest_day(date(2022, 12, 31))  # listed in the 2023 元旦 block


def test_working_days_administrative_penalty_law_article_85() -> None:
    # 行政处罚法 第85条: 5 working days from Fri 2024-09-27: Sun 09-29 (make-up) 1, Mon 09-30 2,
    # 10-01..10-07 off, Tue 10-08 3, Wed 10-09 4, Thu 10-10 5.
    assert working_days(sh(2024, 9, 27, 15), 5, CAL) == sh(2024, 10, 10, 23, 59, 59)
    # 7 working days from Wed 2024-02-07: 02-08 1, 02-09 (除夕, working) 2, 02-10..17 off, Sun 02-18
    # (make-up) 3, 02-19 4, 02-20 5, 02-21 6, 02-22 7.
    assert working_days(sh(2024, 2, 7, 9), 7, CAL) == sh(2024, 2, 22, 23, 59, 59)


def test_roll_over_national_day_2024() -> None:
    # 3 days from 2024-09-28 end on 10-01 (国庆节) -> first working day after the block: Tue 10-08
    due = days_excl_start(sh(2024, 9, 28, 10), 3)
    assert due == sh(2024, 10, 1, 23, 59, 59)
    assert roll_over_holidays(due, CAL) == sh(2024, 10, 8, 23, 59, 59)


def test_roll_over_lands_on_a_make_up_working_day() -> None:
    # 5 days from 2024-02-08 end on 02-13 (春节, off 02-10..02-17);
    # the next working day is Sun 02-18 (调休上班)
    due = days_excl_start(sh(2024, 2, 8, 10), 5)
    assert roll_over_holidays(due, CAL) == sh(2024, 2, 18, 23, 59, 59)


def test_roll_over_keeps_a_working_day_and_a_make_up_sunday() -> None:
    # 3 days from Thu 2024-09-26 end on Sun 09-29, a make-up working day: no roll
    due = days_excl_start(sh(2024, 9, 26, 10), 3)
    assert roll_over_holidays(due, CAL) == sh(2024, 9, 29, 23, 59, 59)


def test_ordinary_weekend_rolls_to_monday() -> None:
    # GEN-005: Sat 2024-06-15 -> Mon 06-17
    assert roll_over_holidays(sh(2024, 6, 15, 23, 59, 59), CAL) == sh(2024, 6, 17, 23, 59, 59)


def test_uncovered_year_raises_instead_of_guessing() -> None:
    # legal_rules.md open question 10: 2027 is not in holidays.yaml
    with pytest.raises(CalendarCoverageError, match="2027"):
        CAL.is_working_day(date(2027, 1, 4))
    # a roll-over that would have to look into 2027 refuses too (2026-12-31 is a Thursday; 12-26 is Sat)
    assert roll_over_holidays(sh(2026, 12, 26, 23, 59, 59), CAL) == sh(2026, 12, 28, 23, 59, 59)
    with pytest.raises(CalendarCoverageError):
        working_days(sh(2026, 12, 30, 9), 5, CAL)


def test_calendar_loaded_from_a_small_file(tmp_path) -> None:
    path = tmp_path / "h.yaml"
    path.write_text(
        "years:\n  2030:\n    holidays:\n    - {name: X, off_days: [2030-01-02]}\n"
        "    makeup_workdays: [2030-01-05]\n",
        encoding="utf-8",
    )
    cal = HolidayCalendar.from_yaml(path)
    assert cal.is_rest_day(date(2030, 1, 2))  # a Wednesday, declared off
    assert cal.is_working_day(date(2030, 1, 5))  # a Saturday, declared make-up
    with pytest.raises(CalendarCoverageError):
        cal.is_working_day(date(2031, 1, 2))


# ---------------------------------------------------------------------------------------------- warnings


def test_default_warn_windows() -> None:
    assert default_warn_window(Period(12, Unit.HOUR)) == Period(1, Unit.HOUR)
    assert default_warn_window(Period(24, Unit.HOUR)) == Period(2, Unit.HOUR)
    assert default_warn_window(Period(7, Unit.DAY)) == LAST_DAY_START
    assert default_warn_window(Period(5, Unit.WORKING_DAY)) == LAST_DAY_START
    assert default_warn_window(Period(30, Unit.DAY)) == Period(3, Unit.DAY)
    assert default_warn_window(Period(2, Unit.MONTH)) == Period(7, Unit.DAY)
    assert default_warn_window(Period(5, Unit.MINUTE)) == Period(0, Unit.MINUTE)


def test_warn_from() -> None:
    due = sh(2024, 3, 4, 23, 59, 59)
    assert warn_from(due, LAST_DAY_START) == sh(2024, 3, 4, 0, 0)
    assert warn_from(due, Period(3, Unit.DAY)) == sh(2024, 3, 1, 23, 59, 59)  # 72 h before
    assert warn_from(sh(2024, 3, 2, 10), Period(2, Unit.HOUR)) == sh(2024, 3, 2, 8)


# ---------------------------------------------------------------------------------------------- properties

zones = st.sampled_from([TZ, UTC, NEW_YORK])
moments = st.datetimes(datetime(2020, 1, 1), datetime(2026, 10, 31), timezones=zones)
covered_moments = st.datetimes(datetime(2020, 1, 2), datetime(2026, 10, 31), timezones=zones)
dates = st.dates(date(1990, 1, 1), date(2090, 12, 31))


def _is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).month != day.month


@given(moments, st.integers(0, 60), st.integers(0, 60))
def test_day_due_dates_are_monotone_in_n(start: datetime, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert days_excl_start(start, low) <= days_excl_start(start, high)
    assert hours_exact(start, low) <= hours_exact(start, high)
    assert months_calendar(start, low) <= months_calendar(start, high)


@given(covered_moments, st.integers(0, 20), st.integers(0, 20))
def test_working_day_due_dates_are_monotone_in_n(start: datetime, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert working_days(start, low, CAL) <= working_days(start, high, CAL)


@given(moments, st.integers(0, 400))
def test_days_period_ends_at_235959_local_n_days_later(start: datetime, n: int) -> None:
    due = days_excl_start(start, n)
    assert due.tzinfo == TZ
    assert (due.hour, due.minute, due.second) == (23, 59, 59)
    assert due.date() - start.astimezone(TZ).date() == timedelta(days=n)


@given(dates, st.integers(0, 120))
def test_months_result_is_in_the_target_month_and_never_past_the_start_day(start: date, n: int) -> None:
    result = add_months(start, n)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == n
    if _is_month_end(start):
        # 刑诉法解释第202条: a month-end start ends on the target month's last day (may exceed the start day)
        assert _is_month_end(result)
    else:
        assert result.day <= start.day
        assert result.day == start.day or _is_month_end(result)


@given(covered_moments, st.integers(1, 20))
def test_working_days_result_is_a_working_day_after_exactly_n_working_days(start: datetime, n: int) -> None:
    due = working_days(start, n, CAL)
    assert CAL.is_working_day(due.date())
    first = start.astimezone(TZ).date() + timedelta(days=1)
    span = [first + timedelta(days=i) for i in range((due.date() - first).days + 1)]
    assert sum(CAL.is_working_day(d) for d in span) == n


@given(st.datetimes(datetime(2020, 1, 1), datetime(2026, 11, 30), timezones=zones))
def test_roll_over_result_is_the_first_working_day_not_before_the_due_date(due: datetime) -> None:
    rolled = roll_over_holidays(due, CAL)
    assert CAL.is_working_day(rolled.date())
    assert rolled >= due
    original = due.astimezone(TZ).date()
    if CAL.is_working_day(original):
        assert rolled == due
    else:
        assert (rolled.hour, rolled.minute, rolled.second) == (23, 59, 59)
        between = [original + timedelta(days=i) for i in range((rolled.date() - original).days)]
        assert not any(CAL.is_working_day(d) for d in between)


@given(moments, st.integers(0, 100))
def test_before_other_deadline_is_n_days_earlier_at_end_of_day(other: datetime, n: int) -> None:
    result = before_other_deadline(other, n)
    assert other.astimezone(TZ).date() - result.date() == timedelta(days=n)
    assert (result.hour, result.minute, result.second) == (23, 59, 59)


@given(moments, st.sampled_from([LAST_DAY_START, Period(2, Unit.HOUR), Period(3, Unit.DAY)]))
def test_warning_never_starts_after_the_due_moment(due: datetime, window) -> None:
    assert warn_from(due, window) <= due
