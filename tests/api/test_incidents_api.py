"""接处警 over the API (/api/incidents): intake with routing and idempotency keys (also across concurrent
requests on a real server), validation, scoped lists and details, the timeline steps to close."""

from __future__ import annotations

import csv
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from jingwu.audit.models import Outcome
from jingwu.incidents.models import Incident, IncidentStep
from jingwu.org.models import User
from jingwu.timeline.models import LegalEvent
from tests.api.helpers import Api, AuditLog, http_json, login

pytestmark = pytest.mark.django_db

DIVISIONS = (
    Path(__file__).resolve().parents[2] / "jingwu" / "data" / "divisions" / "wuping_350824_divisions.csv"
)
WUBEI_ROOM = "武北区域联合派出所综合指挥室"
CALLER_PHONE = "13912345678"
NUMBER = re.compile(r"^J350824\d{8}\d{6}$")


@cache
def _divisions() -> list[dict[str, str]]:
    with DIVISIONS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def township_code(name: str) -> str:
    [code] = [row["code12"] for row in _divisions() if row["level"] == "4" and row["name"] == name]
    return code


@cache
def villages_of(township: str) -> list[str]:
    """The village (level 5) codes of a township, in the file's order."""
    parent = township_code(township)
    codes = [row["code12"] for row in _divisions() if row["level"] == "5" and row["parent_code12"] == parent]
    assert codes, township
    return codes


def taoxi() -> str:
    return villages_of("桃溪镇")[0]


def pingchuan() -> str:
    return villages_of("平川街道")[0]


def word() -> str:
    """A word no other incident's narrative holds, to find this test's incidents with `q`."""
    return "标记" + uuid.uuid4().hex[:10]


def body(village_code: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "source": "phone_110",
        "village_code": village_code or taoxi(),
        "address": "村口小卖部旁",
        "category": "dispute",
        "subcategory": "neighbour",
        "priority": 2,
        "narrative": "邻居因排水沟堵塞发生争吵",
        "caller_name": "报警人甲",
        "caller_phone": CALLER_PHONE,
        **fields,
    }


def create(api: Api, payload: dict[str, Any], key: str | None = None) -> Any:
    """POST /api/incidents, with an Idempotency-Key header when `key` is given."""
    headers = {"Authorization": f"Bearer {api.token}"} if api.token else {}
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.client.post(
        "/api/incidents", data=json.dumps(payload), content_type="application/json", headers=headers
    )


def created(api: Api, payload: dict[str, Any] | None = None, key: str | None = None) -> dict[str, Any]:
    response = create(api, payload or body(), key)
    assert response.status_code == 201, response.content
    return response.json()


def step(api: Api, incident_id: int, kind: str, **fields: Any) -> Any:
    if isinstance(fields.get("at"), datetime):
        fields["at"] = fields["at"].isoformat()
    return api.post(f"/api/incidents/{incident_id}/events", {"kind": kind, **fields})


def ago(minutes: float) -> datetime:
    return timezone.now() - timedelta(minutes=minutes)


def roster(unit_code: str, number: int = 1) -> User:
    return User.objects.get(username=f"roster-{unit_code}-{number}")


TAOXI_TEAM = "wp-ps-350824105-sq"  # 桃溪社区警务队, commanded by the 武北 joint station
PINGCHUAN_TEAM = "wp-ps-350824001-sq"


@pytest.fixture
def dispatcher() -> Api:
    return login("dispatcher")


@pytest.fixture
def wubei() -> Api:
    return login("wubei_dispatcher")


# --- intake and routing -------------------------------------------------------------------------------


