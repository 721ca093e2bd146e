"""The mediation rules as data (data/dispute_types.yaml, data/rules.yaml), checked on load. Pure: no Django.

A broken entry stops the load with a message naming the file and the entry, so a typo in the data
never silently disables a rule (e.g. an eligible offence that matches nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from jingwu.cases.offences import ADMIN_OFFENCES
from jingwu.core.legaltime import Counting, Period, Unit

DATA = Path(__file__).resolve().parent / "data"
TYPES_YAML = DATA / "dispute_types.yaml"
RULES_YAML = DATA / "rules.yaml"
LEVELS = ("low", "medium", "high")


class RulesError(ValueError):
    """A mediation data file is inconsistent; the message names the entry."""


@dataclass(frozen=True)
class DisputeType:
    code: str
    name: str
    referral: str


@dataclass(frozen=True)
class WordSignal:
    level: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class CountSignal:
    medium_at: int
    high_at: int


@dataclass(frozen=True)
class RiskRules:
    threat: WordSignal
    violence: WordSignal
    repeat_window_days: int
    repeat: CountSignal
    parties: CountSignal


@dataclass(frozen=True)
class PoliceMediation:
    citation: tuple[str, ...]
    eligible: dict[str, str]  # offence code → name
    exclusions: dict[str, str]  # circumstance code → name


@dataclass(frozen=True)
class JudicialConfirmation:
    period: Period
    counting: Counting
    rolls_over_holidays: bool
    court: str
    citation: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    risk: RiskRules
    police: PoliceMediation
    bodies: dict[str, str]
    confirmation: JudicialConfirmation
    follow_up_days: int


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise RulesError(f"{path.name}: expected a mapping at the top")
    return data


def _coded(path: Path, section: str, items: Any, extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not items:
        raise RulesError(f"{path.name}: {section} must be a non-empty list")
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"{path.name}: {section}[{index}]"
        if not isinstance(item, dict) or not item.get("code") or not item.get("name"):
            raise RulesError(f"{where}: each entry needs a code and a name")
        if item["code"] in seen:
            raise RulesError(f"{where}: duplicate code {item['code']!r}")
        missing = [key for key in extra if key not in item]
        if missing:
            raise RulesError(f"{where}: missing {missing}")
        seen.add(item["code"])
    return items


@cache
def dispute_types(path: Path = TYPES_YAML) -> dict[str, DisputeType]:
    """The dispute types in the file's order; a referral hint must name a referral body."""
    items = _coded(path, "types", _load(path).get("types"), ("referral",))
    bodies = rules().bodies
    found: dict[str, DisputeType] = {}
    for item in items:
        if item["referral"] and item["referral"] not in bodies:
            raise RulesError(f"{path.name}: type {item['code']}: unknown referral body {item['referral']!r}")
        found[item["code"]] = DisputeType(item["code"], item["name"], item["referral"] or "")
    return found


def _count(path: Path, where: str, raw: Any) -> CountSignal:
    try:
        medium, high = int(raw["medium_at"]), int(raw["high_at"])
    except (KeyError, TypeError, ValueError):
        raise RulesError(f"{path.name}: {where} needs integer medium_at and high_at") from None
    if not 0 < medium <= high:
        raise RulesError(f"{path.name}: {where}: need 0 < medium_at <= high_at")
    return CountSignal(medium, high)


def _words(path: Path, where: str, raw: Any) -> WordSignal:
    if not isinstance(raw, dict) or raw.get("level") not in LEVELS[1:]:
        raise RulesError(f"{path.name}: {where}: level must be medium or high")
    words = tuple(str(w).strip() for w in raw.get("words") or ())
    if not words or any(not w for w in words):
        raise RulesError(f"{path.name}: {where}: words must be a non-empty list of words")
    return WordSignal(raw["level"], words)


def _admin_offence_names() -> dict[str, str]:
    data = yaml.safe_load(ADMIN_OFFENCES.read_text(encoding="utf-8"))
    return {item["code"]: item["name"] for item in data["offences"]}


@cache
def rules(path: Path = RULES_YAML) -> Rules:
    data = _load(path)
    risk = data.get("risk") or {}
    try:
        window = int(risk["repeat"]["window_days"])
    except (KeyError, TypeError, ValueError):
        raise RulesError(f"{path.name}: risk.repeat.window_days must be an integer") from None
    risk_rules = RiskRules(
        threat=_words(path, "risk.threat_words", risk.get("threat_words")),
        violence=_words(path, "risk.violence_words", risk.get("violence_words")),
        repeat_window_days=window,
        repeat=_count(path, "risk.repeat", risk.get("repeat")),
        parties=_count(path, "risk.parties", risk.get("parties")),
    )
    police = data.get("police_mediation") or {}
    eligible = _coded(path, "police_mediation.eligible_offences", police.get("eligible_offences"))
    known = _admin_offence_names()
    for item in eligible:
        # An offence of the case picker must carry the picker's name: a renamed offence is caught here.
        if item["code"] in known and known[item["code"]] != item["name"]:
            raise RulesError(
                f"{path.name}: eligible offence {item['code']}: name {item['name']!r} differs from "
                f"admin_offences.yaml ({known[item['code']]!r})"
            )
    exclusions = _coded(path, "police_mediation.exclusions", police.get("exclusions"))
    if not police.get("citation"):
        raise RulesError(f"{path.name}: police_mediation.citation is required")
    bodies = _coded(path, "referral_bodies", data.get("referral_bodies"))
    conf = data.get("judicial_confirmation") or {}
    try:
        period = Period(int(conf["period"]["value"]), Unit(conf["period"]["unit"]))
        counting = Counting(conf["counting"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RulesError(f"{path.name}: judicial_confirmation period/counting invalid: {exc}") from None
    if counting is not Counting.DAYS_EXCL_START or period.unit is not Unit.DAY:
        raise RulesError(f"{path.name}: judicial_confirmation is a day period counted days_excl_start")
    if not conf.get("court") or not conf.get("citation"):
        raise RulesError(f"{path.name}: judicial_confirmation needs court and citation")
    try:
        follow_days = int((data.get("follow_up") or {})["within_days"])
    except (KeyError, TypeError, ValueError):
        raise RulesError(f"{path.name}: follow_up.within_days must be an integer") from None
    return Rules(
        risk=risk_rules,
        police=PoliceMediation(
            citation=tuple(police["citation"]),
            eligible={i["code"]: i["name"] for i in eligible},
            exclusions={i["code"]: i["name"] for i in exclusions},
        ),
        bodies={i["code"]: i["name"] for i in bodies},
        confirmation=JudicialConfirmation(
            period=period,
            counting=counting,
            rolls_over_holidays=bool(conf.get("rolls_over_holidays")),
            court=str(conf["court"]),
            citation=tuple(conf["citation"]),
        ),
        follow_up_days=follow_days,
    )
