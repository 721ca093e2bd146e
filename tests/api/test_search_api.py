"""GET /api/search over real HTTP (tests/livestack.py's server with the demo bureau): a record written
through the API is searchable as soon as its request has returned; scope and the identifier rule hold."""

from __future__ import annotations

import random
import urllib.parse
from typing import Any

from tests.api.helpers import http_json

TAOXI_VILLAGE = "350824105201"  # 桃溪镇 桃溪村委会


def token(base: str, username: str) -> dict[str, str]:
    from jingwu.org.demo import DEMO_PASSWORD

    status, body = http_json(
        base, "POST", "/api/auth/token", body={"username": username, "password": DEMO_PASSWORD}
    )
    assert status == 200, body
    return {"Authorization": f"Bearer {body['token']}"}


def search(base: str, auth: dict[str, str], q: str, **params: Any) -> tuple[int, Any]:
    query = urllib.parse.urlencode({"q": q, **params})
    return http_json(base, "GET", f"/api/search?{query}", headers=auth)


def rare_word() -> str:
    """Four characters from a block no narrative uses, so that only this test's record matches."""
    return "".join(chr(random.randint(0x9E00, 0x9F00)) for _ in range(4))


def test_a_new_incident_is_found_right_after_its_request(http_server: str) -> None:
    officer = token(http_server, "officer")
    marker = rare_word()
    payload = {
        "source": "phone_110",
        "village_code": TAOXI_VILLAGE,
        "category": "criminal",
        "subcategory": "ebike_theft",
        "priority": 2,
        "narrative": f"报警人称其电动车被盗窃，车上贴有{marker}字样<b>贴纸</b>。",
    }
    status, made = http_json(http_server, "POST", "/api/incidents", body=payload, headers=officer)
    assert status == 201, made
    status, found = search(http_server, officer, f"{marker} 盗窃 电动车")
    assert status == 200, found
    assert [(r["type"], r["id"]) for r in found["results"]] == [("incident", made["id"])]
    snippet = found["results"][0]["snippet"]
    assert f"<mark>{marker}</mark>" in snippet and "&lt;b&gt;" in snippet and "<b>" not in snippet
    # Another station's officer, a procurator (no incidents) and a mediator never see it.
    for username in ("pingchuan_officer", "procurator", "mediator"):
        status, other = search(http_server, token(http_server, username), marker)
        assert status == 200 and other["results"] == [], (username, other)


def test_search_needs_a_role_that_sees_records(http_server: str) -> None:
    status, body = search(http_server, token(http_server, "auditor"), "盗窃")
    assert status == 403 and body["detail"]
    status, body = http_json(http_server, "GET", "/api/search?q=%E7%9B%97%E7%AA%83")
    assert status == 401


def test_demo_records_are_indexed_and_fragments_of_numbers_find_nothing(http_server: str) -> None:
    leader = token(http_server, "leader")
    status, found = search(http_server, leader, "盗窃 电动车", type="incident")
    assert status == 200 and found["results"], found
    assert all(r["type"] == "incident" and "<mark>" in r["snippet"] for r in found["results"])
    for fragment in ("350824", "1234", "138"):
        status, found = search(http_server, leader, fragment, type="person")
        assert status == 200 and found["results"] == [], (fragment, found)
