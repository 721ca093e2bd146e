"""Load the bureau's unit tree (org) and Wuping's places (geo) from the data the project carries.

Idempotent: units and divisions are matched by code and updated in place, so running it again
after a data correction changes what changed and nothing else.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from jingwu.org.choices import UnitKind
from jingwu.org.models import Unit

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DIVISIONS_CSV = DATA_DIR / "divisions" / "wuping_350824_divisions.csv"
BUREAU_YAML = Path(__file__).resolve().parent / "data" / "wuping_bureau.yaml"
COUNTY_CODE = "350824000000"


def read_divisions(path: Path = DIVISIONS_CSV) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["level"] = int(row["level"])
    return rows


def township_short_name(name: str) -> str:
    """平川街道 → 平川, 永平镇 → 永平, 民主乡 → 民主."""
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def station_code(township_code12: str) -> str:
    return f"wp-ps-{township_code12[:9]}"


def _upsert_unit(code: str, name: str, kind: str, parent: Unit | None, sort_order: int, **extra: Any) -> Unit:
    unit = Unit.objects.filter(code=code).first() or Unit(code=code)
    unit.name, unit.kind, unit.parent, unit.sort_order = name, kind, parent, sort_order
    for key, value in extra.items():
        setattr(unit, key, value)
    unit.path = unit.compute_path()
    unit.save()
    return unit


@transaction.atomic
def load_units(townships: list[dict[str, Any]]) -> dict[str, Unit]:
    """Create or update the bureau tree; return stations by township code."""
    spec = yaml.safe_load(BUREAU_YAML.read_text(encoding="utf-8"))
    bureau = _upsert_unit(spec["bureau"]["code"], spec["bureau"]["name"], UnitKind.BUREAU, None, 0)
    headquarters = {
        item["code"]: _upsert_unit(item["code"], item["name"], item["kind"], bureau, order)
        for order, item in enumerate(spec["headquarters"], start=1)
    }
    joint_members = {code: joint for joint in spec["joint_stations"] for code in joint["members"]}
    stations: dict[str, Unit] = {}
    for order, township in enumerate(townships, start=20):
        code12 = township["code12"]
        short = township_short_name(township["name"])
        station = _upsert_unit(
            station_code(code12), f"{short}派出所", UnitKind.STATION, bureau, order, township_code=code12
        )
        stations[code12] = station
        teams = spec["station_teams"]
        if code12 in joint_members:
            teams = [t for t in teams if t["kind"] == UnitKind.COMMUNITY_TEAM]
        for team_order, team in enumerate(teams):
            _upsert_unit(
                f"{station.code}-{team['suffix']}",
                f"{short}{team['name']}",
                team["kind"],
                station,
                team_order,
            )
    for order, joint in enumerate(spec["joint_stations"], start=10):
        unit = _upsert_unit(joint["code"], joint["name"], UnitKind.JOINT_STATION, bureau, order)
        for team_order, team in enumerate(joint["teams"]):
            _upsert_unit(
                f"{unit.code}-{team['suffix']}",
                f"{joint['name']}{team['name']}",
                team["kind"],
                unit,
                team_order,
            )
        unit.commands.set([stations[code] for code in joint["members"]])
    for item in spec["headquarters"]:
        if item.get("commands"):
            headquarters[item["code"]].commands.set(Unit.objects.filter(code__in=item["commands"]))
    for order, item in enumerate(spec["external"], start=90):
        _upsert_unit(item["code"], item["name"], item["kind"], None, order)
    return stations
