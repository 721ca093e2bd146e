"""Ecological policing over the API (/api/ecology): a patrol with a finding handed on as an incident, a
transfer received and refused without reasons (Chinese errors), the threshold check, scoping; and the demo
bureau over real HTTP (the overdue zone, the two decided transfers, the campaign's tally)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from jingwu.cases.offences import find_offence
from jingwu.geo.models import Division
from jingwu.org.models import Unit, User
from tests.api.helpers import http_json, login

TAOXI, XIANGDIAN = "350824105000", "350824113000"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    return response.json()


@pytest.mark.django_db
def test_patrol_finding_and_transfer_over_the_api() -> None:
    leader = login("leader")
    officer = User.objects.get(username="officer")
    from jingwu.ecology import services

    zone = services.zone_create(
        actor=User.objects.get(username="leader"),
        code="LQ-API-01",
        name="接口测试林区",
        township_id=Division.objects.get(code=TAOXI).pk,
        village_ids=list(Division.objects.filter(parent__code=TAOXI).values_list("pk", flat=True)[:2]),
    )
    api = login("officer")
    now = timezone.now()
    created = ok(
        api.post(
            f"/api/ecology/zones/{zone.pk}/patrols",
            {
                "started_at": (now - timedelta(hours=3)).isoformat(),
                "ended_at": (now - timedelta(hours=1)).isoformat(),
                "officer_ids": [officer.pk],
                "route_points": [[25.1, 116.1], [25.12, 116.11]],
                "findings": [{"kind": "illegal_logging", "description": "发现新伐杉木桩12个"}],
            },
        ),
        201,
    )
    converted = ok(api.post(f"/api/ecology/findings/{created['finding_ids'][0]}/incident", {}))
    assert converted["incident_number"].startswith("J350824")
    assert error(api.post(f"/api/ecology/findings/{created['finding_ids'][0]}/incident", {}), 409)["detail"]
    listed = ok(api.get("/api/ecology/zones"))
    assert [z["code"] for z in listed] == ["LQ-API-01"] and listed[0]["last_patrol_on"]
    assert ok(leader.get(f"/api/ecology/zones/{zone.pk}"))["patrols"][0]["findings"][0]["incident_id"]
    assert error(login("pingchuan_officer").get(f"/api/ecology/zones/{zone.pk}"), 404)["detail"] == "未找到"
    assert error(login("mediator").get("/api/ecology/zones"), 403)["detail"] == "无权执行此操作"

    wubei = login("wubei_officer")
    body = {
        "agency_id": Unit.objects.get(code="ext-lyj").pk,
        "letter_number": "武林移〔2026〕API号",
        "township_id": Division.objects.get(code=XIANGDIAN).pk,
        "offence_code": find_offence("盗伐林木罪", "criminal").code,
        "facts": "盗伐杉木",
        "materials": "移送书",
        "quantities": {"standing_volume_m3": "3", "saplings": 80},
    }
    transfer = ok(wubei.post("/api/ecology/transfers", body), 201)
    assert transfer["state"] == "received" and transfer["thresholds"]["met"] is True  # 3/5 + 80/200 = 1
    refused = error(
        login("legal_officer").post(
            f"/api/ecology/transfers/{transfer['id']}/decision", {"decision": "refuse", "reason": ""}
        ),
        400,
    )
    assert refused == {"detail": "不予立案须写明理由", "errors": {"reason": "请写明不予立案的理由"}}
    assessed = ok(
        api.post(
            "/api/ecology/thresholds/assess",
            {"charge": "滥伐林木罪", "quantities": {"standing_volume_m3": "100"}},
        )
    )
    assert assessed["assessment"]["level"] == "数量巨大"


def test_the_demo_bureau_over_real_http(http_server: str) -> None:
    status, token = http_json(
        http_server, "POST", "/api/auth/token", body={"username": "leader", "password": "jingwu-demo-2026"}
    )
    assert status == 200
    status, zones = http_json(http_server, "GET", "/api/ecology/zones", token=token["token"])
    assert status == 200 and len(zones) == 5 and all(len(z["chiefs"]) == 3 for z in zones)
    # Only 桃溪's zone was left unpatrolled beyond its 14-day cycle (the browser test may have patrolled
    # it since, on the same server).
    overdue = {z["code"]: z["overdue"] for z in zones}
    assert not any(v for code, v in overdue.items() if code != "LQ-TX-01")
    taoxi = next(z for z in zones if z["code"] == "LQ-TX-01")
    last = date.fromisoformat(taoxi["last_patrol_on"])
    assert taoxi["overdue"] == (timezone.localdate() > last + timedelta(days=14))
    status, transfers = http_json(http_server, "GET", "/api/ecology/transfers", token=token["token"])
    assert status == 200
    by_letter = {t["letter_number"]: t for t in transfers}
    assert (
        by_letter["武林移〔2026〕7号"]["state"] == "notified"
        and by_letter["武林移〔2026〕7号"]["decision"] == "accept"
    )
    assert by_letter["武林移〔2026〕9号"]["decision"] == "refuse"
    status, detail = http_json(
        http_server,
        "GET",
        f"/api/ecology/transfers/{by_letter['武林移〔2026〕7号']['id']}",
        token=token["token"],
    )
    assert detail["thresholds"]["met"] is True and detail["quantities"]["standing_volume_m3"] == "25.000"
    assert {d["rule_id"]: d["status"] for d in detail["deadlines"]}["TR-003"] == "met"
    status, campaigns = http_json(http_server, "GET", "/api/ecology/campaigns", token=token["token"])
    shouqing = next(c for c in campaigns if "守青山" in c["name"])
    status, tally = http_json(
        http_server, "GET", f"/api/ecology/campaigns/{shouqing['id']}/tally", token=token["token"]
    )
    assert status == 200 and tally["total"]["cases"] >= 2 and tally["total"]["incidents"] >= 1
