"""Routing (警情分流) of every Wuping village against the official division data.

The expectations are derived in the test from jingwu/data/divisions/wuping_350824_divisions.csv (read
with csv, never retyped) and the rules of issue 3 and jingwu/org/data/wuping_bureau.yaml:
- a village's station is its township's: `wp-ps-` + the first 9 digits of the township code;
- villages of 永平镇, 桃溪镇, 大禾镇 and 湘店镇 are dispatched by the 武北 joint station's command room
  `wp-wb-zh`; any other village by its own station's command room `<station>-zh`;
- 居委会/居民委员会/社区 are urban (城区), other villages of 平川街道 (the county seat) suburban, the
  rest rural.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from jingwu.geo.models import Division
from jingwu.incidents.routing import area_of, route_for

CSV_PATH = Path(__file__).resolve().parents[2] / "data" / "divisions" / "wuping_350824_divisions.csv"
WUBEI_MEMBERS = ("永平镇", "桃溪镇", "大禾镇", "湘店镇")

pytestmark = pytest.mark.django_db


def _rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = _rows()
TOWNSHIPS = {row["code12"]: row["name"] for row in ROWS if row["level"] == "4"}
VILLAGES = [row for row in ROWS if row["level"] == "5"]
TOWNSHIP_CODE_BY_NAME = {name: code for code, name in TOWNSHIPS.items()}
COUNTY_SEAT = TOWNSHIP_CODE_BY_NAME["平川街道"]


def expected_area(row: dict[str, str]) -> str:
    if row["name"].endswith(("居委会", "居民委员会", "社区")):
        return "urban"
    if row["parent_code12"] == COUNTY_SEAT:
        return "suburban"
    return "rural"


def test_the_csv_has_the_four_wubei_townships_and_villages_under_every_township() -> None:
    assert all(name in TOWNSHIP_CODE_BY_NAME for name in WUBEI_MEMBERS)
    assert len(TOWNSHIPS) == 17
    assert {row["parent_code12"] for row in VILLAGES} == set(TOWNSHIPS)


def test_every_village_routes_to_its_township_station_and_the_right_command_room() -> None:
    wubei_codes = {TOWNSHIP_CODE_BY_NAME[name] for name in WUBEI_MEMBERS}
    villages = {
        d.code: d
        for d in Division.objects.filter(level=5).select_related("parent", "station", "station__parent")
    }
    assert set(villages) == {row["code12"] for row in VILLAGES}
    wrong = []
    joint_dispatched = 0
    for row in VILLAGES:
        township = row["parent_code12"]
        station = f"wp-ps-{township[:9]}"
        unit = "wp-wb-zh" if township in wubei_codes else f"{station}-zh"
        joint_dispatched += township in wubei_codes
        route = route_for(villages[row["code12"]])
        got = (route.station.code, route.unit.code, route.area)
        if got != (station, unit, expected_area(row)):
            wrong.append((row["code12"], row["name"], got, (station, unit, expected_area(row))))
    assert wrong == []
    assert 0 < joint_dispatched < len(VILLAGES)


def test_every_township_station_is_routed_to_at_least_once() -> None:
    villages = Division.objects.filter(level=5).select_related("parent", "station")
    stations = {route_for(v).station.code for v in villages}
    assert stations == {f"wp-ps-{code[:9]}" for code in TOWNSHIPS}


@pytest.mark.parametrize(
    ("township", "village", "area"),
    [
        ("平川街道", "河东社区居委会", "urban"),
        ("平川街道", "北城社区居委会", "urban"),
        ("桃溪镇", "桃溪村委会", "rural"),
        ("桃溪镇", "亭头村委会", "rural"),
        ("永平镇", "帽村村委会", "rural"),
    ],
)
def test_area_of_named_villages(township: str, village: str, area: str) -> None:
    (row,) = [
        r for r in VILLAGES if r["name"] == village and r["parent_code12"] == TOWNSHIP_CODE_BY_NAME[township]
    ]
    division = Division.objects.select_related("parent").get(code=row["code12"])
    assert area_of(division) == area
    assert route_for(division).area == area


def test_a_residents_committee_spelled_out_in_full_is_urban() -> None:
    # 跃进烟场社区居民委员会 ends with 居民委员会, not 居委会.
    (row,) = [r for r in VILLAGES if r["name"].endswith("居民委员会")]
    assert row["parent_code12"] != COUNTY_SEAT
    division = Division.objects.select_related("parent").get(code=row["code12"])
    assert area_of(division) == "urban"


def test_a_village_of_the_county_seat_that_is_not_a_community_is_suburban() -> None:
    # The 2023 data lists only communities under 平川街道, so the suburban rule is checked on an unsaved
    # village placed under the real street.
    county_seat = Division.objects.get(code=COUNTY_SEAT)
    village = Division(code="350824001299", name="试验村委会", level=5, parent=county_seat)
    assert area_of(village) == "suburban"
    elsewhere = Division(
        code="350824105299", name="试验村委会", level=5, parent=Division.objects.get(code="350824105000")
    )
    assert area_of(elsewhere) == "rural"


def test_counts_per_area_match_the_csv() -> None:
    expected = Counter(expected_area(row) for row in VILLAGES)
    villages = Division.objects.filter(level=5).select_related("parent")
    got = Counter(area_of(v) for v in villages)
    assert got == expected
    assert expected["urban"] > 0 and expected["rural"] > 0
    assert sum(expected.values()) == len(VILLAGES)
