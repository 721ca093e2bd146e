"""The reference data: Wuping's townships and villages, one station per township, the 武北 joint station.

Counts are taken from the division CSV here, independently of the loader.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jingwu.geo.models import Division, Grid
from jingwu.geo.reference import load_reference_data
from jingwu.org.models import Unit

CSV_PATH = Path(__file__).resolve().parents[2] / "data" / "divisions" / "wuping_350824_divisions.csv"
with CSV_PATH.open(encoding="utf-8", newline="") as _handle:
    ROWS = list(csv.DictReader(_handle))
TOWNSHIPS = [r for r in ROWS if r["level"] == "4"]
VILLAGES = [r for r in ROWS if r["level"] == "5"]

# 永平镇, 桃溪镇, 大禾镇, 湘店镇 by their division codes.
WUBEI_MEMBERS = {
    "350824110000": "永平",
    "350824105000": "桃溪",
    "350824114000": "大禾",
    "350824113000": "湘店",
}


def station_code_of(code12: str) -> str:
    return "wp-ps-" + code12[:9]


def test_the_csv_has_wupings_17_townships_and_225_villages():
    assert len(TOWNSHIPS) == 17
    assert len(VILLAGES) == 225
    assert all(r["parent_code12"] == "350824000000" for r in TOWNSHIPS)
    assert {r["parent_code12"] for r in VILLAGES} == {r["code12"] for r in TOWNSHIPS}


def test_townships_and_villages_are_loaded(db):
    townships = Division.objects.filter(level=4)
    villages = Division.objects.filter(level=5)
    assert set(townships.values_list("code", flat=True)) == {r["code12"] for r in TOWNSHIPS}
    assert villages.count() == len(VILLAGES)
    assert set(villages.values_list("code", flat=True)) == {r["code12"] for r in VILLAGES}
    for row in VILLAGES[::20]:
        village = Division.objects.select_related("parent").get(code=row["code12"])
        assert village.name == row["name"]
        assert village.parent.code == row["parent_code12"]
    county = Division.objects.get(code="350824000000")
    assert county.name == "武平县"
    assert county.station is None


def test_one_station_per_township_named_after_it(db):
    stations = Unit.objects.filter(kind="station")
    assert stations.count() == len(TOWNSHIPS) == 17
    for row in TOWNSHIPS:
        station = stations.get(code=station_code_of(row["code12"]))
        short = row["name"].removesuffix("街道").removesuffix("镇").removesuffix("乡")
        assert station.name == f"{short}派出所"
        assert station.township_code == row["code12"]
        assert station.parent.code == "wp"
        assert station.path == f"/wp/{station.code}/"
    assert stations.get(code="wp-ps-350824105").name == "桃溪派出所"
    assert stations.get(code="wp-ps-350824001").name == "平川派出所"
    assert stations.get(code="wp-ps-350824203").name == "民主派出所"


def test_the_wubei_joint_station_commands_exactly_its_four_members(db):
    wubei = Unit.objects.get(code="wp-wb")
    assert wubei.kind == "joint_station"
    assert wubei.name == "武北区域联合派出所"
    assert wubei.parent.code == "wp"
    assert set(wubei.commands.values_list("code", flat=True)) == {station_code_of(c) for c in WUBEI_MEMBERS}
    assert {u.name for u in wubei.commands.all()} == {f"{n}派出所" for n in WUBEI_MEMBERS.values()}
    teams = {u.code: u.kind for u in wubei.children.all()}
    assert teams == {"wp-wb-zh": "command_room", "wp-wb-aj": "case_team"}
    room = Unit.objects.get(code="wp-wb-zh").name
    assert room.startswith("武北") and room.endswith("综合指挥室")
    assert Unit.objects.filter(kind="joint_station").count() == 1


def test_member_stations_keep_only_their_community_team(db):
    for code12, short in WUBEI_MEMBERS.items():
        station = Unit.objects.get(code=station_code_of(code12))
        assert [(t.code, t.kind, t.name) for t in station.children.all()] == [
            (f"{station.code}-sq", "community_team", f"{short}社区警务队")
        ]
        assert list(station.commanded_by.values_list("code", flat=True)) == ["wp-wb"]


def test_other_stations_run_two_teams_and_a_room(db):
    others = [r for r in TOWNSHIPS if r["code12"] not in WUBEI_MEMBERS]
    assert len(others) == 13
    for row in others:
        station = Unit.objects.get(code=station_code_of(row["code12"]))
        kinds = {t.code: t.kind for t in station.children.all()}
        assert kinds == {
            f"{station.code}-sq": "community_team",
            f"{station.code}-aj": "case_team",
            f"{station.code}-zh": "command_room",
        }
        assert not station.commanded_by.exists()


def test_headquarters_and_external_units(db):
    assert Unit.objects.get(code="wp").parent is None
    assert set(Unit.objects.filter(kind="brigade").values_list("code", flat=True)) >= {
        "wp-xz",
        "wp-za",
        "wp-fz",
    }
    assert Unit.objects.get(code="wp-cmd").kind == "command_center"
    for code in ("ext-jcy", "ext-tjw"):
        external = Unit.objects.get(code=code)
        assert (external.kind, external.parent, external.path) == ("external", None, f"/{code}/")


def test_every_path_is_its_parents_path_plus_its_code(db):
    for unit in Unit.objects.select_related("parent"):
        assert unit.path == (unit.parent.path if unit.parent else "/") + unit.code + "/"


def test_every_village_has_its_townships_station_and_a_grid(db):
    villages = Division.objects.filter(level=5).select_related("parent", "station", "grid")
    assert villages.count() == len(VILLAGES)
    for village in villages:
        assert village.station is not None, village.code
        assert village.station.code == station_code_of(village.parent.code)
        assert village.grid is not None, village.code
        assert village.grid.station_id == village.station_id
        assert village.grid.township_id == village.parent_id
    assert Grid.objects.count() == len(VILLAGES)
    assert not Division.objects.filter(level=4, station__isnull=True).exists()


def test_a_taoxi_village_belongs_to_the_taoxi_station(db):
    taoxi_villages = [r for r in VILLAGES if r["parent_code12"] == "350824105000"]
    assert taoxi_villages
    for row in taoxi_villages:
        assert Division.objects.get(code=row["code12"]).station.code == "wp-ps-350824105"


def _snapshot() -> dict[str, object]:
    return {
        "units": sorted(Unit.objects.values_list("pk", "code", "name", "kind", "parent_id", "path")),
        "commands": sorted(Unit.commands.through.objects.values_list("from_unit_id", "to_unit_id")),
        "divisions": sorted(
            Division.objects.values_list("pk", "code", "name", "parent_id", "station_id", "grid_id")
        ),
        "grids": sorted(Grid.objects.values_list("pk", "code", "township_id", "station_id")),
    }


def test_loading_twice_changes_nothing(db):
    before = _snapshot()
    counts = load_reference_data()
    assert counts == {"townships": 17, "villages": len(VILLAGES), "stations": 17, "grids": len(VILLAGES)}
    assert _snapshot() == before


@pytest.mark.parametrize("field", ["name", "path"])
def test_reloading_repairs_a_changed_unit(db, field):
    Unit.objects.filter(code="wp-ps-350824105").update(**{field: "X"})
    load_reference_data()
    taoxi = Unit.objects.get(code="wp-ps-350824105")
    assert (taoxi.name, taoxi.path) == ("桃溪派出所", "/wp/wp-ps-350824105/")
