"""The arithmetic of the figures, pure Python (no Django): percentiles from histograms, year-on-year
change, the Wilson interval and the difference-in-differences."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date


def percentile(histogram: Mapping[int, int], p: float) -> int | None:
    """The p-th percentile (0 < p ≤ 100) of values given as {value: count}, by the nearest-rank method:
    the smallest value whose cumulative count reaches ⌈p/100 × n⌉. None when there is nothing."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(p / 100 * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)  # pragma: no cover — unreachable: seen reaches total


def yoy(current: int, previous: int) -> float | None:
    """同比 in percent, one decimal; None when the year before had nothing to compare with."""
    if previous == 0:
        return None
    return round((current - previous) * 100 / previous, 1)


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (95% by default); None for an empty sample."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class DiD:
    """A 2×2 difference-in-differences: treated/control × before/after."""

    treated_before: int
    treated_after: int
    control_before: int
    control_after: int

    @property
    def treated_change(self) -> int:
        return self.treated_after - self.treated_before

    @property
    def control_change(self) -> int:
        return self.control_after - self.control_before

    @property
    def did(self) -> int:
        """(T₁ − T₀) − (C₁ − C₀): the change in the treated places beyond the control's."""
        return self.treated_change - self.control_change

    @property
    def treated_pct(self) -> float | None:
        return yoy(self.treated_after, self.treated_before)

    @property
    def control_pct(self) -> float | None:
        return yoy(self.control_after, self.control_before)

    @property
    def relative(self) -> float | None:
        """The ratio of ratios minus one, in percent: (T₁/T₀) ÷ (C₁/C₀) − 1. Counts of places of different
        size compare better as ratios; None when a denominator is zero."""
        if not (self.treated_before and self.control_before and self.control_after):
            return None
        ratio = (self.treated_after / self.treated_before) / (self.control_after / self.control_before)
        return round((ratio - 1) * 100, 1)

    @property
    def counterfactual(self) -> float | None:
        """What the treated places would have had after, had they followed the control's trend."""
        if not self.control_before:
            return None
        return round(self.treated_before * self.control_after / self.control_before, 1)


def same_day_a_year_before(day: date) -> date:
    """The same calendar day one year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)
