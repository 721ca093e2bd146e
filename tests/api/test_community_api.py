"""The grid-work API (/api/community) for the assistant's phone: their village, listing and recording
patrols, visits, hazards and reports, fixing a hazard, the day's log; scoping (only their own village);
a station officer turning a report into an incident. In-process, then over real HTTP on the demo bureau."""

from __future__ import annotations

import pytest

from jingwu.community import services
from jingwu.community.tests.conftest import new_assistant
from jingwu.geo.models import Division
from jingwu.org.models import User
from tests.api.helpers import http_json

TAOXI, XINCAI = "350824105201", "350824105202"


@pytest.fixture
def villages(db):
    chief = User.objects.get(username="chief")
    taoxi, xincai = Division.objects.get(code=TAOXI), Division.objects.get(code=XINCAI)
    services.assignment_set(
        actor=chief, village_id=taoxi.pk, kind="assistant", user_id=User.objects.get(username="assistant").pk
    )
    other = new_assistant("test-api-zl")
    services.assignment_set(actor=chief, village_id=xincai.pk, kind="assistant", user_id=other.pk)
    return taoxi, xincai, other


def test_the_assistant_records_and_lists_own_grid_work(api_as, audit, villages) -> None:
    _, _, other = villages
    services.activity_record(actor=other, kind="patrol", place="新礤村道", summary="别村巡逻")
    api = api_as("assistant")
    me = api.get("/api/community/me").json()
    assert me["village"]["code"] == TAOXI and me["township"] == "桃溪镇" and me["today_log"] is None

    created = api.post("/api/community/work", {"kind": "patrol", "place": "村部—小学", "summary": "未见异常"})
    assert created.status_code == 201 and created.json()["village"] == "桃溪村委会"
    hazard = api.post(
        "/api/community/work",
        {"kind": "hazard", "category": "forest_fire", "place": "后山", "description": "山林防火通道堵塞"},
    )
    assert hazard.status_code == 201 and hazard.json()["status"] == "open"
    report = api.post(
        "/api/community/work",
        {"kind": "report", "category": "fraud", "title": "冒充客服", "content": "有人来电"},
    )
    assert report.status_code == 201 and report.json()["number"].startswith("XB")
    fixed = api.post(f"/api/community/hazards/{hazard.json()['id']}/fix", {"note": "已清理"})
    assert fixed.status_code == 200 and fixed.json()["status"] == "fixed"
    log = api.put("/api/community/log", {"content": "巡逻、排查隐患"})
    assert log.status_code == 200

    listed = api.get("/api/community/work").json()["items"]
    assert {item["kind"] for item in listed} == {"patrol", "hazard", "report"}
    assert all(item["village"] == "桃溪村委会" for item in listed)  # never 新礤村's patrol
    assert len(audit.entries("gridwork.patrol", actor_username="assistant")) == 1


def test_refusals_are_json_in_chinese(api_as, villages) -> None:
    api = api_as("assistant")
    bad = api.post("/api/community/work", {"kind": "visit", "place": "3组", "summary": "走访"})
    assert bad.status_code == 400 and "household" in bad.json()["errors"]
    wrong = api.post("/api/community/work", {"kind": "arrest"})
    assert wrong.status_code == 400 and wrong.json()["detail"] == "类别无效"
    _, _, other = villages
    their = services.hazard_report(actor=other, category="fire", place="老街", description="柴草")
    assert api.post(f"/api/community/hazards/{their.pk}/fix", {"note": "x"}).status_code == 404
    # Officers have no grid of their own; assistants cannot convert.
    assert api_as("officer").get("/api/community/me").status_code == 403
    mine = services.report_submit(
        actor=User.objects.get(username="assistant"), category="other", title="t", content="c"
    )
    assert (
        api.post(
            f"/api/community/reports/{mine.pk}/incident", {"category": "other", "subcategory": "other"}
        ).status_code
        == 403
    )


def test_the_officer_turns_a_report_into_an_incident(api_as, villages) -> None:
    report = services.report_submit(
        actor=User.objects.get(username="assistant"),
        category="public_order",
        title="聚赌",
        content="空房聚赌",
    )
    officer = api_as("officer")
    assert len(officer.get("/api/community/work", kind="report").json()["items"]) == 1
    response = officer.post(
        f"/api/community/reports/{report.pk}/incident",
        {"category": "public_order", "subcategory": "gambling"},
    )
    assert response.status_code == 201 and response.json()["incident_number"].startswith("J350824")
    again = officer.post(
        f"/api/community/reports/{report.pk}/incident",
        {"category": "public_order", "subcategory": "gambling"},
    )
    assert again.status_code == 409
    assert api_as("pingchuan_officer").get("/api/community/work").json()["items"] == []


@pytest.mark.e2e
def test_grid_work_over_real_http(http_server: str) -> None:
    """On the demo bureau: 蓝小军 sees 桃溪村 only, records a patrol and a report; 李志强 converts it."""

    def token(username: str) -> str:
        status, body = http_json(
            http_server,
            "POST",
            "/api/auth/token",
            body={"username": username, "password": "jingwu-demo-2026"},
        )
        assert status == 200
        return body["token"]

    assistant, officer = token("assistant"), token("officer")
    status, me = http_json(http_server, "GET", "/api/community/me", token=assistant)
    assert status == 200 and me["village"]["name"] == "桃溪村委会"
    status, listed = http_json(http_server, "GET", "/api/community/work?limit=200", token=assistant)
    assert status == 200 and listed["items"] and {i["village"] for i in listed["items"]} == {"桃溪村委会"}
    status, _patrol = http_json(
        http_server,
        "POST",
        "/api/community/work",
        token=assistant,
        body={"kind": "patrol", "place": "桃溪村—小学", "summary": "HTTP巡逻"},
    )
    assert status == 201
    status, report = http_json(
        http_server,
        "POST",
        "/api/community/work",
        token=assistant,
        body={
            "kind": "report",
            "category": "drugs",
            "title": "疑似种植罂粟",
            "content": "菜地里有疑似罂粟植株",
        },
    )
    assert status == 201
    status, converted = http_json(
        http_server,
        "POST",
        f"/api/community/reports/{report['id']}/incident",
        token=officer,
        body={"category": "criminal", "subcategory": "drugs", "priority": 2},
    )
    assert status == 201
    status, again = http_json(
        http_server, "GET", "/api/community/work?kind=report&limit=200", token=assistant
    )
    mine = next(i for i in again["items"] if i["id"] == report["id"])
    assert mine["status"] == "adopted" and mine["incident"] == converted["incident_number"]
    status, _body = http_json(http_server, "GET", "/api/cases", token=assistant)
    assert status == 403
