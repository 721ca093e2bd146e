"""Case handling over the API (/api/cases, issue 4): the criminal walk from an incident to the transfer
for prosecution and the administrative walk to closure with bearer tokens; the error shapes (400, 403,
404, 409, 422); scoped lists; case numbers under concurrent acceptance on a real server."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from jingwu.cases.models import Case, Measure
from jingwu.cases.offences import find_offence
from jingwu.org.models import User
from jingwu.timeline.models import LegalEvent
from tests.api.helpers import Api, AuditLog, http_json, login, wuping_id

pytestmark = pytest.mark.django_db

TAOXI_VILLAGE = "350824105201"  # 桃溪镇 桃溪村委会
CALLER_PHONE = "13912345678"
NUMBER = re.compile(r"^WP-WB-AJ-\d{4}-\d{5}$")
THEFT = find_offence("盗窃罪", "criminal").code  # type: ignore[union-attr]


def word() -> str:
    """A word no other case holds, to find this test's cases with `q`."""
    return "标记" + uuid.uuid4().hex[:10]


def user(username: str) -> User:
    return User.objects.get(username=username)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def error(response: Any, status: int) -> dict[str, Any]:
    """The one error shape of the API."""
    assert response.status_code == status, response.content.decode()
    out = response.json()
    assert isinstance(out["detail"], str) and out["detail"]
    assert isinstance(out["errors"], dict)
    return out


def case_body(kind: str = "criminal", **fields: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": "桃溪村民家中被盗案" if kind == "criminal" else "桃溪村民殴打他人案",
        "facts": "报案人称其家中财物被盗" if kind == "criminal" else "两村民因琐事发生争执",
        "source": "walk_in",
        **fields,
    }


def accepted(api: Api, kind: str = "criminal", **fields: Any) -> dict[str, Any]:
    return ok(api.post("/api/cases", case_body(kind, **fields)), 201)


def decide(api: Api, approval_id: int, decision: str = "approve", opinion: str = "同意") -> Any:
    return api.post(
        f"/api/cases/approvals/{approval_id}/decision", {"decision": decision, "opinion": opinion}
    )


def transition(api: Api, case_id: int, name: str, reason: str = "") -> Any:
    return api.post(f"/api/cases/{case_id}/transitions", {"transition": name, "reason": reason})


def assignment(case: dict[str, Any], lead: str = "officer", **fields: Any) -> dict[str, Any]:
    return {
        "version": case["version"],
        "kind": case["kind"],
        "offence_code": THEFT if case["kind"] == "criminal" else "A-beating",
        "is_major": False,
        "lead_officer_id": user(lead).pk,
        **fields,
    }


def suspect(api: Api, case_id: int, seq: int, name: str = "嫌疑人乙") -> dict[str, Any]:
    person = ok(
        api.post(
            "/api/persons/",
            {"name": name, "sex": "male", "id_number": wuping_id(seq), "phone": "13800001111"},
        ),
        201,
    )
    return ok(api.post(f"/api/cases/{case_id}/parties", {"person_id": person["id"], "role": "suspect"}), 201)


@pytest.fixture
def officer() -> Api:
    return login("officer")


@pytest.fixture
def legal() -> Api:
    return login("legal_officer")


@pytest.fixture
def chief() -> Api:
    return login("chief")


@pytest.fixture
def leader() -> Api:
    return login("leader")


# --- the criminal walk ------------------------------------------------------------------------------------


