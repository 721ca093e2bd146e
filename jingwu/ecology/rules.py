"""The ecology app's data (finding kinds) and the patrol-due rule. Pure: no Django."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml

FINDING_KINDS_YAML = Path(__file__).resolve().parent / "data" / "finding_kinds.yaml"


class EcologyDataError(ValueError):
    """The ecology data files are inconsistent; the message names the entry."""


@dataclass(frozen=True)
class FindingKind:
    code: str
    name: str
    category: str
    subcategory: str
    charge: str


@cache
def finding_kinds(path: Path = FINDING_KINDS_YAML) -> dict[str, FindingKind]:
    """The kinds of patrol findings, checked against the incident taxonomy and the criminal charges."""
    from jingwu.cases.offences import find_offence
    from jingwu.incidents.taxonomy import taxonomy

    kinds: dict[str, FindingKind] = {}
    for item in yaml.safe_load(path.read_text(encoding="utf-8"))["kinds"]:
        incident = item["incident"]
        if not taxonomy().is_valid(incident["category"], incident["subcategory"]):
            raise EcologyDataError(f"{path.name}: {item['code']}: unknown incident category {incident}")
        if item["charge"] and find_offence(item["charge"], "criminal") is None:
            raise EcologyDataError(f"{path.name}: {item['code']}: unknown charge {item['charge']}")
        if item["code"] in kinds:
            raise EcologyDataError(f"{path.name}: {item['code']} is listed twice")
        kinds[item["code"]] = FindingKind(
            item["code"], item["name"], incident["category"], incident["subcategory"], item["charge"]
        )
    return kinds


@dataclass(frozen=True)
class PatrolDue:
    """When a zone's next patrol is due (巡护周期) and whether it is overdue on `today`."""

    last_on: date | None
    due_on: date
    overdue: bool
    days_overdue: int


def patrol_due(*, last_on: date | None, every_days: int, today: date, since: date) -> PatrolDue:
    """A zone patrolled on `last_on` (local date of the last patrol's end) is due again `every_days` later;
    it is overdue from the day after. A zone never patrolled is due `every_days` after `since` (its
    creation)."""
    due_on = (last_on or since) + timedelta(days=every_days)
    late = (today - due_on).days
    return PatrolDue(last_on, due_on, late > 0, max(late, 0))
