"""Thresholds of forest crimes (破坏森林资源犯罪立案追诉标准) and the check of a transfer's quantities.

Pure: no Django. The values come from jingwu/data/legal_rules.yaml (`thresholds.forest_crime`,
法释〔2023〕8号); data/forest_thresholds.yaml says which apply to which charge. “以上”包括本数 (刑法第99条),
so a quantity equal to a threshold meets it. Quantities of one kind that each fall short are added in
proportion (折算合计, 解释第3条第1款第3项 and the like): 4 m³ and 40 saplings of stolen timber are
4/5 + 40/200 = 1 threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from jingwu.core.legaltime import DATA_DIR

THRESHOLDS_YAML = Path(__file__).resolve().parent / "data" / "forest_thresholds.yaml"
RULES_YAML = DATA_DIR / "legal_rules.yaml"
# The quantities that are added in proportion (折算合计); value in yuan is an alternative of its own.
PROPORTIONAL = {
    "FR-001": ("standing_volume_m3", "saplings"),
    "FR-002": ("standing_volume_m3", "saplings"),
    "FR-003": ("standing_volume_m3", "saplings"),
    "FR-004": ("public_welfare_forest_mu", "commercial_forest_mu"),
}


class ThresholdError(ValueError):
    """The thresholds data is inconsistent; the message names the entry."""


@dataclass(frozen=True)
class ChargeThreshold:
    charge: str
    rule: str
    title: str
    base_level: str
    values: dict[str, Decimal]
    multipliers: dict[str, int]
    article: str
    citation: str
    verified: str


@dataclass(frozen=True)
class Thresholds:
    quantities: dict[str, str]
    charges: dict[str, ChargeThreshold]
    repeat_penalties: int
    repeat_fraction: Fraction

    def for_charge(self, charge: str) -> ChargeThreshold | None:
        return self.charges.get(charge)


@dataclass(frozen=True)
class Line:
    """One quantity against its threshold: the number shown beside the facts."""

    key: str
    label: str
    value: Decimal | None
    threshold: Decimal
    met: bool


@dataclass(frozen=True)
class Assessment:
    """What a transfer's quantities reach for its charge."""

    charge: str
    rule: str
    title: str
    citation: str
    lines: tuple[Line, ...]
    ratio: Fraction  # the largest of: the proportional sum, value ÷ its threshold
    met: bool
    level: str  # the highest level reached (数量较大 / 数量巨大 …), "" when none
    explanation: str


@cache
def thresholds(path: Path = THRESHOLDS_YAML, rules_path: Path = RULES_YAML) -> Thresholds:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
    sources = rules["sources"]
    by_id = {item["id"]: item for item in rules["thresholds"]["forest_crime"]}
    quantities = dict(spec["quantities"])
    charges: dict[str, ChargeThreshold] = {}
    for item in spec["charges"]:
        rule = by_id.get(item["rule"])
        if rule is None:
            raise ThresholdError(
                f"{path.name}: {item['charge']}: no threshold {item['rule']} in {rules_path.name}"
            )
        unknown = set(rule["values"]) - set(quantities)
        if unknown:
            raise ThresholdError(
                f"{path.name}: {item['rule']} has quantities {sorted(unknown)} not named here"
            )
        citation = "；".join(
            f"{sources[c['source']]['title'].split('（')[0]}{c['article']}" for c in rule["citation"]
        )
        charges[item["charge"]] = ChargeThreshold(
            charge=item["charge"],
            rule=item["rule"],
            title=rule["title_zh"],
            base_level=item["base_level"],
            values={k: Decimal(str(v)) for k, v in rule["values"].items()},
            multipliers={k: int(v) for k, v in (rule.get("multipliers") or {}).items()},
            article=item["article"],
            citation=citation,
            verified=str(rule.get("verified", "")),
        )
    repeat = spec["repeat_offender"]
    if repeat["rule"] not in {c.rule for c in charges.values()}:
        raise ThresholdError(f"{path.name}: repeat_offender names {repeat['rule']}, which no charge uses")
    return Thresholds(
        quantities, charges, int(repeat["penalties_at_least"]), Fraction(str(repeat["fraction"]))
    )


def _number(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


def assess(charge: str, quantities: dict[str, Any], data: Thresholds | None = None) -> Assessment | None:
    """Compare `quantities` (keys of forest_thresholds.yaml) with the thresholds of `charge`; None when
    the charge has no quantity threshold (e.g. 失火罪)."""
    data = data or thresholds()
    spec = data.for_charge(charge)
    if spec is None:
        return None
    given = {key: _number(quantities.get(key)) for key in data.quantities}
    lines = tuple(
        Line(
            key,
            data.quantities[key],
            given[key],
            limit,
            given[key] is not None and given[key] >= limit,
        )
        for key, limit in spec.values.items()
    )
    proportional = sum(
        (
            Fraction(given[key]) / Fraction(spec.values[key])
            for key in PROPORTIONAL.get(spec.rule, ())
            if key in spec.values and given[key] is not None
        ),
        Fraction(0),
    )
    ratio = proportional
    if "value_cny" in spec.values and given["value_cny"] is not None:
        ratio = max(ratio, Fraction(given["value_cny"]) / Fraction(spec.values["value_cny"]))
    needed = Fraction(1)
    repeat = (
        spec.rule == "FR-004"
        and given.get("prior_admin_penalties") is not None
        and given["prior_admin_penalties"] >= data.repeat_penalties
    )
    if repeat:
        needed = data.repeat_fraction  # 解释第1条第1款第4项
    met = ratio >= needed
    level = ""
    if met:
        level = spec.base_level
        for name, times in sorted(spec.multipliers.items(), key=lambda kv: kv[1]):
            if ratio >= times:
                level = name
    percent = float(ratio * 100)
    if met:
        explanation = f"达到立案追诉标准（折算为标准的{percent:.0f}%）：{level}"
    else:
        explanation = f"未达立案追诉标准（折算为标准的{percent:.0f}%）"
    if repeat:
        explanation += f"；二年内受过{data.repeat_penalties}次以上行政处罚，达标准一半即构成"
    return Assessment(
        charge=charge,
        rule=spec.rule,
        title=spec.title,
        citation=spec.citation,
        lines=lines,
        ratio=ratio,
        met=met,
        level=level,
        explanation=explanation,
    )