def test_create_routes_a_taoxi_village_to_the_wubei_command_room(dispatcher: Api, audit: AuditLog) -> None:
    before = timezone.now()
    response = create(dispatcher, body(narrative="邻居因排水沟堵塞发生争吵"))

    assert response.status_code == 201, response.content
    out = response.json()
    incident = Incident.objects.select_related("unit", "station", "caller").get(pk=out["id"])
    assert NUMBER.match(out["number"]) and out["number"].endswith(f"{incident.pk:06d}")
    assert out["number"][7:15] == f"{timezone.localtime(incident.received_at):%Y%m%d}"
    assert (out["unit"], out["unit_id"]) == (WUBEI_ROOM, incident.unit_id)
    assert incident.unit.code == "wp-wb-zh"
    assert out["station"] == incident.station.name and incident.station.code == "wp-ps-350824105"
    assert (out["village_code"], out["township"]) == (taoxi(), "桃溪镇")
    assert (out["status"], out["version"], out["area"]) == ("received", 1, "rural")
    assert out["kind_label"] and out["dispatched_at"] is None
    # received_at defaults to now
    assert before <= datetime.fromisoformat(out["received_at"]) <= timezone.now()
    # The caller is registered with the full phone; the answer carries it masked only.
    assert incident.caller.phone == CALLER_PHONE
    assert (out["caller_name"], out["caller_phone"]) == ("报警人甲", "139****5678")
    assert CALLER_PHONE not in response.content.decode()
    assert [s.kind for s in IncidentStep.objects.filter(incident=incident)] == ["received"]
    assert LegalEvent.objects.filter(
        subject_type="incident", subject_id=incident.pk, code="incident_received", incident=out["number"]
    ).exists()
    [entry] = audit.entries("incident.create", object_id=str(incident.pk))
    assert (entry.actor_username, entry.outcome) == ("dispatcher", Outcome.ALLOWED)


def test_a_pingchuan_village_goes_to_pingchuans_own_command_room(dispatcher: Api) -> None:
    out = created(dispatcher, body(pingchuan()))

    incident = Incident.objects.select_related("unit", "station").get(pk=out["id"])
    assert (incident.station.code, incident.unit.code) == ("wp-ps-350824001", "wp-ps-350824001-zh")
    assert out["unit"] == incident.unit.name != WUBEI_ROOM
    assert out["township"] == "平川街道"


def test_received_at_in_the_past_is_kept_and_dates_the_number(dispatcher: Api) -> None:
    received = timezone.localtime(ago(60 * 24 * 3)).replace(microsecond=0)

    out = created(dispatcher, body(received_at=received.isoformat()))

    assert datetime.fromisoformat(out["received_at"]) == received
    assert out["number"][7:15] == f"{received:%Y%m%d}"


# --- idempotency ----------------------------------------------------------------------------------------


def test_a_repeated_idempotency_key_returns_the_first_incident(dispatcher: Api, audit: AuditLog) -> None:
    key, marker = str(uuid.uuid4()), word()

    first = create(dispatcher, body(narrative=f"首次报警{marker}"), key)
    again = create(dispatcher, body(narrative=f"首次报警{marker}"), key)
    # A retry whose body differs still answers with the first result, never a second incident.
    changed = create(dispatcher, body(pingchuan(), narrative=f"改过的内容{marker}", priority=1), key)

    assert (first.status_code, again.status_code, changed.status_code) == (201, 200, 200)
    assert again.json() == first.json()
    assert changed.json()["id"] == first.json()["id"]
    assert changed.json()["unit"] == WUBEI_ROOM and changed.json()["priority"] == 2
    assert Incident.objects.filter(idempotency_key=key).count() == 1
    assert dispatcher.get("/api/incidents", q=marker).json()["count"] == 1
    assert len(audit.entries("incident.create")) == 1


def test_different_keys_or_no_key_make_separate_incidents(dispatcher: Api) -> None:
    marker = word()
    payload = body(narrative=f"同样内容{marker}")

    ids = {
        created(dispatcher, payload, str(uuid.uuid4()))["id"],
        created(dispatcher, payload, str(uuid.uuid4()))["id"],
        created(dispatcher, payload)["id"],
        created(dispatcher, payload)["id"],
    }

    assert len(ids) == 4
    assert dispatcher.get("/api/incidents", q=marker).json()["count"] == 4


def test_a_refused_intake_does_not_use_up_its_key(dispatcher: Api) -> None:
    key = str(uuid.uuid4())

    refused = create(dispatcher, body(priority=5), key)
    accepted = create(dispatcher, body(), key)

    assert (refused.status_code, accepted.status_code) == (400, 201)
    assert Incident.objects.filter(idempotency_key=key).count() == 1


def test_a_key_of_an_incident_outside_the_callers_scope_neither_leaks_nor_duplicates(dispatcher: Api) -> None:
    key = str(uuid.uuid4())
    first = created(dispatcher, body(narrative="桃溪的警情"), key)

    response = create(login("pingchuan_officer"), body(pingchuan(), narrative="平川的警情"), key)

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到", "errors": {}}
    assert list(Incident.objects.filter(idempotency_key=key).values_list("pk", flat=True)) == [first["id"]]


def test_a_key_of_80_characters_is_honoured(dispatcher: Api) -> None:
    key = "k" * 79 + uuid.uuid4().hex[:1]

    first, again = create(dispatcher, body(), key), create(dispatcher, body(), key)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


