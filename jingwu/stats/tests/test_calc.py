"""The arithmetic of the figures on worked examples (pure functions, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from jingwu.stats import calc


def test_percentile_nearest_rank_on_a_worked_example():
    # Ten response times: 1 2 2 3 3 3 4 5 8 20 minutes.
    histogram = {1: 1, 2: 2, 3: 3, 4: 1, 5: 1, 8: 1, 20: 1}
    assert calc.percentile(histogram, 50) == 3  # rank ⌈5⌉ = 5th value
    assert calc.percentile(histogram, 90) == 8  # rank ⌈9⌉ = 9th value
    assert calc.percentile(histogram, 100) == 20
    assert calc.percentile({7: 1}, 90) == 7


def test_percentile_of_nothing_is_none():
    assert calc.percentile({}, 50) is None
    assert calc.percentile({3: 0}, 90) is None


def test_year_on_year_change():
    assert calc.yoy(80, 100) == -20.0
    assert calc.yoy(3, 2) == 50.0
    assert calc.yoy(5, 0) is None  # nothing to compare with
    assert calc.yoy(0, 4) == -100.0


def test_wilson_interval_on_a_worked_example():
    # 81 positive answers of 100: p̂ = 0.81; the 95% Wilson interval is (0.7222, 0.8749).
    low, high = calc.wilson(81, 100)
    assert low == pytest.approx(0.7222, abs=1e-4)
    assert high == pytest.approx(0.8749, abs=1e-4)


def test_wilson_interval_edges():
    assert calc.wilson(0, 0) is None
    low, high = calc.wilson(10, 10)  # all positive: the interval still has width, unlike p̂ ± z·se
    assert high == pytest.approx(1.0) and low == pytest.approx(0.7225, abs=1e-4)
    low, high = calc.wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)


def test_difference_in_differences_on_a_constructed_example():
    # Treated places: 100 before, 60 after; control: 400 before, 380 after.
    did = calc.DiD(treated_before=100, treated_after=60, control_before=400, control_after=380)
    assert did.treated_change == -40
    assert did.control_change == -20
    assert did.did == -20
    assert did.treated_pct == -40.0 and did.control_pct == -5.0
    # (60/100) / (380/400) − 1 = 0.6 / 0.95 − 1 = −36.8%
    assert did.relative == -36.8
    assert did.counterfactual == 95.0


def test_difference_in_differences_without_a_baseline():
    did = calc.DiD(0, 5, 0, 7)
    assert did.relative is None and did.counterfactual is None and did.did == -2


def test_same_day_a_year_before_handles_leap_days():
    assert calc.same_day_a_year_before(date(2024, 2, 29)) == date(2023, 2, 28)
    assert calc.same_day_a_year_before(date(2026, 1, 1)) == date(2025, 1, 1)
