"""A dispatcher of the 武北 joint station takes a call from intake to close, in a real browser."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_roles_in_browser import login

pytestmark = pytest.mark.e2e


def test_dispatcher_takes_a_call_from_intake_to_close(page, browser, demo_server, artifacts) -> None:
    login(page, "wubei_dispatcher")
    page.goto("/incidents/")
    queue_rows_before = page.locator("#incident-rows tr[data-incident]").count()

    page.goto("/incidents/new/")
    page.fill("#id_caller_name", "钟桂兰")
    page.fill("#id_caller_phone", "13905971234")
    page.fill("#id_village", "桃溪镇·亭头村委会")
    page.fill("#id_address", "亭头村部旁")
    page.select_option("#id_kind", "dispute:land_forest")
    page.check("input[name=priority][value='1']")
    page.fill("#id_narrative", "两户村民因山林界址发生争执，一方在争议林地砍伐杉木，现场有人推搡。")
    page.screenshot(path=str(artifacts / "intake_form.png"), full_page=True)
    page.click("[data-testid=submit-intake]")
    page.wait_for_url(re.compile(r"/incidents/\d+/$"))

    # Routed by place: 桃溪 is dispatched by the joint station's command room.
    assert page.locator("[data-testid=unit-handling]").inner_text() == "武北区域联合派出所综合指挥室"
    assert page.locator("[data-testid=status]").inner_text() == "已接警"
    assert "139****1234" in page.content() and "13905971234" not in page.content()
    number = page.locator("h1").inner_text().split()[0]

    # The live queue of another dispatcher session shows the new call without a reload.
    other = browser.new_context(base_url=demo_server).new_page()
    login(other, "wubei_dispatcher")
    other.goto("/incidents/")
    other.wait_for_selector(f"tr[data-incident='{number}']", timeout=8000)
    assert other.locator("#incident-rows tr[data-incident]").count() == queue_rows_before + 1

    page.locator("[data-testid=dispatch-form] input[type=checkbox]").first.check()
    page.click("[data-testid=dispatch-form] button[type=submit]")
    assert page.locator("[data-testid=status]").inner_text() == "已派警"
    page.click("[data-testid=arrive-form] button.primary")
    assert page.locator("[data-testid=status]").inner_text() == "已到场"
    page.select_option("[data-testid=dispose-form] select", "dispute")
    page.fill("[data-testid=dispose-form] textarea", "双方同意由村调委会调解。")
    page.click("[data-testid=dispose-form] button[type=submit]")
    assert page.locator("[data-testid=disposition]").inner_text().startswith("转矛盾纠纷调解")
    page.click("[data-testid=close-form] button[type=submit]")
    assert page.locator("[data-testid=status]").inner_text() == "已结束"
    steps = page.locator("[data-testid=timeline] li").evaluate_all("els => els.map(e => e.dataset.step)")
    assert steps == ["received", "dispatched", "arrived", "handled", "closed"]
    page.screenshot(path=str(artifacts / "incident_closed.png"), full_page=True)
    assert page.requests_elsewhere == []

    # Closed: it has left the live queue.
    other.wait_for_selector(f"tr[data-incident='{number}']", state="detached", timeout=8000)
    other.context.close()


def test_a_possible_duplicate_is_shown_and_the_call_can_be_linked(page) -> None:
    login(page, "dispatcher")
    page.goto("/incidents/new/")
    page.fill("#id_caller_name", "练秀英")
    page.fill("#id_village", "大禾镇·大禾村委会")
    page.select_option("#id_kind", "traffic:accident")
    page.fill("#id_narrative", "大禾村路口两车相撞。")
    page.click("[data-testid=submit-intake]")
    page.wait_for_url(re.compile(r"/incidents/\d+/$"))
    first = page.locator("h1").inner_text().split()[0]

    page.goto("/incidents/new/")
    page.fill("#id_caller_name", "刘水生")
    page.fill("#id_village", "大禾镇·大禾村委会")
    page.dispatch_event("#id_village", "change")
    page.select_option("#id_kind", "traffic:accident")
    page.wait_for_selector("[data-testid=duplicates]")
    assert first in page.locator("[data-testid=duplicates]").inner_text()
    page.fill("#id_narrative", "又一名群众报告大禾村路口车祸。")
    page.click("[data-testid=link-to]")
    page.wait_for_url(re.compile(r"/incidents/\d+/$"))
    assert page.locator("h1").inner_text().split()[0] == first
    assert "linked_call" in page.locator("[data-testid=timeline] li").evaluate_all(
        "els => els.map(e => e.dataset.step)"
    )