def test_an_overlong_idempotency_key_is_a_422_naming_the_header(dispatcher: Api) -> None:
    count = Incident.objects.count()

    response = create(dispatcher, body(), "k" * 81)

    assert response.status_code == 422, response.content
    assert response.json()["errors"] == {"Idempotency-Key": "最多80个字符"}
    assert Incident.objects.count() == count


def test_a_repeated_key_on_a_linked_call_records_the_call_once(dispatcher: Api) -> None:
    first = created(dispatcher)
    key = str(uuid.uuid4())
    payload = body(link_to=first["id"], narrative="又一人报警称争吵升级")

    responses = [create(dispatcher, payload, key), create(dispatcher, payload, key)]

    assert [(r.status_code, r.json()["id"]) for r in responses] == [(200, first["id"])] * 2
    assert IncidentStep.objects.filter(incident_id=first["id"], kind="linked_call").count() == 1


# --- validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"village_code": "350824999999"}, {"village_code": "请选择武平县的村（社区）"}),
        # A township is not a village: an incident is placed in a village or community.
        ({"village_code": "TOWNSHIP"}, {"village_code": "请选择武平县的村（社区）"}),
        ({"category": "traffic", "subcategory": "theft"}, {"subcategory": "警情类别或细类无效"}),
        ({"category": "nonsense", "subcategory": "theft"}, {"subcategory": "警情类别或细类无效"}),
        ({"priority": 5}, {"priority": "等级须为1至3"}),
        ({"priority": 0}, {"priority": "等级须为1至3"}),
        ({"source": "pigeon"}, {"source": "报警方式无效"}),
        ({"narrative": "   "}, {"narrative": "请填写简要警情"}),
        ({"caller_phone": "12345"}, None),
        (
            {"village_code": "350824999999", "priority": 4, "narrative": ""},
            {
                "village_code": "请选择武平县的村（社区）",
                "priority": "等级须为1至3",
                "narrative": "请填写简要警情",
            },
        ),
    ],
    ids=[
        "unknown-village",
        "township",
        "subcategory-of-other-category",
        "unknown-category",
        "priority-5",
        "priority-0",
        "source",
        "blank-narrative",
        "caller-phone",
        "several",
    ],
)
def test_invalid_intake_is_400_with_field_names_and_chinese_messages(
    dispatcher: Api, fields: dict[str, Any], errors: dict[str, str] | None
) -> None:
    if fields.get("village_code") == "TOWNSHIP":
        fields = {**fields, "village_code": township_code("桃溪镇")}
    count = Incident.objects.count()

    response = create(dispatcher, body(**fields), str(uuid.uuid4()))

    assert response.status_code == 400, response.content
    out = response.json()
    if errors is None:
        assert out["detail"] == "报警人信息有误" and set(out["errors"]) == {"caller_phone"}
        assert re.search(r"[\u4e00-\u9fff]", out["errors"]["caller_phone"])
    else:
        assert out == {"detail": "接警信息有误，请修改后再提交", "errors": errors}
    assert Incident.objects.count() == count


def test_a_missing_narrative_is_422_naming_the_field(dispatcher: Api) -> None:
    payload = body()
    del payload["narrative"]
    del payload["village_code"]

    response = create(dispatcher, payload)

    assert response.status_code == 422
    assert response.json() == {
        "detail": "请求参数有误，请检查后重试",
        "errors": {"narrative": "必填", "village_code": "必填"},
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"received_at": "FUTURE"}, "时间不能晚于当前时间"),
        ({"received_at": "2026-01-05T08:00:00"}, "时间须带时区"),
        ({"priority": "紧急"}, None),
    ],
    ids=["future", "naive", "priority-not-a-number"],
)
def test_impossible_reception_times_and_bad_types_are_refused(
    dispatcher: Api, fields: dict[str, Any], message: str | None
) -> None:
    if fields.get("received_at") == "FUTURE":
        fields = {"received_at": (timezone.now() + timedelta(hours=1)).isoformat()}
    count = Incident.objects.count()

    response = create(dispatcher, body(**fields))

    if message is None:
        assert response.status_code == 422
        assert response.json()["errors"] == {"priority": "应为整数"}
    else:
        assert response.status_code == 400
        assert response.json()["errors"] == {"received_at": message}
    assert Incident.objects.count() == count


# --- lists and details: scope and filters --------------------------------------------------------------


