"""Scoring (计分): item counts and manual entries → the score, its grade and an item-by-item explanation.

Pure Python, no Django: the rules of arithmetic of the scheme live here and nowhere else.

- A computed item contributes `points × occurrences`, its magnitude limited to the item's `cap` (封顶).
- A manual item contributes the sum of its entries (a reversing entry cancels one), with the item's sign
  only — a deduction item never adds, a bonus item never takes — and the same cap.
- The score is `base + Σ contributions`, held within [floor, ceiling]; the grade is the band holding it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jingwu.quality.scheme import Grade, Item, Scheme

ZERO = Decimal(0)


@dataclass(frozen=True)
class Line:
    """One item of an explanation: how many, how much each, how much before and after the cap."""

    item: Item
    count: int
    raw: Decimal
    points: Decimal

    @property
    def capped(self) -> bool:
        return self.points != self.raw

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.item.key,
            "title": self.item.title_zh,
            "source": self.item.source,
            "count": self.count,
            "points_each": str(self.item.points),
            "cap": str(self.item.cap),
            "raw": fmt(self.raw),
            "points": fmt(self.points),
            "capped": self.capped,
            "basis": self.item.basis,
        }


@dataclass(frozen=True)
class Result:
    """A unit's score for a period with its explanation, line by line in the scheme's order."""

    base: Decimal
    total: Decimal  # base + contributions, before the floor/ceiling
    score: Decimal
    grade: Grade
    lines: tuple[Line, ...] = field(default_factory=tuple)

    @property
    def deductions(self) -> Decimal:
        return sum((line.points for line in self.lines if line.points < 0), ZERO)

    @property
    def bonuses(self) -> Decimal:
        return sum((line.points for line in self.lines if line.points > 0), ZERO)

    def main_deductions(self, limit: int = 3) -> list[Line]:
        """The heaviest deductions first (for the ranking's summary column)."""
        return sorted((line for line in self.lines if line.points < 0), key=lambda line: line.points)[:limit]

    def as_dict(self) -> dict[str, Any]:
        return {
            "base": fmt(self.base),
            "total": fmt(self.total),
            "score": fmt(self.score),
            "grade": self.grade.key,
            "grade_title": self.grade.title_zh,
            "lines": [line.as_dict() for line in self.lines],
        }


def fmt(value: Decimal) -> str:
    """A score or points as shown and exchanged: always one decimal place ("98.5", "-2.0", "100.0")."""
    return f"{value:.1f}"


def _plain(value: Decimal) -> Decimal:
    """0 for any zero (no "-0" or "0.0" in an explanation)."""
    return value if value else ZERO


def _capped(item: Item, raw: Decimal) -> Decimal:
    if item.is_bonus:
        return min(max(raw, ZERO), item.cap)
    return max(min(raw, ZERO), -item.cap)


def score(
    scheme: Scheme, counts: Mapping[str, int], manual: Mapping[str, Iterable[Decimal]] | None = None
) -> Result:
    """The score of one unit for one period.

    `counts`: occurrences per computed item key (missing = 0); `manual`: the entries' points per manual
    item key. Keys the scheme does not have are an error, not silently dropped.
    """
    manual = manual or {}
    known = {item.key for item in scheme.items}
    if stray := (set(counts) | set(manual)) - known:
        raise KeyError(f"not in the scheme: {', '.join(sorted(stray))}")
    lines = []
    for item in scheme.items:
        if item.is_manual:
            entries = [Decimal(p) for p in manual.get(item.key, ())]
            count, raw = len(entries), sum(entries, ZERO)
        else:
            count = int(counts.get(item.key, 0))
            if count < 0:
                raise ValueError(f"{item.key}: a count cannot be negative")
            raw = item.points * count
        lines.append(Line(item=item, count=count, raw=_plain(raw), points=_plain(_capped(item, raw))))
    total = _plain(scheme.base + sum((line.points for line in lines), ZERO))
    final = min(max(total, scheme.floor), scheme.ceiling)
    return Result(
        base=scheme.base, total=total, score=final, grade=scheme.grade_for(final), lines=tuple(lines)
    )


def rank(scores: Mapping[Any, Decimal]) -> dict[Any, int]:
    """Competition ranking (1, 1, 3 …): equal scores share a rank."""
    ordered = sorted(scores.values(), reverse=True)
    first = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {key: first[value] for key, value in scores.items()}
