"""Log in as every demo role in a real browser: the menu, the unit, masking and the language switch."""

from __future__ import annotations

import re

import pytest

from jingwu.org.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = pytest.mark.e2e

# What each role must find in its menu — written out by hand from DESIGN.md §1, not derived from the code.
_EVERYONE = {"home", "places"}
# The bureau's own staff: units, the honours room and their own training record (队伍建设).
_STAFF = _EVERYONE | {"units", "honours", "personnel"}
_DISPATCH = _STAFF | {"search", "incidents", "deadlines", "disputes", "persons"}
_CASEWORK = _DISPATCH | {"cases", "custody", "property", "notices", "ecology", "campaigns"}
# Station officers also keep the community's records: villages, grids, enterprises.
_STATION = _CASEWORK | {"community", "enterprises"}
_OVERSIGHT = {"quality", "stats"}
EXPECTED_MENU = {
    "dispatcher": _DISPATCH,
    "wubei_dispatcher": _DISPATCH,
    "officer": _STATION,
    "wubei_officer": _STATION,
    "pingchuan_officer": _STATION,
    "chief": _STATION | _OVERSIGHT,
    "legal_officer": _CASEWORK | _OVERSIGHT,
    "legal_affairs": _CASEWORK | _OVERSIGHT,
    "leader": _STATION | _OVERSIGHT,
    "procurator": _EVERYONE | {"units", "search", "cases", "deadlines", "notices", "property", "persons"},
    "mediator": _EVERYONE | {"search", "disputes"},
    "assistant": _EVERYONE | {"search", "disputes", "gridwork", "honours"},
    "auditor": _EVERYONE | {"units", "honours", "audit"},
    "admin": _EVERYONE | {"units", "honours", "users"},
    "custody": _STAFF | {"custody"},
    "property_keeper": _STAFF | {"property"},
    "personnel": _STAFF,
}
UNIT_NAMES = {
    "dispatcher": "指挥中心",
    "wubei_dispatcher": "武北区域联合派出所综合指挥室",
    "officer": "桃溪社区警务队",
    "assistant": "桃溪社区警务队",
    "chief": "桃溪派出所",
    "auditor": "武平县公安局",
}


def login(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/$"))


def test_every_demo_account_is_covered() -> None:
    assert {a.username for a in DEMO_ACCOUNTS} == set(EXPECTED_MENU)


@pytest.mark.parametrize("username", sorted(EXPECTED_MENU))
def test_each_role_sees_only_its_menu(page, artifacts, username: str) -> None:
    login(page, username)
    keys = set(page.locator("[data-testid=menu] a").evaluate_all("els => els.map(e => e.dataset.menu)"))
    assert keys == EXPECTED_MENU[username]
    if username in UNIT_NAMES:
        assert page.locator("[data-testid=unit]").inner_text() == UNIT_NAMES[username]
    assert page.locator("h1").first.inner_text() == "工作台"
    page.screenshot(path=str(artifacts / f"home_{username}.png"), full_page=True)
    assert page.requests_elsewhere == []


def test_officer_reveals_personal_data_masked_before_and_the_auditor_finds_it(page, artifacts) -> None:
    login(page, "officer")
    page.goto("/people/")
    # The first person registered with an ID number (walk-in parties may have none).
    row = page.locator("tbody tr").filter(has=page.locator("td.masked", has_text=re.compile(r"\*{8}"))).first
    first_id = row.locator("td.masked").first.inner_text()
    assert re.fullmatch(r"\d{6}\*{8}[\dX]{4}", first_id)
    row.locator("a").first.click()
    data = page.locator("[data-testid=personal-data]")
    assert data.get_attribute("data-masked") == "true"
    page.click("[data-testid=reveal]")
    page.wait_for_selector("[data-testid=personal-data][data-masked=false]")
    revealed = page.locator("[data-testid=personal-data] dd.masked").first.inner_text()
    assert re.fullmatch(r"\d{17}[\dX]", revealed)
    # The same person: the mask kept the region code and the last four characters.
    assert (revealed[:6], revealed[-4:]) == (first_id[:6], first_id[-4:])
    page.screenshot(path=str(artifacts / "person_revealed.png"), full_page=True)

    # The auditor finds that reveal in the log.
    page.context.clear_cookies()
    login(page, "auditor")
    page.goto("/audit/?action=person.reveal")
    assert page.locator("tbody tr").count() >= 1
    assert "officer" in page.locator("tbody").inner_text()


def test_assistant_cannot_open_the_person_registry(page) -> None:
    login(page, "assistant")
    response = page.goto("/people/")
    assert response is not None and response.status == 403


def test_language_switch_to_english_and_back(page) -> None:
    login(page, "leader")
    page.click("form.lang button")
    assert page.locator("html").get_attribute("lang") == "en"
    heading = page.locator("h1").first.inner_text()
    assert heading.isascii() and heading.strip()
    page.click("form.lang button")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").first.inner_text() == "工作台"