@pytest.fixture
def two_stations(dispatcher: Api) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """One incident in a 桃溪 village and one in a 平川 village, sharing a marker word."""
    marker = word()
    taoxi_incident = created(dispatcher, body(taoxi(), narrative=f"桃溪纠纷{marker}"))
    pingchuan_incident = created(dispatcher, body(pingchuan(), narrative=f"平川纠纷{marker}"))
    return marker, taoxi_incident, pingchuan_incident


@pytest.mark.parametrize(
    ("username", "sees"),
    [
        ("officer", {"taoxi"}),
        ("chief", {"taoxi"}),
        ("wubei_dispatcher", {"taoxi"}),
        ("wubei_officer", {"taoxi"}),
        ("pingchuan_officer", {"pingchuan"}),
        ("dispatcher", {"taoxi", "pingchuan"}),
        ("leader", {"taoxi", "pingchuan"}),
    ],
)
def test_the_list_is_scoped_to_the_callers_units(
    two_stations: tuple[str, dict[str, Any], dict[str, Any]], username: str, sees: set[str]
) -> None:
    marker, taoxi_incident, pingchuan_incident = two_stations
    ids = {"taoxi": taoxi_incident["id"], "pingchuan": pingchuan_incident["id"]}

    response = login(username).get("/api/incidents", q=marker)

    assert response.status_code == 200
    out = response.json()
    assert {i["id"] for i in out["items"]} == {ids[name] for name in sees}
    assert out["count"] == len(sees)
    assert all(i["caller_phone"] == "139****5678" for i in out["items"])


def test_detail_of_another_stations_incident_is_404_and_audited(
    two_stations: tuple[str, dict[str, Any], dict[str, Any]], audit: AuditLog
) -> None:
    _, taoxi_incident, pingchuan_incident = two_stations
    officer = login("officer")

    own = officer.get(f"/api/incidents/{taoxi_incident['id']}")
    other = officer.get(f"/api/incidents/{pingchuan_incident['id']}")
    missing = officer.get("/api/incidents/999999999")

    assert own.status_code == 200 and own.json()["id"] == taoxi_incident["id"]
    assert own.json()["caller_phone"] == "139****5678"
    assert (other.status_code, missing.status_code) == (404, 404)
    assert other.json() == missing.json() == {"detail": "未找到", "errors": {}}
    [viewed] = audit.entries("incident.view", object_id=str(taoxi_incident["id"]))
    assert (viewed.actor_username, viewed.outcome) == ("officer", Outcome.ALLOWED)
    [denied] = audit.entries("incident.view", object_id=str(pingchuan_incident["id"]), outcome=Outcome.DENIED)
    assert denied.actor_username == "officer"


