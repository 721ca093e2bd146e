"""Seized property over the API (/api/property, issue 6): registration, movements with their refusals as
JSON, the label (the QR code carries the label code only), a scan, scope; and over real HTTP against the
demo bureau, the property keeper handing in the timber that the chain-break report flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
import segno
from django.utils import timezone

from jingwu.cases import services as case_services
from jingwu.cases.offences import find_offence
from jingwu.org.demo import DEMO_PASSWORD
from jingwu.org.models import User
from jingwu.property import services
from tests.api.helpers import AuditLog, http_json


@pytest.fixture
def case(db):
    officer = User.objects.select_related("unit").get(username="officer")
    case = case_services.case_accept(
        actor=officer, kind="criminal", title="桃溪村电动车被盗案", facts="电动车被盗", source="walk_in"
    )
    return case_services.case_assign(
        actor=User.objects.get(username="legal_officer"),
        case_id=case.pk,
        version=case.version,
        kind="criminal",
        offence_code=find_offence("盗窃罪", "criminal").code,
        is_major=False,
        lead_officer_id=officer.pk,
    )


@pytest.fixture
def shelf(db, settings, tmp_path):
    settings.JINGWU_FILES_ROOT = tmp_path / "files"
    keeper = User.objects.select_related("unit").get(username="property_keeper")
    return services.location_create(actor=keeper, room="A", shelf="02", box="03")


ITEM = {
    "description": "蓝色雅迪电动车一辆",
    "category": "vehicle",
    "quantity": "1",
    "measure_unit": "辆",
    "estimated_value": "2800.00",
    "seizure_kind": "seized",
    "seizure_document": "武公（刑）扣字〔2026〕15号",
}


def test_register_move_and_label_over_the_api(api_as, audit: AuditLog, case, shelf) -> None:
    officer, keeper = api_as("officer"), api_as("property_keeper")
    seized = (timezone.now() - timedelta(hours=2)).isoformat()
    response = officer.post("/api/property", {**ITEM, "case_id": case.pk, "seized_at": seized})
    assert response.status_code == 201, response.content
    item = response.json()
    assert (item["state"], item["chain"][0]["kind"]) == ("with_officer", "seized")

    move = {"handed_over_by": "民警", "received_by": "管理员", "reason": "移交"}
    refused = keeper.post(f"/api/property/{item['id']}/movements", {**move, "kind": "into_room"})
    assert refused.status_code == 400 and "location_id" in refused.json()["errors"]
    moved = keeper.post(
        f"/api/property/{item['id']}/movements", {**move, "kind": "into_room", "location_id": shelf.pk}
    )
    assert moved.status_code == 201 and moved.json()["location"] == "A-02-03"
    again = keeper.post(
        f"/api/property/{item['id']}/movements", {**move, "kind": "into_room", "location_id": shelf.pk}
    )
    assert again.status_code == 409
    no_decision = keeper.post(f"/api/property/{item['id']}/movements", {**move, "kind": "confiscation"})
    assert no_decision.status_code == 400 and no_decision.json()["errors"] == {
        "document_number": "处置须有决定文书，请填写文号"
    }

    label = keeper.get(f"/api/property/{item['id']}/label").json()
    assert label["qr_payload"] == label["label_code"] == item["label_code"]
    assert label["qr_svg"] == segno.make_qr(item["label_code"], error="m").svg_inline(
        scale=4, dark="#000", light="#fff"
    )
    scanned = keeper.get(f"/api/property/labels/{item['label_code']}")
    assert scanned.status_code == 200 and scanned.json()["id"] == item["id"]
    listed = keeper.get("/api/property", state="in_room").json()
    assert [i["label_code"] for i in listed["items"]] == [item["label_code"]]
    assert len(audit.entries("property.move")) == 1
    assert len(audit.entries("property.scan")) == 1

    # Scope and roles: another station's officer gets 404, the leader reads but may not move.
    assert api_as("pingchuan_officer").get(f"/api/property/{item['id']}").status_code == 404
    leader = api_as("leader")
    assert leader.get(f"/api/property/{item['id']}").status_code == 200
    assert (
        leader.post(
            f"/api/property/{item['id']}/movements", {**move, "kind": "out_to_court", "destination": "法院"}
        ).status_code
        == 403
    )
    assert api_as("mediator").get("/api/property").status_code == 403


def test_the_demo_timber_is_flagged_and_handed_in_over_real_http(http_server: str) -> None:
    def token(username: str) -> str:
        status, body = http_json(
            http_server, "POST", "/api/auth/token", body={"username": username, "password": DEMO_PASSWORD}
        )
        assert status == 200, body
        return body["token"]

    keeper = token("property_keeper")
    status, anomalies = http_json(http_server, "GET", "/api/property/anomalies", keeper)
    assert status == 200
    late = [a for a in anomalies if a["kind"] == "not_handed_in"]
    assert late, anomalies
    timber = late[0]["item_id"]
    status, item = http_json(http_server, "GET", f"/api/property/{timber}", keeper)
    assert item["category"] == "timber" and item["state"] == "with_officer"
    assert any(d["rule_id"] == "PR-001" and d["status"] == "breach" for d in item["deadlines"])

    status, locations = http_json(http_server, "GET", "/api/property/locations", keeper)
    yard = next(loc for loc in locations if loc["code"] == "D-01")
    status, moved = http_json(
        http_server,
        "POST",
        f"/api/property/{timber}/movements",
        keeper,
        body={
            "kind": "into_room",
            "location_id": yard["id"],
            "handed_over_by": "办案民警",
            "received_by": "饶秀兰",
            "reason": "逾期移交，已说明情况",
        },
    )
    assert status == 201, moved
    assert moved["state"] == "in_room" and moved["location"] == "D-01"
    assert any(d["rule_id"] == "PR-001" and d["status"] == "met_late" for d in moved["deadlines"])
    status, anomalies = http_json(http_server, "GET", "/api/property/anomalies", keeper)
    assert timber not in [a["item_id"] for a in anomalies if a["kind"] == "not_handed_in"]
    # Another station's officer learns nothing about it.
    status, _ = http_json(http_server, "GET", f"/api/property/{timber}", token("pingchuan_officer"))
    assert status == 404