def test_the_criminal_walk_up_to_the_transfer(
    officer: Api, legal: Api, chief: Api, leader: Api, audit: AuditLog
) -> None:
    dispatcher = login("dispatcher")
    call = ok(
        dispatcher.post(
            "/api/incidents",
            {
                "village_code": TAOXI_VILLAGE,
                "category": "dispute",
                "subcategory": "neighbour",
                "narrative": "村民报称家中财物被盗",
                "caller_name": "报案人甲",
                "caller_phone": CALLER_PHONE,
            },
        ),
        201,
    )

    # 受案 from the incident: the reporter is a party, with the phone masked.
    response = officer.post("/api/cases", case_body(source="incident", incident_id=call["id"]))
    case = ok(response, 201)
    assert NUMBER.match(case["number"]) and case["status"] == "accepted"
    assert (case["status_label"], case["kind_label"]) == ("已受案（待审查）", "刑事案件")
    assert (case["station"]["code"], case["reviewing_unit"]["code"]) == ("wp-ps-350824105", "wp-wb-aj")
    assert case["incident_id"] == call["id"] and case["handling_unit"] is None
    [reporter] = case["parties"]
    assert reporter["role"] == "reporter" and reporter["person"]["name"] == "报案人甲"
    assert reporter["person"]["phone"] == "139****5678" and reporter["person"]["masked"] is True
    assert CALLER_PHONE not in response.content.decode()
    assert case["available_transitions"] == []  # the officer does not review
    case_id = case["id"]
    seen = ok(legal.get(f"/api/cases/{case_id}"))
    assert [t["name"] for t in seen["available_transitions"]] == ["file", "decline"]
    assert seen["available_transitions"][0]["approvals"] == ["unit_chief"]

    # 审查指派 (major), then 立案 approved by the unit chief.
    helper = user("roster-wp-ps-350824105-sq-1")
    case = ok(
        legal.put(
            f"/api/cases/{case_id}/assignment", assignment(case, is_major=True, officer_ids=[helper.pk])
        )
    )
    assert (case["offence"], case["is_major"], case["version"]) == ("盗窃罪", True, 2)
    assert case["lead_officer"]["username"] == "officer"
    assert [o["username"] for o in case["officers"]] == [helper.username]
    filing = ok(transition(legal, case_id, "file"), 202)
    assert (filing["status"], filing["current_role"], filing["case_status"]) == (
        "pending",
        "unit_chief",
        "accepted",
    )
    refused = error(decide(legal, filing["id"]), 400)
    assert refused == {
        "detail": "该事项待办案单位负责人审批",
        "errors": {"decision": "您不是当前环节的审批人"},
    }
    filing = ok(decide(chief, filing["id"]))
    assert (filing["status"], filing["current_role"], filing["case_status"]) == ("approved", "", "filed")
    assert [(h["role"], h["user"], h["decision"]) for h in filing["history"]] == [
        ("unit_chief", "chief", "approve")
    ]

    # 刑事拘留: legal officer, then the leader; the measure exists after the last approval only.
    party = suspect(officer, case_id, 401)
    assert party["person"]["id_number"] == wuping_id(401)[:6] + "*" * 8 + wuping_id(401)[-4:]
    assert party["key"] == f"P{party['id']}"
    detention = ok(
        officer.post(
            f"/api/cases/{case_id}/measures", {"party_id": party["id"], "kind": "criminal_detention"}
        ),
        202,
    )
    assert detention["roles"] == ["legal_officer", "leader"]
    assert ok(decide(legal, detention["id"]))["current_role"] == "leader"
    assert not Measure.objects.filter(case_id=case_id).exists()
    assert ok(decide(leader, detention["id"]))["status"] == "approved"
    [measure] = ok(officer.get(f"/api/cases/{case_id}"))["measures"]
    assert (measure["kind"], measure["label"], measure["party_id"]) == (
        "criminal_detention",
        "刑事拘留",
        party["id"],
    )

    # 提请批准逮捕 goes through legal review and the leader (202), then 批准逮捕, then the arrest
    # (refused before the procuratorate's approval is recorded).
    request = ok(
        officer.post(
            f"/api/cases/{case_id}/events", {"party_id": party["id"], "code": "arrest_request_submitted"}
        ),
        202,
    )
    assert (request["roles"], request["current_role"]) == (["legal_officer", "leader"], "legal_officer")
    decide(legal, request["id"])
    assert ok(decide(leader, request["id"]))["status"] == "approved"
    early = error(
        officer.post(f"/api/cases/{case_id}/measures", {"party_id": party["id"], "kind": "arrest"}), 409
    )
    assert early["detail"] == "执行逮捕须先登记检察院批准逮捕决定"
    ok(
        officer.post(
            f"/api/cases/{case_id}/events",
            {"party_id": party["id"], "code": "arrest_approved", "note": "武检捕〔2026〕1号"},
        ),
        201,
    )
    arrest = ok(
        officer.post(f"/api/cases/{case_id}/measures", {"party_id": party["id"], "kind": "arrest"}), 201
    )
    assert arrest["kind"] == "arrest" and arrest["ended_at"] is None

    # 移送审查起诉: refused until a deliberation passed, then legal officer and leader approve.
    blocked = error(transition(officer, case_id, "transfer_for_prosecution"), 409)
    assert blocked["detail"] == "重大疑难复杂案件须经集体议案通过后方可“移送审查起诉”"
    present = [user(name).pk for name in ("leader", "legal_officer", "chief", "officer")]
    meeting = ok(
        leader.post(
            f"/api/cases/{case_id}/deliberations",
            {
                "topic": "是否移送审查起诉",
                "participant_ids": present,
                "opinions": [{"name": "张振华", "opinion": "事实清楚，证据确实充分"}],
                "decision": "同意移送审查起诉",
                "votes_for": 4,
            },
        ),
        201,
    )
    assert meeting["passed"] is True and len(meeting["participants"]) == 4
    assert meeting["chair"]["username"] == "leader"
    transfer = ok(transition(officer, case_id, "transfer_for_prosecution"), 202)
    ok(decide(legal, transfer["id"]))
    assert ok(decide(leader, transfer["id"]))["case_status"] == "transferred"

    case = ok(officer.get(f"/api/cases/{case_id}"))
    assert (case["status"], case["status_label"]) == ("transferred", "已移送审查起诉")
    assert case["filed_at"] is not None and case["closed_at"] is None
    assert [t["name"] for t in case["available_transitions"]] == ["record_return", "close"]
    assert [(a["label"], a["status"]) for a in case["approvals"]] == [
        ("移送审查起诉", "approved"),
        ("提请批准逮捕（检察院收到提请批准逮捕书）（嫌疑人乙）", "approved"),
        ("刑事拘留（嫌疑人乙）", "approved"),
        ("立案", "approved"),
    ]
    assert [d["decision"] for d in case["deliberations"]] == ["同意移送审查起诉"]
    legal_events = [(row["code"], row["person"]) for row in case["timeline"] if row["kind"] == "event"]
    assert legal_events == [
        ("report_received", ""),
        ("case_accepted", ""),
        ("case_filed", ""),
        ("criminal_detention_executed", "嫌疑人乙"),
        ("arrest_request_submitted", "嫌疑人乙"),
        ("arrest_approved", "嫌疑人乙"),
        ("arrest_executed", "嫌疑人乙"),
        ("transferred_for_prosecution", ""),
    ]
    assert any(row["kind"] == "activity" and row["text"].startswith("受案") for row in case["timeline"])
    assert LegalEvent.objects.filter(subject_type="case", subject_id=case_id).count() == 8
    # Writes and reads are audited under the account that made them.
    assert [e.actor_username for e in audit.entries("case.accept")] == ["officer"]
    assert {e.actor_username for e in audit.entries("case.view", object_id=str(case_id))} >= {
        "officer",
        "legal_officer",
    }
    assert (
        audit.entries("case.transfer_for_prosecution")[0].path
        == f"/api/cases/approvals/{transfer['id']}/decision"
    )

    # 退回补充侦查 (reason required), then the resubmission after legal review.
    assert error(transition(officer, case_id, "record_return"), 400)["errors"] == {"reason": "请说明理由"}
    returned = ok(transition(officer, case_id, "record_return", reason="证据不足，退回补充侦查"))
    assert returned["status"] == "returned"
    resubmission = ok(transition(officer, case_id, "resubmit"), 202)
    assert resubmission["roles"] == ["legal_officer"]
    assert ok(decide(legal, resubmission["id"]))["case_status"] == "transferred"
    case = ok(officer.get(f"/api/cases/{case_id}"))
    tail = [row["code"] for row in case["timeline"] if row["kind"] == "event"][-3:]
    assert tail == [
        "transferred_for_prosecution",
        "returned_for_supplementary_investigation",
        "resubmitted_for_prosecution",
    ]


