"""The custody log over the API (/api/custody): entry, log, sessions and exit with their refusals and
status codes, scope and roles; and the center's list over real HTTP against the demo bureau."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jingwu.custody.tests.conftest import (  # noqa: F401 — fixtures shared with the custody tests
    TAOXI_HELPER,
    file_store,
    on_commit,
    users,
    world,
)
from tests.api.helpers import http_json

pytestmark = pytest.mark.django_db


def iso(moment) -> str:
    return timezone.localtime(moment).isoformat()


def test_entry_session_and_exit_over_the_api(api_as, audit, users, world) -> None:  # noqa: F811
    summoned = world.summon(world.case(), at=timezone.now() - timedelta(hours=3))
    custody = api_as("custody")
    body = {
        "case_id": summoned.case.pk,
        "party_id": summoned.party.pk,
        "measure_id": summoned.measure.pk,
        "basis_document": "",
        "brought_by_ids": [users.officer.pk],
        "entered_at": iso(summoned.measure.started_at + timedelta(minutes=5)),
    }
    refused = custody.post("/api/custody/stays", body)
    assert refused.status_code == 400
    assert refused.json()["detail"] == "没有法律依据文书，不能登记入区"
    assert "basis_document" in refused.json()["errors"]
    created = custody.post("/api/custody/stays", {**body, "basis_document": "武公（桃）传字〔2026〕30号"})
    assert created.status_code == 201, created.content
    stay = created.json()
    assert (stay["status"], stay["measure"], stay["person_key"]) == ("inside", "summons", summoned.party.key)
    assert stay["limit"]["title"] == "刑事传唤、拘传持续时间" and stay["limit"]["state"] == "ok"
    assert 0 < stay["limit"]["remaining_seconds"] <= 9 * 3600
    again = custody.post("/api/custody/stays", {**body, "basis_document": "武公（桃）传字〔2026〕30号"})
    assert again.status_code == 409 and "不能重复登记入区" in again.json()["detail"]

    sid = stay["id"]
    log = custody.post(f"/api/custody/stays/{sid}/log", {"kind": "safety_check", "text": "未发现违禁品"})
    assert log.status_code == 201 and log.json()["kind_label"] == "人身安全检查"
    start = summoned.measure.started_at + timedelta(minutes=20)
    session = {
        "kind": "interrogation",
        "room": "xw1",
        "started_at": iso(start),
        "ended_at": iso(start + timedelta(minutes=50)),
        "officer_ids": [users.officer.pk],
    }
    alone = custody.post(f"/api/custody/stays/{sid}/sessions", session)
    assert alone.status_code == 400 and alone.json()["detail"] == "讯问、询问民警不得少于二人"
    pair = [users.officer.pk, users.get(TAOXI_HELPER).pk]
    done = custody.post(f"/api/custody/stays/{sid}/sessions", {**session, "officer_ids": pair})
    assert done.status_code == 201 and done.json()["room_name"] == "讯问室一"
    before = custody.post(
        f"/api/custody/stays/{sid}/exit",
        {"destination": "released", "exited_at": iso(summoned.measure.started_at)},
    )
    assert before.status_code == 400 and before.json()["detail"] == "出区时间不能早于入区时间"

    # Leaders read, do not write; another station sees nothing; the mediator has no access.
    assert api_as("leader").get(f"/api/custody/stays/{sid}").status_code == 200
    assert (
        api_as("leader").post(f"/api/custody/stays/{sid}/log", {"kind": "note", "text": "x"}).status_code
        == 403
    )
    assert api_as("pingchuan_officer").get(f"/api/custody/stays/{sid}").status_code == 404
    assert api_as("mediator").get("/api/custody/inside").status_code == 403

    left = custody.post(f"/api/custody/stays/{sid}/exit", {"destination": "released"})
    assert left.status_code == 200 and left.json()["status"] == "left"
    assert left.json()["sessions"][0]["officers"] and left.json()["log"][0]["text"] == "未发现违禁品"
    assert sid not in [s["id"] for s in custody.get("/api/custody/inside").json()]
    assert [e.actor_username for e in audit.entries("custody.exit")] == ["custody"]


def test_the_centers_list_over_real_http(http_server: str) -> None:
    from jingwu.org.demo import DEMO_PASSWORD

    status, token = http_json(
        http_server, "POST", "/api/auth/token", body={"username": "custody", "password": DEMO_PASSWORD}
    )
    assert status == 200
    auth = token["token"]
    status, inside = http_json(http_server, "GET", "/api/custody/inside", token=auth)
    assert status == 200 and len(inside) >= 2
    # The demo keeps one person close to the 8-hour limit of an administrative summons: amber.
    assert "warning" in {row["limit"]["state"] for row in inside}
    assert all("*" in row["id_number"] for row in inside)
    status, stay = http_json(http_server, "GET", f"/api/custody/stays/{inside[0]['id']}", token=auth)
    assert status == 200 and stay["log"] and stay["belongings"] and stay["can_manage"] is True
    status, refused = http_json(
        http_server, "POST", f"/api/custody/stays/{inside[0]['id']}/sessions", token=auth, body={"kind": "x"}
    )
    assert status == 422 and refused["detail"] == "请求参数有误，请检查后重试"
