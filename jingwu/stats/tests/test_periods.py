"""Reporting periods and the same period a year earlier."""

from __future__ import annotations

from datetime import date

import pytest

from jingwu.core.errors import ServiceError
from jingwu.stats import periods
from jingwu.stats.selectors import _split

TODAY = date(2026, 11, 29)


def test_parse_each_kind():
    assert periods.parse({"kind": "month", "value": "2025-12"}, TODAY).last == date(2025, 12, 31)
    quarter = periods.parse({"kind": "quarter", "value": "2026-q1"}, TODAY)
    assert (quarter.first, quarter.last, quarter.label) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
        "2026年第1季度",
    )
    assert periods.parse({"kind": "year", "value": "2024"}, TODAY).days == 366
    custom = periods.parse({"kind": "custom", "from": "2026-02-10", "to": "2026-01-05"}, TODAY)
    assert (custom.first, custom.last) == (date(2026, 1, 5), date(2026, 2, 10))  # swapped into order
    assert periods.parse({}, TODAY) == periods.month(2026, 11)  # this month by default


def test_invalid_periods_are_refused():
    with pytest.raises(ServiceError):
        periods.parse({"kind": "custom", "from": "2026-02-30", "to": "2026-03-01"}, TODAY)
    with pytest.raises(ServiceError):
        periods.parse({"kind": "month", "value": "2026-13"}, TODAY)


def test_a_year_before_of_a_leap_february_is_the_whole_february():
    before = periods.month(2024, 2).a_year_before()
    assert (before.first, before.last) == (date(2023, 2, 1), date(2023, 2, 28))
    before = periods.month(2025, 2).a_year_before()
    assert (before.first, before.last) == (date(2024, 2, 1), date(2024, 2, 29))
    assert periods.custom(date(2024, 2, 29), date(2024, 3, 5)).a_year_before().first == date(2023, 2, 28)


def test_split_into_whole_months_and_edge_days():
    assert _split(date(2025, 1, 1), date(2025, 12, 31)) == ((date(2025, 1, 1), date(2025, 12, 1)), [])
    assert _split(date(2025, 1, 15), date(2025, 4, 10)) == (
        (date(2025, 2, 1), date(2025, 3, 1)),
        [(date(2025, 1, 15), date(2025, 1, 31)), (date(2025, 4, 1), date(2025, 4, 10))],
    )
    assert _split(date(2025, 1, 15), date(2025, 2, 10)) == (None, [(date(2025, 1, 15), date(2025, 2, 10))])
    assert _split(date(2025, 2, 1), date(2025, 2, 28)) == ((date(2025, 2, 1), date(2025, 2, 1)), [])
