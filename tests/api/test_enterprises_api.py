"""Enterprise liaison over the API (/api/enterprises, issue 8): registration with the GB 32100 check,
masking, visits and requests, scoping, a bulletin issued to a township and acknowledged once the outbox
delivered it; and the demo bureau's enterprises and bulletins over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from jingwu.enterprises.uscc import with_check_character
from jingwu.geo.models import Division
from jingwu.notifications.services import outbox_deliver
from tests.api.helpers import http_json, login

TAOXI_VILLAGE = "350824105201"  # 桃溪镇 桃溪村委会
TAOXI = "350824105000"
VALID = with_check_character("91350824MA7000001")
WRONG = VALID[:-1] + ("1" if VALID[-1] == "0" else "0")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"] and isinstance(body["errors"], dict)
    return body


def enterprise_body(**fields: Any) -> dict[str, Any]:
    return {
        "name": "武平县接口测试茶业有限公司",
        "uscc": VALID,
        "industry": "food",
        "village_id": Division.objects.get(code=TAOXI_VILLAGE).pk,
        "contact_name": "钟会计",
        "contact_phone": "13905974444",
        **fields,
    }


@pytest.mark.django_db
def test_enterprise_visits_requests_and_a_bulletin_over_the_api(settings) -> None:
    officer = login("officer")
    wrong = error(officer.post("/api/enterprises", enterprise_body(uscc=WRONG)), 400)
    assert wrong["errors"]["uscc"] == "统一社会信用代码校验码错误（GB 32100-2015）"
    created = ok(officer.post("/api/enterprises", enterprise_body()), 201)
    assert created["contact_phone"] == "139****4444" and created["township"] == "桃溪镇"
    enterprise_id = created["id"]
    error(officer.post("/api/enterprises", enterprise_body()), 409)
    visited = ok(
        officer.post(
            f"/api/enterprises/{enterprise_id}/visits",
            {"topics": "反诈宣传，督促转账核验", "checks": ["payment_check"]},
        ),
        201,
    )
    assert visited["visits"][0]["checks"] == ["payment_check"]
    refused = error(
        officer.post(f"/api/enterprises/{enterprise_id}/requests", {"kind": "x", "summary": ""}), 400
    )
    assert refused["errors"] == {"kind": "请选择诉求类别", "summary": "请填写诉求内容"}
    raised = ok(
        officer.post(
            f"/api/enterprises/{enterprise_id}/requests", {"kind": "traffic", "summary": "厂门口货车乱停"}
        ),
        201,
    )
    request_id = raised["requests"][0]["id"]
    handled = ok(
        officer.post(f"/api/enterprises/requests/{request_id}/handle", {"handling_note": "已协调交警疏导"})
    )
    assert handled["requests"][0]["status"] == "handled"
    # Another station's officer: 404; a role without the capability: 403.
    error(login("pingchuan_officer").get(f"/api/enterprises/{enterprise_id}"), 404)
    error(login("assistant").get("/api/enterprises"), 403)
    # The leader pushes a bulletin to 桃溪's enterprises; the officer may not issue one.
    leader = login("leader")
    taoxi = Division.objects.get(code=TAOXI).pk
    error(officer.post("/api/enterprises/bulletins", {"title": "t", "body": "b", "kind": "safety_tip"}), 403)
    preview = ok(leader.post("/api/enterprises/bulletins/preview", {"township_ids": [taoxi]}))
    assert [item["id"] for item in preview["items"]] == [enterprise_id]
    issued = ok(
        leader.post(
            "/api/enterprises/bulletins",
            {
                "title": "警惕冒充老板诈骗",
                "body": "务必电话核实。",
                "kind": "fraud_pattern",
                "township_ids": [taoxi],
            },
        ),
        201,
    )
    (delivery,) = issued["deliveries"]
    assert delivery["state"] == "queued" and issued["counts"]["queued"] == 1
    not_yet = error(
        officer.post(f"/api/enterprises/deliveries/{delivery['id']}/acknowledge", {"method": "phone"}), 400
    )
    assert "只能以上门告知" in not_yet["detail"]
    settings.JINGWU_SMS_COMMAND = "true"
    assert outbox_deliver().sent == 1
    acknowledged = ok(
        officer.post(f"/api/enterprises/deliveries/{delivery['id']}/acknowledge", {"method": "phone"})
    )
    assert acknowledged["state"] == "acknowledged" and acknowledged["attempts"] == 1
    again = ok(leader.get(f"/api/enterprises/bulletins/{issued['id']}"))
    assert again["counts"]["acknowledged"] == 1
    error(officer.post(f"/api/enterprises/deliveries/{delivery['id']}/resend"), 409)


def test_the_demo_enterprises_over_real_http(http_server: str) -> None:
    def token(username: str) -> str:
        status, body = http_json(
            http_server,
            "POST",
            "/api/auth/token",
            body={"username": username, "password": "jingwu-demo-2026"},
        )
        assert status == 200, body
        return body["token"]

    leader = token("leader")
    status, listed = http_json(http_server, "GET", "/api/enterprises?limit=200", token=leader)
    assert status == 200 and listed["count"] >= 15
    assert all("****" in e["contact_phone"] for e in listed["items"] if e["contact_phone"])
    status, bulletins = http_json(http_server, "GET", "/api/enterprises/bulletins", token=leader)
    assert status == 200 and {b["kind"] for b in bulletins} >= {"fraud_pattern", "typical_case"}
    states: set[str] = set()
    for bulletin in bulletins:
        status, detail = http_json(
            http_server, "GET", f"/api/enterprises/bulletins/{bulletin['id']}", token=leader
        )
        assert status == 200 and detail["counts"]["total"] == len(detail["deliveries"]) > 0
        states |= {d["state"] for d in detail["deliveries"]}
    assert {"sent", "acknowledged", "retrying"} <= states
    status, parks = http_json(http_server, "GET", "/api/enterprises/parks", token=leader)
    assert status == 200 and "武平高新技术产业园区" in {p["name"] for p in parks}
    # The station officer sees his station's enterprises only; another role is refused.
    status, mine = http_json(http_server, "GET", "/api/enterprises", token=token("officer"))
    assert status == 200 and mine["count"] >= 1 and {e["township"] for e in mine["items"]} == {"桃溪镇"}
    status, body = http_json(http_server, "GET", "/api/enterprises", token=token("auditor"))
    assert status == 403 and body["detail"] == "无权执行此操作"
    outsider = next(e for e in listed["items"] if e["township"] != "桃溪镇")
    status, _ = http_json(http_server, "GET", f"/api/enterprises/{outsider['id']}", token=token("officer"))
    assert status == 404
