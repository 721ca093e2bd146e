"""Dispute mediation over the API (/api/disputes, issue 7): registration to closure with bearer tokens,
the refusal of police mediation for an ineligible case, masking, scoping (mediator, other station),
the agreement PDF, the resolution rate; and the same on a real HTTP server with the demo bureau."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from jingwu.cases.models import Case
from jingwu.geo.models import Division
from jingwu.org.models import User
from tests.api.helpers import http_json, login, wuping_id

TAOXI_VILLAGE = "350824105201"  # 桃溪镇 桃溪村委会


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"] and isinstance(body["errors"], dict)
    return body


def dispute_body(**fields: Any) -> dict[str, Any]:
    return {
        "source": "walk_in",
        "kind": "neighbour",
        "village_id": Division.objects.get(code=TAOXI_VILLAGE).pk,
        "description": "两户因宅基地滴水发生争执，双方推搡。",
        "relationship": "邻居",
        "amount": "1500.00",
        "parties": [
            {"role": "applicant", "name": "钟接甲", "id_number": wuping_id(811), "phone": "13800001234"},
            {"role": "respondent", "name": "刘接乙", "phone": "13800005678"},
        ],
        **fields,
    }


@pytest.mark.django_db
def test_registration_to_closure_over_the_api() -> None:
    officer = login("officer")
    created = ok(officer.post("/api/disputes", dispute_body()), 201)
    assert created["status"] == "registered" and created["risk_suggested"] == "medium"
    assert created["parties"][0]["id_number"] == wuping_id(811)[:6] + "********" + wuping_id(811)[-4:]
    assert created["parties"][1]["phone"] == "138****5678"
    dispute_id = created["id"]
    mediator = User.objects.get(username="mediator")
    routed = ok(
        officer.post(f"/api/disputes/{dispute_id}/route", {"route": "people", "mediator_id": mediator.pk})
    )
    assert routed["status"] == "in_mediation" and routed["route"]["mediator_id"] == mediator.pk
    as_mediator = login("mediator")
    ok(
        as_mediator.post(
            f"/api/disputes/{dispute_id}/sessions",
            {"place": "县人民调解委员会", "participants": "双方", "summary": "达成一致", "result": "agreed"},
        ),
        201,
    )
    today = timezone.localdate()
    agreed = ok(
        as_mediator.post(
            f"/api/disputes/{dispute_id}/agreement",
            {"terms": [{"text": "赔偿损失", "amount": "800", "due_on": today.isoformat()}]},
        ),
        201,
    )
    assert agreed["status"] == "agreed"
    (agreement,) = agreed["agreements"]
    assert agreement["judicial_confirmation"]["due_on"] >= (today + timedelta(days=30)).isoformat()
    pdf = as_mediator.get(f"/api/disputes/agreements/{agreement['id']}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    (visit,) = agreed["follow_ups"]
    closed = ok(as_mediator.post(f"/api/disputes/{dispute_id}/follow-ups/{visit['id']}", {"performed": True}))
    assert closed["status"] == "closed"
    rate = ok(
        login("chief").get(
            "/api/disputes/resolution-rate", start=today.isoformat(), end=today.isoformat(), by="bureau"
        )
    )
    assert rate["rows"][0]["resolved"] >= 1


@pytest.mark.django_db
def test_refusals_and_scope_over_the_api() -> None:
    officer = login("officer")
    error(officer.post("/api/disputes", {"kind": "neighbour"}), 422)
    refused = error(officer.post("/api/disputes", dispute_body(kind="nonsense")), 400)
    assert refused["errors"]["kind"] == "请选择纠纷类型"
    created = ok(officer.post("/api/disputes", dispute_body()), 201)
    theft = ok(
        officer.post(
            "/api/cases",
            {
                "kind": "administrative",
                "title": "桃溪村民盗窃案",
                "facts": "村民家中鸡被盗",
                "source": "walk_in",
                "offence_code": "A-theft",
            },
        ),
        201,
    )
    refusal = error(
        officer.post(f"/api/disputes/{created['id']}/route", {"route": "police", "case_id": theft["id"]}), 400
    )
    assert "不属于可以治安调解" in refusal["detail"] and Case.objects.filter(pk=theft["id"]).exists()
    error(login("pingchuan_officer").get(f"/api/disputes/{created['id']}"), 404)
    error(login("auditor").get("/api/disputes"), 403)
    listed = ok(login("mediator").get("/api/disputes", limit=200))
    assert created["id"] not in {d["id"] for d in listed["items"]}


@pytest.mark.e2e
def test_the_demo_bureau_over_real_http(http_server: str) -> None:
    """The mediator sees only what was referred to them; the leader gets the bureau-wide rate."""
    status, token = http_json(
        http_server, "POST", "/api/auth/token", body={"username": "mediator", "password": "jingwu-demo-2026"}
    )
    assert status == 200
    status, listed = http_json(http_server, "GET", "/api/disputes?limit=200", token=token["token"])
    assert status == 200 and listed["count"] > 0
    mediator_ids = set()
    for item in listed["items"]:
        status, detail = http_json(http_server, "GET", f"/api/disputes/{item['id']}", token=token["token"])
        assert status == 200
        mediator_ids |= {r["mediator_id"] for r in detail["routes"] if r["mediator_id"]}
    assert len(mediator_ids) == 1  # every one of them was referred to this mediator
    status, leader = http_json(
        http_server, "POST", "/api/auth/token", body={"username": "leader", "password": "jingwu-demo-2026"}
    )
    year = timezone.localdate().year
    status, rate = http_json(
        http_server,
        "GET",
        f"/api/disputes/resolution-rate?start={year - 1}-01-01&end={timezone.localdate()}&by=township",
        token=leader["token"],
    )
    assert status == 200
    assert sum(r["registered"] for r in rate["rows"]) >= 25
    assert any(r["label"] == "桃溪镇" for r in rate["rows"])
    status, body = http_json(
        http_server, "GET", "/api/disputes/resolution-rate?start=x&end=y", token=token["token"]
    )
    assert status == 422 and body["errors"]["start"] == "日期格式不正确"
