"""The six-no criteria (六无社区评估标准) from data/sixno.yaml, checked on load, and which incidents and
cases are evidence against a criterion. Pure: no database."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

SIXNO_YAML: Final = Path(__file__).resolve().parent / "data" / "sixno.yaml"


class CriteriaError(ValueError):
    """The criteria file is invalid; the message names the criterion and the field."""


@dataclass(frozen=True)
class Criterion:
    key: str
    title_zh: str
    incidents: tuple[str, ...]  # "category" or "category/subcategory"
    offences: frozenset[str]
    words: tuple[str, ...] = ()

    def matches_incident(self, category: str, subcategory: str, narrative: str = "") -> bool:
        if category in self.incidents or f"{category}/{subcategory}" in self.incidents:
            return True
        return any(word in narrative for word in self.words)

    def matches_offence(self, offence: str) -> bool:
        return offence in self.offences


@dataclass(frozen=True)
class Criteria:
    source: str
    items: tuple[Criterion, ...]

    def get(self, key: str) -> Criterion:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)


def parse_criteria(
    raw: Any, categories: Mapping[str, Collection[str]], offence_names: Collection[str]
) -> Criteria:
    """Validate the parsed YAML: `categories` maps each incident category to its subcategories,
    `offence_names` are the known 案由; a reference to anything else stops the load."""
    if not isinstance(raw, Mapping) or not str(raw.get("source") or "").strip():
        raise CriteriaError("sixno: 'source' (the criteria's origin) is required / 须注明标准出处")
    specs = raw.get("criteria")
    if not isinstance(specs, list) or len(specs) != 6:
        raise CriteriaError("sixno: 'criteria' must list six criteria / 六无标准应为六项")
    items: list[Criterion] = []
    for index, spec in enumerate(specs, start=1):
        if not isinstance(spec, Mapping) or not spec.get("key") or not spec.get("title_zh"):
            raise CriteriaError(f"criterion #{index}: 'key' and 'title_zh' are required / 缺少代码或名称")
        key = str(spec["key"])
        if any(item.key == key for item in items):
            raise CriteriaError(f"criterion {key}: duplicate key / 代码重复")
        incidents = tuple(str(code) for code in spec.get("incidents") or ())
        for code in incidents:
            category, _, sub = code.partition("/")
            if category not in categories or (sub and sub not in categories[category]):
                raise CriteriaError(f"criterion {key}: unknown incident category {code!r} / 未知警情类别")
        offences = frozenset(str(name) for name in spec.get("offences") or ())
        if stray := offences - set(offence_names):
            raise CriteriaError(f"criterion {key}: unknown offence {sorted(stray)[0]!r} / 未知案由")
        words = tuple(str(word) for word in spec.get("words") or ())
        if not (incidents or offences or words):
            raise CriteriaError(f"criterion {key}: names no evidence / 未设置关联案事件的匹配条件")
        items.append(Criterion(key, str(spec["title_zh"]), incidents, offences, words))
    return Criteria(str(raw["source"]).strip(), tuple(items))


@cache
def criteria(path: Path = SIXNO_YAML) -> Criteria:
    from jingwu.cases.offences import offences
    from jingwu.incidents.taxonomy import taxonomy

    categories = {code: set(c.subtypes) for code, c in taxonomy().categories.items()}
    names = {o.name for o in offences().values()}
    return parse_criteria(yaml.safe_load(path.read_text(encoding="utf-8")), categories, names)