def test_steps_on_another_stations_incident_are_404_and_change_nothing(
    two_stations: tuple[str, dict[str, Any], dict[str, Any]],
) -> None:
    _, _, pingchuan_incident = two_stations

    response = step(
        login("wubei_dispatcher"), pingchuan_incident["id"], "dispatched", officer_ids=[roster(TAOXI_TEAM).pk]
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到", "errors": {}}
    incident = Incident.objects.get(pk=pingchuan_incident["id"])
    assert (incident.status, incident.version, incident.officers.count()) == ("received", 1, 0)


def test_list_filters_by_category_priority_status_open_only_and_text(dispatcher: Api, wubei: Api) -> None:
    marker = word()
    dispute = created(dispatcher, body(narrative=f"纠纷{marker}", priority=2))
    theft = created(
        dispatcher,
        body(narrative=f"电动车被盗{marker}", category="criminal", subcategory="ebike_theft", priority=1),
    )
    fire = created(
        dispatcher,
        body(narrative=f"山上冒烟{marker}", category="fire_forest", subcategory="forest_fire", priority=1),
    )
    old = created(
        dispatcher, body(narrative=f"旧警情{marker}", priority=3, received_at=ago(60 * 24 * 10).isoformat())
    )
    responder = roster(TAOXI_TEAM).pk
    start = ago(60 * 24 * 10) + timedelta(minutes=1)
    for minutes, (kind, extra) in enumerate(
        [
            ("dispatched", {"officer_ids": [responder]}),
            ("arrived", {}),
            ("handled", {"disposition": "advice"}),
            ("closed", {}),
        ]
    ):
        assert step(wubei, old["id"], kind, at=start + timedelta(minutes=minutes), **extra).status_code == 200
    assert step(wubei, theft["id"], "dispatched", officer_ids=[responder]).status_code == 200

    def ids(**params: Any) -> set[int]:
        response = dispatcher.get("/api/incidents", q=marker, **params)
        assert response.status_code == 200, response.content
        out = response.json()
        assert out["count"] == len(out["items"])
        return {i["id"] for i in out["items"]}

    assert ids() == {dispute["id"], theft["id"], fire["id"], old["id"]}
    assert ids(category="criminal") == {theft["id"]}
    assert ids(category="dispute") == {dispute["id"], old["id"]}
    assert ids(priority=1) == {theft["id"], fire["id"]}
    assert ids(priority=1, category="fire_forest") == {fire["id"]}
    assert ids(status="dispatched") == {theft["id"]}
    assert ids(status="closed") == {old["id"]}
    assert ids(open_only="true") == {dispute["id"], theft["id"], fire["id"]}
    assert ids(date_to=(timezone.localdate() - timedelta(days=5)).isoformat()) == {old["id"]}
    assert ids(date_from=timezone.localdate().isoformat()) == {dispute["id"], theft["id"], fire["id"]}
    # Text: every word must match (narrative, or the village/township name, or the number).
    assert {i["id"] for i in dispatcher.get("/api/incidents", q=f"电动车 {marker}").json()["items"]} == {
        theft["id"]
    }
    assert dispatcher.get("/api/incidents", q=f"{marker} 平川街道").json()["count"] == 0
    assert dispatcher.get("/api/incidents", q=f"{marker} 桃溪镇").json()["count"] == 4
    assert [i["id"] for i in dispatcher.get("/api/incidents", q=fire["number"]).json()["items"]] == [
        fire["id"]
    ]
    # By unit: the dispatching unit or the station whose territory it is.
    wubei_room, taoxi_station = Incident.objects.values_list("unit_id", "station_id").get(pk=dispute["id"])
    elsewhere = created(dispatcher, body(pingchuan(), narrative=f"平川{marker}"))
    pingchuan_station = Incident.objects.get(pk=elsewhere["id"]).station_id
    everything_in_taoxi = {dispute["id"], theft["id"], fire["id"], old["id"]}
    assert ids(unit_id=wubei_room) == ids(unit_id=taoxi_station) == everything_in_taoxi
    assert ids(unit_id=pingchuan_station) == {elsewhere["id"]}


def test_the_list_is_newest_first_and_paginated(dispatcher: Api) -> None:
    marker = word()
    made = [
        created(dispatcher, body(narrative=f"第{n}起{marker}", received_at=ago(30 - n).isoformat()))["id"]
        for n in range(3)
    ]

    first = dispatcher.get("/api/incidents", q=marker, limit=2)
    rest = dispatcher.get("/api/incidents", q=marker, limit=2, offset=2)

    assert (first.json()["count"], first.json()["limit"], rest.json()["offset"]) == (3, 2, 2)
    assert [i["id"] for i in first.json()["items"] + rest.json()["items"]] == made[::-1]


@pytest.mark.parametrize(
    "params", [{"priority": 4}, {"limit": 0}, {"limit": 201}, {"offset": -1}, {"open_only": "perhaps"}]
)
def test_bad_list_parameters_are_422_naming_the_parameter(dispatcher: Api, params: dict[str, Any]) -> None:
    response = dispatcher.get("/api/incidents", **params)

    assert response.status_code == 422
    assert set(response.json()["errors"]) == set(params)


# --- the timeline ---------------------------------------------------------------------------------------


def test_dispatch_arrive_handle_close_each_advance_the_incident(wubei: Api, audit: AuditLog) -> None:
    now = timezone.now()
    incident = created(wubei, body(received_at=(now - timedelta(minutes=40)).isoformat()))
    pk = incident["id"]
    responder = roster(TAOXI_TEAM)
    officer = login("officer")  # 桃溪: the attending station records arrival and disposition

    def at(minutes_ago: int) -> datetime:
        return now - timedelta(minutes=minutes_ago)

    dispatched = step(wubei, pk, "dispatched", at=at(35), officer_ids=[responder.pk], note="派桃溪社区民警")
    acknowledged = step(officer, pk, "acknowledged", at=at(34))
    arrived = step(officer, pk, "arrived", at=at(20))
    handled = step(officer, pk, "handled", at=at(10), disposition="advice", note="双方已和解")
    closed = step(wubei, pk, "closed")

    responses = [dispatched, acknowledged, arrived, handled, closed]
    assert [r.status_code for r in responses] == [200] * 5, [r.content for r in responses]
    outs = [r.json() for r in responses]
    assert [o["status"] for o in outs] == ["dispatched", "acknowledged", "arrived", "handled", "closed"]
    assert [o["version"] for o in outs] == [2, 3, 4, 5, 6]
    assert outs[0]["dispatched_at"] is not None and outs[0]["arrived_at"] is None
    assert outs[2]["arrived_at"] is not None and outs[2]["dispatched_at"] == outs[0]["dispatched_at"]
    assert (outs[3]["disposition"], outs[4]["disposition"]) == ("advice", "advice")
    assert outs[4]["closed_at"] is not None
    assert all(o["caller_phone"] == "139****5678" for o in outs)

    row = Incident.objects.get(pk=pk)
    assert list(row.officers.all()) == [responder]
    assert row.disposition_note == "双方已和解"
    assert row.arrived_at - row.dispatched_at == timedelta(minutes=15)
    assert list(row.steps.values_list("kind", flat=True)) == [
        "received",
        "dispatched",
        "acknowledged",
        "arrived",
        "handled",
        "closed",
    ]
    codes = LegalEvent.objects.filter(subject_type="incident", subject_id=pk).order_by("at")
    assert list(codes.values_list("code", flat=True)) == [
        "incident_received",
        "incident_dispatched",
        "incident_arrived",
    ]
    assert [e.actor_username for e in audit.entries("incident.dispatched", object_id=str(pk))] == [
        "wubei_dispatcher"
    ]
    assert [e.actor_username for e in audit.entries("incident.arrived", object_id=str(pk))] == ["officer"]
    assert [e.actor_username for e in audit.entries("incident.closed", object_id=str(pk))] == [
        "wubei_dispatcher"
    ]
    assert wubei.get(f"/api/incidents/{pk}").json() == outs[4]


def test_dispatch_needs_officers_within_the_dispatching_units_command(wubei: Api) -> None:
    pk = created(wubei)["id"]

    nobody = step(wubei, pk, "dispatched")
    outsider = step(wubei, pk, "dispatched", officer_ids=[roster(PINGCHUAN_TEAM).pk])
    unknown = step(wubei, pk, "dispatched", officer_ids=[999999999])

    assert [r.status_code for r in (nobody, outsider, unknown)] == [400, 400, 400]
    assert nobody.json()["errors"] == {"officers": "请选择处警民警"}
    assert outsider.json() == {
        "detail": "只能指派本单位或统一指挥范围内的民警",
        "errors": {"officers": "所选民警不在指挥范围内"},
    }
    assert unknown.json()["errors"] == {"officers": "所选民警不在指挥范围内"}
    incident = Incident.objects.get(pk=pk)
    assert (incident.status, incident.version, incident.officers.count()) == ("received", 1, 0)
    # Any of the joint station's member stations may be sent: 永平's community team too.
    yongping = roster("wp-ps-" + township_code("永平镇")[:9] + "-sq")
    assert step(wubei, pk, "dispatched", officer_ids=[yongping.pk]).json()["status"] == "dispatched"


def test_arrived_before_dispatched_is_a_409_with_a_chinese_message(wubei: Api) -> None:
    pk = created(wubei)["id"]

    response = step(login("officer"), pk, "arrived")

    assert response.status_code == 409
    out = response.json()
    assert out["detail"] == "当前状态为“已接警”，不能执行“到场”"
    assert out["errors"] == {"kind": out["detail"]}
    incident = Incident.objects.get(pk=pk)
    assert (incident.status, incident.arrived_at, incident.version) == ("received", None, 1)


def test_a_step_dated_before_the_previous_one_is_refused(wubei: Api) -> None:
    pk = created(wubei, body(received_at=ago(30).isoformat()))["id"]
    assert step(wubei, pk, "dispatched", at=ago(20), officer_ids=[roster(TAOXI_TEAM).pk]).status_code == 200

    before_dispatch = step(wubei, pk, "arrived", at=ago(25))
    before_reception = step(wubei, pk, "note", at=ago(60), note="补记")
    before_self = step(wubei, pk, "dispatched", at=ago(22), officer_ids=[roster(TAOXI_TEAM, 2).pk])

    for response in (before_dispatch, before_reception, before_self):
        assert response.status_code == 400
        assert response.json()["detail"] == "时间不能早于上一处警节点"
        assert set(response.json()["errors"]) == {"at"}
    incident = Incident.objects.get(pk=pk)
    assert (incident.status, incident.arrived_at) == ("dispatched", None)


def test_a_step_in_the_future_is_refused_beyond_clock_skew(wubei: Api) -> None:
    pk = created(wubei)["id"]

    future = step(
        wubei, pk, "dispatched", at=timezone.now() + timedelta(hours=1), officer_ids=[roster(TAOXI_TEAM).pk]
    )
    naive = step(wubei, pk, "dispatched", at="2026-01-05T08:00:00", officer_ids=[roster(TAOXI_TEAM).pk])

    assert future.status_code == 400
    assert future.json() == {"detail": "时间不能晚于当前时间", "errors": {"at": "时间不能晚于当前时间"}}
    assert (naive.status_code, naive.json()["errors"]) == (400, {"at": "时间须带时区"})
    assert Incident.objects.get(pk=pk).status == "received"
    # A terminal whose clock runs a few seconds ahead is tolerated.
    skewed = step(
        wubei,
        pk,
        "dispatched",
        at=timezone.now() + timedelta(seconds=30),
        officer_ids=[roster(TAOXI_TEAM).pk],
    )
    assert (skewed.status_code, skewed.json()["status"]) == (200, "dispatched")


def test_a_closed_incident_refuses_further_steps(wubei: Api) -> None:
    pk = created(wubei, body(received_at=ago(30).isoformat()))["id"]
    for kind, extra in [
        ("dispatched", {"officer_ids": [roster(TAOXI_TEAM).pk]}),
        ("arrived", {}),
        ("handled", {"disposition": "no_action"}),
        ("closed", {}),
    ]:
        assert step(wubei, pk, kind, **extra).status_code == 200

    responses = [
        step(wubei, pk, "dispatched", officer_ids=[roster(TAOXI_TEAM).pk]),
        step(wubei, pk, "note", note="补充说明"),
        step(wubei, pk, "closed"),
        step(wubei, pk, "handled", disposition="criminal_case"),
    ]

    assert [r.status_code for r in responses] == [409] * 4
    assert {r.json()["detail"] for r in responses} == {"警情已结束，不能再添加处警节点"}
    incident = Incident.objects.get(pk=pk)
    assert (incident.status, incident.version, incident.disposition) == ("closed", 5, "no_action")
    assert incident.steps.count() == 5
    # A repeated call cannot be linked to a closed incident either.
    linked = create(wubei, body(link_to=pk))
    assert linked.status_code == 409 and linked.json()["detail"] == "警情已结束，不能再添加处警节点"


@pytest.mark.parametrize(
    ("kind", "fields", "errors"),
    [
        ("teleported", {}, {"kind": "处警节点无效"}),
        ("received", {}, {"kind": "处警节点无效"}),
        ("linked_call", {}, {"kind": "处警节点无效"}),
        ("handled", {"disposition": ""}, {"disposition": "请选择处置结果"}),
        ("handled", {"disposition": "shrugged"}, {"disposition": "请选择处置结果"}),
    ],
)
def test_bad_steps_are_400_naming_the_field(
    wubei: Api, kind: str, fields: dict[str, Any], errors: dict[str, str]
) -> None:
    pk = created(wubei, body(received_at=ago(30).isoformat()))["id"]
    if kind == "handled":
        step(wubei, pk, "dispatched", at=ago(20), officer_ids=[roster(TAOXI_TEAM).pk])
        step(wubei, pk, "arrived", at=ago(10))

    response = step(wubei, pk, kind, **fields)

    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert Incident.objects.get(pk=pk).handled_at is None


def test_a_repeated_call_links_to_the_open_incident(wubei: Api) -> None:
    first = created(wubei)

    response = create(
        wubei, body(link_to=first["id"], narrative="又一人报警称争吵升级", caller_phone="13700001111")
    )

    assert response.status_code == 200
    assert response.json()["id"] == first["id"]
    kinds = list(IncidentStep.objects.filter(incident_id=first["id"]).values_list("kind", "note"))
    assert kinds == [("received", ""), ("linked_call", "又一人报警称争吵升级")]


def test_reroute_records_the_new_unit_and_needs_a_reason(dispatcher: Api, wubei: Api) -> None:
    pk = created(dispatcher)["id"]
    pingchuan_station = Incident.objects.get(pk=created(dispatcher, body(pingchuan()))["id"]).unit

    no_reason = step(dispatcher, pk, "rerouted", to_unit_id=pingchuan_station.pk)
    out_of_scope = step(wubei, pk, "rerouted", to_unit_id=pingchuan_station.pk, note="改派")
    rerouted = step(dispatcher, pk, "rerouted", to_unit_id=pingchuan_station.pk, note="报警人实际在县城")

    assert (no_reason.status_code, no_reason.json()["errors"]) == (400, {"note": "请说明改派原因"})
    assert (out_of_scope.status_code, out_of_scope.json()["errors"]) == (
        400,
        {"to_unit": "该单位不在您的指挥范围内"},
    )
    assert rerouted.status_code == 200
    assert (rerouted.json()["unit_id"], rerouted.json()["status"]) == (pingchuan_station.pk, "received")
    [row] = IncidentStep.objects.filter(incident_id=pk, kind="rerouted")
    assert (row.from_unit.code, row.to_unit_id, row.note) == (
        "wp-wb-zh",
        pingchuan_station.pk,
        "报警人实际在县城",
    )
    # The new dispatching unit now sees it.
    assert login("pingchuan_officer").get(f"/api/incidents/{pk}").status_code == 200


# --- roles and authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["auditor", "assistant", "mediator", "procurator"])
def test_roles_without_incident_create_get_403(username: str, dispatcher: Api, audit: AuditLog) -> None:
    pk = created(dispatcher)["id"]
    api = login(username)
    count = Incident.objects.count()

    responses = [create(api, body(), str(uuid.uuid4())), step(api, pk, "note", note="看看")]

    assert [r.status_code for r in responses] == [403, 403]
    assert all(r.json() == {"detail": "无权执行此操作", "errors": {}} for r in responses)
    assert Incident.objects.count() == count
    assert [e.actor_username for e in audit.entries("incident.create", outcome=Outcome.DENIED)] == [username]


@pytest.mark.parametrize("username", ["auditor", "assistant"])
def test_roles_without_incident_view_cannot_list_or_read(username: str, dispatcher: Api) -> None:
    pk = created(dispatcher)["id"]
    api = login(username)

    responses = [api.get("/api/incidents"), api.get(f"/api/incidents/{pk}")]

    assert [r.status_code for r in responses] == [403, 403]
    assert all(r.json()["detail"] == "无权执行此操作" for r in responses)


def test_an_officer_may_take_a_call_and_attend_but_not_dispatch_or_close(audit: AuditLog) -> None:
    officer = login("officer")
    out = created(officer, body(received_at=ago(20).isoformat()))

    dispatch = step(officer, out["id"], "dispatched", officer_ids=[roster(TAOXI_TEAM).pk])

    assert out["unit"] == WUBEI_ROOM
    assert dispatch.status_code == 403
    assert Incident.objects.get(pk=out["id"]).status == "received"
    [denied] = audit.entries("incident.dispatch", outcome=Outcome.DENIED)
    assert denied.actor_username == "officer"


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_no_or_bad_token_is_401_everywhere(dispatcher: Api, token: str | None) -> None:
    pk = created(dispatcher)["id"]
    anonymous = Api(token)
    count = Incident.objects.count()

    responses = [
        create(anonymous, body(), str(uuid.uuid4())),
        anonymous.get("/api/incidents"),
        anonymous.get(f"/api/incidents/{pk}"),
        step(anonymous, pk, "note", note="匿名"),
    ]

    assert [r.status_code for r in responses] == [401] * 4
    assert all(r.json()["detail"].startswith("未登录") and r.json()["errors"] == {} for r in responses)
    assert all(r["WWW-Authenticate"] == 'Bearer realm="jingwu"' for r in responses)
    assert Incident.objects.count() == count


# --- the same key from concurrent requests, over real HTTP ----------------------------------------------


def test_the_same_key_from_concurrent_requests_makes_one_incident(http_server: str) -> None:
    from jingwu.org.demo import DEMO_PASSWORD

    status, token = http_json(
        http_server, "POST", "/api/auth/token", body={"username": "dispatcher", "password": DEMO_PASSWORD}
    )
    assert status == 200, token
    auth = {"Authorization": f"Bearer {token['token']}"}
    key, marker, threads = str(uuid.uuid4()), word(), 8
    payload = body(narrative=f"并发报警{marker}")
    start = threading.Barrier(threads)

    def send(_: int) -> tuple[int, Any]:
        start.wait()
        return http_json(
            http_server, "POST", "/api/incidents", body=payload, headers={**auth, "Idempotency-Key": key}
        )

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(send, range(threads)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (threads - 1) + [201], results
    assert len({out["id"] for _, out in results}) == 1
    assert len({out["number"] for _, out in results}) == 1
    status, listing = http_json(
        http_server, "GET", f"/api/incidents?q={urllib.parse.quote(marker)}", headers=auth
    )
    assert status == 200
    assert listing["count"] == 1 and listing["items"][0]["id"] == results[0][1]["id"]