# --- the administrative walk ------------------------------------------------------------------------------


def test_the_administrative_walk_to_closure(officer: Api, legal: Api, chief: Api) -> None:
    case = accepted(officer, "administrative")
    assert case["station"]["code"] == "wp-ps-350824105" and case["parties"] == []
    case_id = case["id"]
    ok(legal.put(f"/api/cases/{case_id}/assignment", assignment(case)))
    ok(decide(chief, ok(transition(legal, case_id, "file"), 202)["id"]))

    # 传唤 and its end.
    party = suspect(officer, case_id, 403, "违法嫌疑人丁")
    summons = ok(
        officer.post(f"/api/cases/{case_id}/measures", {"party_id": party["id"], "kind": "summons"}), 201
    )
    ended = ok(officer.post(f"/api/cases/measures/{summons['id']}/end", {}))
    assert ended["ended_at"] is not None and ended["ended_at"] >= ended["started_at"]
    again = error(officer.post(f"/api/cases/measures/{summons['id']}/end", {}), 409)
    assert again["detail"] == "该措施已结束"

    # 处罚决定 with legal review (法制员) and the unit chief's approval.
    request = ok(transition(officer, case_id, "decide", "罚款二百元"), 202)
    assert request["roles"] == ["legal_officer", "unit_chief"]
    assert [a["id"] for a in ok(legal.get("/api/cases/approvals"))] == [request["id"]]
    ok(decide(legal, request["id"], opinion="事实清楚，适用法律正确"))
    assert request["id"] in [a["id"] for a in ok(chief.get("/api/cases/approvals"))]
    decided = ok(decide(chief, request["id"]))
    assert decided["case_status"] == "decided"
    assert [h["opinion"] for h in decided["history"]] == ["事实清楚，适用法律正确", "同意"]

    closed = ok(transition(officer, case_id, "close"))
    assert (closed["status"], closed["decision_reason"]) == ("closed", "罚款二百元")
    assert closed["closed_at"] is not None and closed["available_transitions"] == []
    assert [row["code"] for row in closed["timeline"] if row["kind"] == "event"] == [
        "report_received",
        "admin_case_accepted",
        "admin_case_filed",
        "summons_arrived",
        "summons_ended",
        "admin_decision_made",
    ]


