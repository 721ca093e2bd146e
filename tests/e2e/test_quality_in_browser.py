"""执法质量考评 in a real browser: the legal affairs brigade opens the ranking, enters a manual item with
its reason for a unit, sees the unit's score change, and drills down from the item to the case."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from jingwu.org.demo import DEMO_PASSWORD
from tests.api.helpers import http_json
from tests.e2e.test_roles_in_browser import login

pytestmark = pytest.mark.e2e


def _assigned_case(demo_server: str) -> dict:
    """A demo case already assigned to a station or joint station (one that is evaluated)."""
    status, body = http_json(
        demo_server, "POST", "/api/auth/token", body={"username": "legal_affairs", "password": DEMO_PASSWORD}
    )
    assert status == 200, body
    status, page = http_json(demo_server, "GET", "/api/cases?limit=200", token=body["token"])
    assert status == 200, page
    for case in page["items"]:
        unit = case["handling_unit"]
        if unit and (unit["code"].startswith("wp-ps-") or unit["code"] == "wp-wb"):
            return case
    pytest.fail("the demo has no assigned case")


def test_legal_affairs_adds_a_manual_item_and_drills_down_to_the_case(page, demo_server, artifacts) -> None:
    case = _assigned_case(demo_server)
    unit_name = case["handling_unit"]["name"]
    login(page, "legal_affairs")
    page.click("[data-testid=menu] a[data-menu=quality]")
    page.wait_for_selector("[data-testid=ranking]")
    assert page.locator("h1").inner_text().startswith("执法质量考评")
    rows = page.locator("[data-testid=ranking] tbody tr")
    assert rows.count() >= 20
    # The demo's manual items are there: 平川 won a provincial model-unit bonus.
    assert page.locator("tr[data-unit='wp-ps-350824001'] [data-testid=score]").inner_text() != ""
    page.screenshot(path=str(artifacts / "quality_ranking.png"), full_page=True)

    page.locator("[data-testid=ranking] a", has_text=re.compile(f"^{unit_name}$")).click()
    page.wait_for_selector("[data-testid=summary]")
    before = Decimal(page.locator("[data-testid=unit-score]").inner_text())

    # A refused entry first: no reason → the form comes back with a Chinese error.
    form = page.locator("[data-testid=adjust-form]")
    form.locator("select[name=item_key]").select_option("manual_deduction")
    form.locator("input[name=points]").fill("-1.5")
    with page.expect_navigation():
        form.locator("[data-testid=adjust-submit]").click()
    assert "必填" in page.locator("[data-testid=adjust-form]").inner_text()

    form = page.locator("[data-testid=adjust-form]")
    form.locator("select[name=item_key]").select_option("manual_deduction")
    form.locator("input[name=points]").fill("-1.5")
    form.locator("input[name=case_number]").fill(case["number"])
    form.locator("textarea[name=reason]").fill("案卷评查发现该案询问笔录未记明询问起止时间，笔录制作不规范")
    with page.expect_navigation():
        form.locator("[data-testid=adjust-submit]").click()
    assert "已录入" in page.locator(".messages").inner_text()
    after = Decimal(page.locator("[data-testid=unit-score]").inner_text())
    assert after == before - Decimal("1.5")
    line = page.locator("[data-records=manual_deduction]")
    assert "笔录制作不规范" in line.inner_text()
    page.screenshot(path=str(artifacts / "quality_unit.png"), full_page=True)

    # Drill down: the item names the case, and the link opens it.
    line.locator("a", has_text=case["number"]).first.click()
    page.wait_for_url(re.compile(rf"/cases/{case['id']}/$"))
    assert case["number"] in page.locator("body").inner_text()
    assert page.requests_elsewhere == []
