"""Units (scoped like the web pages) and places (reference data) over the API."""

from __future__ import annotations

import pytest

from jingwu.audit.models import Outcome
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.org.models import Unit
from tests.api.helpers import Api, AuditLog, login

pytestmark = pytest.mark.django_db

TAOXI = "350824105000"  # 桃溪镇, the demo officer's station


def test_officer_sees_only_the_own_station_subtree() -> None:
    response = login("officer").get("/api/units/")

    assert response.status_code == 200
    station = Unit.objects.get(code="wp-ps-350824105")
    units = response.json()
    assert {u["code"] for u in units} == set(
        Unit.objects.filter(path__startswith=station.path).values_list("code", flat=True)
    )
    assert {"wp-ps-350824105", "wp-ps-350824105-sq"} <= {u["code"] for u in units}
    assert not {"wp", "wp-ps-350824001"} & {u["code"] for u in units}


def test_leader_sees_the_whole_bureau() -> None:
    response = login("leader").get("/api/units/")

    assert response.status_code == 200
    assert len(response.json()) == Unit.objects.count()


def test_unit_outside_the_scope_is_404_and_audited(audit: AuditLog) -> None:
    pingchuan = Unit.objects.get(code="wp-ps-350824001")
    own = Unit.objects.get(code="wp-ps-350824105")
    api = login("officer")

    assert api.get(f"/api/units/{own.pk}").json()["code"] == own.code
    response = api.get(f"/api/units/{pingchuan.pk}")

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到", "errors": {}}
    [entry] = audit.entries("unit.view", outcome=Outcome.DENIED)
    assert (entry.object_id, entry.actor_username) == (str(pingchuan.pk), "officer")
    assert login("leader").get(f"/api/units/{pingchuan.pk}").status_code == 200


def test_assistant_may_not_list_units() -> None:
    response = login("assistant").get("/api/units/")

    assert response.status_code == 403
    assert response.json()["detail"] == "无权执行此操作"


def test_townships_carry_their_station() -> None:
    response = login("officer").get("/api/places/townships")

    assert response.status_code == 200
    townships = response.json()
    assert len(townships) == Division.objects.filter(level=DivisionLevel.TOWNSHIP).count() > 10
    taoxi = next(t for t in townships if t["code"] == TAOXI)
    assert taoxi["name"] == "桃溪镇"
    assert taoxi["level"] == DivisionLevel.TOWNSHIP
    assert taoxi["station_name"] == Unit.objects.get(code="wp-ps-350824105").name
    assert taoxi["township_name"] == "桃溪镇"


def test_villages_type_ahead_filters_by_township_and_name() -> None:
    village = Division.objects.filter(level=DivisionLevel.VILLAGE, parent__code=TAOXI).first()
    fragment = village.name[:2]

    response = login("assistant").get("/api/places/villages", township=TAOXI, q=fragment)

    assert response.status_code == 200
    found = response.json()
    assert village.code in {v["code"] for v in found}
    for item in found:
        assert item["township_code"] == TAOXI
        assert item["township_name"] == "桃溪镇"
        assert fragment in item["name"] or fragment in item["township_name"]
        assert item["grid_name"] and item["station_name"]


def test_villages_list_is_short() -> None:
    response = login("officer").get("/api/places/villages")

    assert response.status_code == 200
    assert 0 < len(response.json()) <= 20
    assert len(login("officer").get("/api/places/villages", limit=500).json()) <= 50


def test_place_by_code() -> None:
    village = Division.objects.filter(level=DivisionLevel.VILLAGE, parent__code=TAOXI).first()
    api = login("mediator")  # every role may read places

    response = api.get(f"/api/places/{village.code}")

    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"], body["level"]) == (village.code, village.name, DivisionLevel.VILLAGE)
    assert body["full_name"] == f"桃溪镇{village.name}"
    assert body["grid_name"] == village.grid.name
    missing = api.get("/api/places/350824999999")
    assert (missing.status_code, missing.json()["detail"]) == (404, "未找到")


def test_places_need_a_token() -> None:
    assert Api().get("/api/places/townships").status_code == 401