def test_a_return_ends_the_request_and_the_officer_resubmits(officer: Api, legal: Api, chief: Api) -> None:
    case = accepted(officer)
    ok(legal.put(f"/api/cases/{case['id']}/assignment", assignment(case)))
    filing = ok(transition(legal, case["id"], "file"), 202)
    silent = error(decide(chief, filing["id"], "return", " "), 400)
    assert silent == {"detail": "退回须写明审核意见", "errors": {"opinion": "请写明审核意见"}}
    returned = ok(decide(chief, filing["id"], "return", "案由不准确"))
    assert (returned["status"], returned["current_role"], returned["case_status"]) == (
        "returned",
        "",
        "accepted",
    )
    assert error(decide(chief, filing["id"]), 409)["detail"] == "该审批事项已办结"
    again = ok(transition(legal, case["id"], "file"), 202)
    assert again["id"] != filing["id"]
    assert ok(decide(chief, again["id"]))["case_status"] == "filed"


# --- errors -------------------------------------------------------------------------------------------------


def test_error_shapes(officer: Api, legal: Api, chief: Api) -> None:
    case = accepted(officer)
    case_id = case["id"]

    # 400: the service's refusal, with the fields to fix.
    bad = error(officer.post("/api/cases", case_body(title=" ", facts="", source="transfer")), 400)
    assert bad["detail"] == "受案信息有误，请修改后再提交"
    assert set(bad["errors"]) == {"title", "facts", "transfer_agency"}
    unknown = error(transition(officer, case_id, "teleport"), 400)
    assert unknown["errors"] == {"transition": "流程操作无效"}
    no_reason = error(transition(chief, case_id, "decline"), 400)
    assert no_reason == {"detail": "“不予立案”须说明理由", "errors": {"reason": "请说明理由"}}

    # 403: a role that may not act.
    assert error(login("procurator").post("/api/cases", case_body()), 403) == {
        "detail": "无权执行此操作",
        "errors": {},
    }
    assert error(login("assistant").get("/api/cases"), 403)["detail"] == "无权执行此操作"
    assert error(officer.put(f"/api/cases/{case_id}/assignment", assignment(case)), 403)["errors"] == {}

    # 404: outside the scope looks like missing.
    stranger = login("pingchuan_officer")
    assert error(stranger.get(f"/api/cases/{case_id}"), 404) == {"detail": "未找到", "errors": {}}
    assert error(stranger.post(f"/api/cases/{case_id}/parties", {"person_id": 1, "role": "witness"}), 404)
    assert error(officer.get(f"/api/cases/{case_id + 100000}"), 404)["detail"] == "未找到"

    # 409: a stale version, a request already pending, a refused transition.
    ok(legal.put(f"/api/cases/{case_id}/assignment", assignment(case)))
    stale = error(chief.put(f"/api/cases/{case_id}/assignment", assignment(case, is_major=True)), 409)
    assert stale == {"detail": "该案件已被他人修改，请刷新后重试", "errors": {}, "existing_id": None}
    ok(transition(legal, case_id, "file"), 202)
    assert error(transition(chief, case_id, "file"), 409)["detail"] == "“立案”已在审批中"
    assert error(transition(officer, case_id, "close"), 409)["detail"].startswith("案件当前状态为")

    # 422: the request itself does not parse.
    missing = error(officer.post("/api/cases", {"kind": "criminal"}), 422)
    assert missing["errors"] == {"title": "必填", "facts": "必填", "source": "必填"}
    assert error(officer.get("/api/cases", limit=0), 422)["errors"] == {"limit": "不能小于1"}

    # 401 without a token.
    assert error(Api().get(f"/api/cases/{case_id}"), 401)["detail"].startswith("未登录")
    assert Case.objects.get(pk=case_id).version == 2


