"""Loading and validation of the evaluation scheme (考评方案, data/scheme.yaml). Pure Python, no Django.

A problem raises :class:`SchemeError` naming the item (or part) and the field, in English and Chinese.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

DEFAULT_SCHEME_PATH: Final = Path(__file__).resolve().parent / "data" / "scheme.yaml"

MANUAL: Final = "manual"
#: The computed sources (jingwu/quality/sources.py); an item names one of them or `manual`.
COMPUTED_SOURCES: Final = (
    "deadline_breach",
    "deadline_late",
    "review_returned",
    "supplementary_investigation",
    "notice_received",
    "procurator_opinion",
    "rectification_overdue",
    "legal_training",
)
SOURCES: Final = (*COMPUTED_SOURCES, MANUAL)
#: Points are kept to one decimal place (每起扣0.5分 is the finest weight in use).
STEP: Final = Decimal("0.1")


class SchemeError(ValueError):
    """The scheme file is invalid; ``where`` (an item key or a part) and ``field`` say where."""

    def __init__(self, where: str | None, field: str, message: str):
        self.where = where
        self.field = field
        place = f"item {where}" if where else "scheme"
        super().__init__(f"{place}, field '{field}': {message} / 考评方案校验失败")


@dataclass(frozen=True)
class Item:
    """One item of the scheme (考评项目)."""

    key: str
    title_zh: str
    source: str
    points: Decimal
    cap: Decimal
    basis: str = ""

    @property
    def is_manual(self) -> bool:
        return self.source == MANUAL

    @property
    def is_bonus(self) -> bool:
        return self.points > 0


@dataclass(frozen=True)
class Grade:
    """A grade band (等次): scores in [min, max) get it; None means open on that side."""

    key: str
    title_zh: str
    min: Decimal | None
    max: Decimal | None

    def holds(self, score: Decimal) -> bool:
        return (self.min is None or score >= self.min) and (self.max is None or score < self.max)


@dataclass(frozen=True)
class Scheme:
    """The whole scheme: base score, bounds, evaluated units, items and grade bands."""

    name: str
    version: str
    base: Decimal
    floor: Decimal
    ceiling: Decimal
    unit_kinds: tuple[str, ...]
    exclude_units: tuple[str, ...]
    items: tuple[Item, ...]
    grades: tuple[Grade, ...]

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    @property
    def manual_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.is_manual)

    @property
    def computed_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if not i.is_manual)

    def grade_for(self, score: Decimal) -> Grade:
        for grade in self.grades:
            if grade.holds(score):
                return grade
        raise ValueError(f"no grade band holds {score}")  # impossible once validated


def _decimal(value: Any, where: str | None, field: str, *, required: bool = True) -> Decimal | None:
    if value is None:
        if required:
            raise SchemeError(where, field, "missing / 缺少该项")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise SchemeError(where, field, f"{value!r} is not a number / 应为数字")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise SchemeError(where, field, f"{value!r} is not a number / 应为数字") from exc
    if not number.is_finite() or number != number.quantize(STEP):
        raise SchemeError(where, field, f"{value!r}: at most one decimal place / 最多一位小数")
    return number


def _text(spec: Mapping[str, Any], name: str, where: str | None, *, required: bool = True) -> str:
    value = spec.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise SchemeError(where, name, "missing / 缺少该项")
        return ""
    if not isinstance(value, str | int | float):
        raise SchemeError(where, name, "must be text / 应为文本")
    return str(value).strip()


def _item(spec: Any, index: int) -> Item:
    if not isinstance(spec, Mapping):
        raise SchemeError(f"#{index + 1}", "items", "each item must be a mapping / 每个考评项目应为映射")
    key = _text(spec, "key", f"#{index + 1}")
    unknown = set(spec) - {"key", "title_zh", "source", "points", "cap", "basis"}
    if unknown:
        raise SchemeError(key, sorted(unknown)[0], "unknown field / 未知字段")
    source = _text(spec, "source", key)
    if source not in SOURCES:
        raise SchemeError(
            key, "source", f"unknown source {source!r}; one of {', '.join(SOURCES)} / 未知数据来源"
        )
    points = _decimal(spec.get("points"), key, "points")
    assert points is not None
    if points == 0:
        raise SchemeError(key, "points", "must not be 0 / 分值不能为0")
    cap = _decimal(spec.get("cap"), key, "cap")
    assert cap is not None
    if cap <= 0:
        raise SchemeError(key, "cap", "must be positive (the most the item may take or add) / 上限应为正数")
    if abs(points) > cap:
        raise SchemeError(key, "cap", "smaller than one occurrence's points / 上限小于单次分值")
    return Item(
        key=key,
        title_zh=_text(spec, "title_zh", key),
        source=source,
        points=points,
        cap=cap,
        basis=_text(spec, "basis", key, required=False),
    )


def _grades(specs: Any, floor: Decimal, ceiling: Decimal) -> tuple[Grade, ...]:
    if not isinstance(specs, list) or not specs:
        raise SchemeError(None, "grades", "at least one grade band / 至少一个等次")
    grades = []
    for index, spec in enumerate(specs):
        if not isinstance(spec, Mapping):
            raise SchemeError(None, "grades", f"band #{index + 1} must be a mapping / 等次应为映射")
        key = _text(spec, "key", f"grade #{index + 1}")
        low = _decimal(spec.get("min"), f"grade {key}", "min", required=False)
        high = _decimal(spec.get("max"), f"grade {key}", "max", required=False)
        if low is not None and high is not None and low >= high:
            raise SchemeError(f"grade {key}", "max", "max must exceed min / 上限应大于下限")
        grades.append(Grade(key=key, title_zh=_text(spec, "title_zh", f"grade {key}"), min=low, max=high))
    if len({g.key for g in grades}) != len(grades):
        raise SchemeError(None, "grades", "duplicate grade key / 等次代码重复")
    # Highest band first; together they must tile the whole line: one open at the top, one at the bottom.
    ordered = sorted(
        grades, key=lambda g: (g.min is not None, g.min if g.min is not None else 0), reverse=True
    )
    if ordered[0].max is not None:
        raise SchemeError(
            f"grade {ordered[0].key}", "max", "the highest band must have no max / 最高等次不应设上限"
        )
    if ordered[-1].min is not None and ordered[-1].min > floor:
        raise SchemeError(
            f"grade {ordered[-1].key}", "min", "scores down to the floor get no grade / 低分段没有对应等次"
        )
    for upper, lower in itertools.pairwise(ordered):
        if upper.min is None:
            raise SchemeError(f"grade {upper.key}", "min", "bands overlap / 等次区间重叠")
        if lower.max is None:
            raise SchemeError(f"grade {lower.key}", "max", "bands overlap / 等次区间重叠")
        if lower.max > upper.min:
            raise SchemeError(f"grade {lower.key}", "max", "bands overlap / 等次区间重叠")
        if lower.max < upper.min:
            raise SchemeError(f"grade {lower.key}", "max", "gap between bands / 等次区间之间有空档")
    if ordered[0].min is not None and ordered[0].min > ceiling:
        raise SchemeError(
            f"grade {ordered[0].key}", "min", "above the ceiling: nobody can reach it / 高于最高分"
        )
    return tuple(ordered)


def parse_scheme(raw: Any, known_unit_kinds: Collection[str] | None = None) -> Scheme:
    """Validate the parsed YAML of a scheme and build it; `known_unit_kinds` checks `units.kinds`."""
    if not isinstance(raw, Mapping):
        raise SchemeError(None, "", "the scheme must be a mapping / 考评方案应为映射")
    base = _decimal(raw.get("base"), None, "base")
    floor = _decimal(raw.get("floor", 0), None, "floor")
    ceiling = _decimal(raw.get("ceiling", raw.get("base")), None, "ceiling")
    assert base is not None and floor is not None and ceiling is not None
    if not floor <= base <= ceiling:
        raise SchemeError(None, "base", "floor ≤ base ≤ ceiling / 应满足 最低分 ≤ 基础分 ≤ 最高分")
    units = raw.get("units") or {}
    kinds = tuple(units.get("kinds") or ())
    if not kinds:
        raise SchemeError(None, "units.kinds", "name the unit kinds evaluated / 应列明参评单位类型")
    if known_unit_kinds is not None and (unknown := set(kinds) - set(known_unit_kinds)):
        raise SchemeError(None, "units.kinds", f"unknown unit kind {sorted(unknown)[0]!r} / 未知单位类型")
    specs = raw.get("items")
    if not isinstance(specs, list) or not specs:
        raise SchemeError(None, "items", "at least one item / 至少一个考评项目")
    items = tuple(_item(spec, index) for index, spec in enumerate(specs))
    seen: set[str] = set()
    for item in items:
        if item.key in seen:
            raise SchemeError(item.key, "key", "duplicate item key / 考评项目代码重复")
        seen.add(item.key)
    return Scheme(
        name=_text(raw, "name", None),
        version=_text(raw, "version", None),
        base=base,
        floor=floor,
        ceiling=ceiling,
        unit_kinds=tuple(str(k) for k in kinds),
        exclude_units=tuple(str(c) for c in units.get("exclude") or ()),
        items=items,
        grades=_grades(raw.get("grades"), floor, ceiling),
    )


def load_scheme(
    path: Path | str = DEFAULT_SCHEME_PATH, known_unit_kinds: Collection[str] | None = None
) -> Scheme:
    with Path(path).open(encoding="utf-8") as handle:
        return parse_scheme(yaml.safe_load(handle), known_unit_kinds)


@cache
def scheme() -> Scheme:
    """The scheme the project carries (read once per process), its unit kinds checked against the org's."""
    from jingwu.org.choices import UnitKind

    return load_scheme(known_unit_kinds=UnitKind.values)
