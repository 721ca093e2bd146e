"""The monthly scoring of the community staff (六大员绩效), from data/performance.yaml. Pure, no Django.

- A computed item adds `points × occurrences` in the month, at most its `cap` (封顶).
- An item limited to some staff kinds adds nothing for the others (and is not shown for them).
- The chief's adjustments add up, held within ±`adjustment_cap`.
- The score is the sum. Every item adds ≥ 0, so more recorded work never lowers a score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

DATA = Path(__file__).resolve().parent / "data"
SCHEME_YAML: Final = DATA / "performance.yaml"
KINDS_YAML: Final = DATA / "staff_kinds.yaml"
SOURCES: Final = ("patrol", "visit", "hazard_found", "hazard_fixed", "report", "report_adopted", "daily_log")
STEP: Final = Decimal("0.1")
ZERO: Final = Decimal(0)


class SchemeError(ValueError):
    """The scheme or the staff kinds file is invalid; the message names the entry and the field."""


@dataclass(frozen=True)
class StaffKind:
    code: str
    name: str
    logs_in: bool


@dataclass(frozen=True)
class Item:
    """One item of the scheme (评分项目)."""

    key: str
    title_zh: str
    source: str
    points: Decimal
    cap: Decimal
    kinds: tuple[str, ...] = ()

    def applies_to(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


@dataclass(frozen=True)
class Scheme:
    name: str
    version: str
    adjustment_cap: Decimal
    items: tuple[Item, ...]

    def items_for(self, kind: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.applies_to(kind))


@dataclass(frozen=True)
class Line:
    item: Item
    count: int
    raw: Decimal
    points: Decimal

    @property
    def capped(self) -> bool:
        return self.points != self.raw


@dataclass(frozen=True)
class Result:
    """A staff member's score for a month, item by item."""

    lines: tuple[Line, ...]
    adjustment_raw: Decimal
    adjustment: Decimal
    score: Decimal

    @property
    def work(self) -> Decimal:
        return sum((line.points for line in self.lines), ZERO)


def _number(value: Any, where: str, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SchemeError(f"{where}: '{field}' must be a number / 应为数字")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise SchemeError(f"{where}: '{field}' must be a number / 应为数字") from exc
    if not number.is_finite() or number != number.quantize(STEP):
        raise SchemeError(f"{where}: '{field}' at most one decimal place / 最多一位小数")
    return number


def parse_kinds(raw: Any) -> dict[str, StaffKind]:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("kinds"), list) or not raw["kinds"]:
        raise SchemeError("staff_kinds: 'kinds' must list the staff kinds / 应列明人员类别")
    kinds: dict[str, StaffKind] = {}
    for index, spec in enumerate(raw["kinds"], start=1):
        if not isinstance(spec, Mapping) or not spec.get("code") or not spec.get("name"):
            raise SchemeError(f"staff kind #{index}: 'code' and 'name' are required / 缺少代码或名称")
        code = str(spec["code"])
        if code in kinds:
            raise SchemeError(f"staff kind {code}: duplicate code / 代码重复")
        kinds[code] = StaffKind(code, str(spec["name"]), bool(spec.get("logs_in", False)))
    return kinds


def parse_scheme(raw: Any, kinds: Iterable[str]) -> Scheme:
    """Validate the parsed YAML of a scheme against the known staff kinds and build it."""
    known = set(kinds)
    if not isinstance(raw, Mapping):
        raise SchemeError("scheme: must be a mapping / 评分方案应为映射")
    specs = raw.get("items")
    if not isinstance(specs, list) or not specs:
        raise SchemeError("scheme: 'items' must list at least one item / 至少一个评分项目")
    items: list[Item] = []
    for index, spec in enumerate(specs, start=1):
        if not isinstance(spec, Mapping):
            raise SchemeError(f"item #{index}: must be a mapping / 应为映射")
        key = str(spec.get("key") or f"#{index}")
        unknown = set(spec) - {"key", "title_zh", "source", "points", "cap", "kinds"}
        if unknown:
            raise SchemeError(f"item {key}: unknown field '{sorted(unknown)[0]}' / 未知字段")
        if not spec.get("key") or not spec.get("title_zh"):
            raise SchemeError(f"item {key}: 'key' and 'title_zh' are required / 缺少代码或名称")
        if spec.get("source") not in SOURCES:
            raise SchemeError(
                f"item {key}: unknown source {spec.get('source')!r}; one of {', '.join(SOURCES)}"
            )
        points = _number(spec.get("points"), f"item {key}", "points")
        cap = _number(spec.get("cap"), f"item {key}", "cap")
        if points <= 0:
            raise SchemeError(f"item {key}: 'points' must be positive / 分值应为正数")
        if cap < points:
            raise SchemeError(f"item {key}: 'cap' below one occurrence's points / 上限小于单次分值")
        item_kinds = tuple(str(k) for k in spec.get("kinds") or ())
        if stray := set(item_kinds) - known:
            raise SchemeError(f"item {key}: unknown staff kind {sorted(stray)[0]!r} / 未知人员类别")
        if any(existing.key == key for existing in items):
            raise SchemeError(f"item {key}: duplicate key / 代码重复")
        items.append(Item(key, str(spec["title_zh"]), str(spec["source"]), points, cap, item_kinds))
    cap = _number(raw.get("adjustment_cap", 0), "scheme", "adjustment_cap")
    if cap < 0:
        raise SchemeError("scheme: 'adjustment_cap' must not be negative / 调整上限不能为负")
    return Scheme(str(raw.get("name") or ""), str(raw.get("version") or ""), cap, tuple(items))


@cache
def staff_kinds(path: Path = KINDS_YAML) -> dict[str, StaffKind]:
    return parse_kinds(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def scheme(path: Path = SCHEME_YAML) -> Scheme:
    return parse_scheme(yaml.safe_load(path.read_text(encoding="utf-8")), staff_kinds())


def score(
    scheme: Scheme, kind: str, counts: Mapping[str, int], adjustments: Iterable[Decimal] = ()
) -> Result:
    """The score of one staff member of `kind` for one month.

    `counts`: occurrences per source in the month (missing = 0); `adjustments`: the chief's entries.
    """
    if stray := set(counts) - set(SOURCES):
        raise KeyError(f"unknown sources: {', '.join(sorted(stray))}")
    lines = []
    for item in scheme.items_for(kind):
        count = int(counts.get(item.source, 0))
        if count < 0:
            raise ValueError(f"{item.source}: a count cannot be negative")
        raw = item.points * count
        lines.append(Line(item=item, count=count, raw=raw, points=min(raw, item.cap)))
    adjustment_raw = sum((Decimal(a) for a in adjustments), ZERO)
    adjustment = max(-scheme.adjustment_cap, min(adjustment_raw, scheme.adjustment_cap))
    work = sum((line.points for line in lines), ZERO)
    return Result(
        lines=tuple(lines), adjustment_raw=adjustment_raw, adjustment=adjustment, score=work + adjustment
    )


def rank(scores: Mapping[Any, Decimal]) -> dict[Any, int]:
    """Competition ranking (1, 1, 3 …): equal scores share a rank."""
    first: dict[Decimal, int] = {}
    for position, value in enumerate(sorted(scores.values(), reverse=True), start=1):
        first.setdefault(value, position)
    return {key: first[value] for key, value in scores.items()}