# --- lists ------------------------------------------------------------------------------------------------


def test_lists_are_scoped_and_filtered(officer: Api, legal: Api, leader: Api) -> None:
    marker = word()
    pingchuan = login("pingchuan_officer")
    taoxi_criminal = accepted(officer, title=f"被盗案{marker}")
    taoxi_admin = accepted(officer, "administrative", title=f"殴打他人案{marker}")
    pingchuan_case = accepted(pingchuan, title=f"平川被盗案{marker}")
    assert pingchuan_case["reviewing_unit"]["code"] == "wp-zx"
    ok(legal.put(f"/api/cases/{taoxi_criminal['id']}/assignment", assignment(taoxi_criminal)))

    def ids(api: Api, **params: Any) -> list[int]:
        page = ok(api.get("/api/cases", q=marker, **params))
        assert page["count"] == len(page["items"]) or page["limit"] < page["count"]
        return [item["id"] for item in page["items"]]

    # Newest first.
    assert ids(leader) == [pingchuan_case["id"], taoxi_admin["id"], taoxi_criminal["id"]]
    assert ids(officer) == [taoxi_admin["id"], taoxi_criminal["id"]]
    assert ids(legal) == [taoxi_admin["id"], taoxi_criminal["id"]]  # the 武北 case team
    assert ids(pingchuan) == [pingchuan_case["id"]]
    assert ids(login("procurator")) == [pingchuan_case["id"], taoxi_criminal["id"]]

    assert ids(officer, kind="administrative") == [taoxi_admin["id"]]
    assert ids(officer, mine="true") == [taoxi_criminal["id"]]
    assert ids(legal, review_queue="true") == [taoxi_admin["id"], taoxi_criminal["id"]]
    assert ids(leader, status="filed") == []
    page = ok(leader.get("/api/cases", q=marker, limit=2, offset=1))
    assert (page["count"], page["limit"], page["offset"]) == (3, 2, 1)
    assert [item["id"] for item in page["items"]] == [taoxi_admin["id"], taoxi_criminal["id"]]
    by_number = ok(leader.get("/api/cases", q=taoxi_admin["number"]))
    assert [item["id"] for item in by_number["items"]] == [taoxi_admin["id"]]


# --- numbers under concurrent acceptance, over real HTTP --------------------------------------------------


def test_concurrent_acceptances_get_distinct_sequential_numbers(http_server: str) -> None:
    """Eight officers' requests at once on a real server (its own database): no number twice, no gap."""
    from jingwu.org.demo import DEMO_PASSWORD

    status, token = http_json(
        http_server, "POST", "/api/auth/token", body={"username": "officer", "password": DEMO_PASSWORD}
    )
    assert status == 200, token
    auth = {"Authorization": f"Bearer {token['token']}"}
    marker, threads = word(), 8
    start = threading.Barrier(threads)

    def send(n: int) -> tuple[int, Any]:
        start.wait()
        return http_json(
            http_server, "POST", "/api/cases", body=case_body(title=f"并发受案{marker}-{n}"), headers=auth
        )

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(send, range(threads)))

    assert [status for status, _ in results] == [201] * threads, results
    numbers = sorted(out["number"] for _, out in results)
    assert all(NUMBER.match(n) for n in numbers), numbers
    serials = [int(n[-5:]) for n in numbers]
    assert serials == list(range(serials[0], serials[0] + threads)), numbers
    status, listing = http_json(
        http_server, "GET", f"/api/cases?q={urllib.parse.quote(marker)}", headers=auth
    )
    assert status == 200 and listing["count"] == threads
