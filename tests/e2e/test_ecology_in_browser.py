"""A forest patrol in a real browser: the 桃溪 community officer (village forest chief of the overdue 桃溪
zone) finds it on the ecology page, logs a patrol with a finding of illegal logging, and turns the finding
into an incident with one click; the zone is no longer overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.test_roles_in_browser import login

pytestmark = pytest.mark.e2e


def submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def test_a_patrol_with_a_finding_becomes_an_incident(page, artifacts) -> None:
    login(page, "officer")
    page.goto("/ecology/?overdue=1")
    row = page.locator("tr[data-zone='LQ-TX-01']")
    assert "逾期" in row.locator("[data-testid=overdue]").inner_text()
    row.locator("a").first.click()
    page.wait_for_selector("[data-testid=patrol-form]")
    form = page.locator("[data-testid=patrol-form]")
    start = timezone.localtime() - timedelta(hours=4)
    form.locator("#id_started_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.locator("#id_ended_at").fill((start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("#id_route_text").fill("亭头村—小澜村林道—湘坑村竹林")
    form.locator("#id_route_points").fill("25.1012,116.1201\n25.1055,116.1248")
    form.locator("#id_finding_0_kind").select_option("illegal_logging")
    form.locator("#id_finding_0_village").select_option(label="小澜村委会")
    form.locator("#id_finding_0_description").fill("小澜村后山杉木林发现新伐伐桩9个，未见采伐许可公示")
    page.screenshot(path=str(artifacts / "ecology_patrol_form.png"), full_page=True)
    submit(page, form.locator("[data-testid=submit-patrol]"))
    finding = page.locator("[data-testid=findings] article.finding").first
    assert "新伐伐桩9个" in finding.inner_text()
    submit(page, finding.locator("[data-testid=to-incident] button"))
    number = page.locator("[data-testid=finding-incident] a").inner_text()
    assert number.startswith("J350824")
    page.screenshot(path=str(artifacts / "ecology_finding_incident.png"), full_page=True)
    page.locator("[data-testid=finding-incident] a").click()
    page.wait_for_load_state()
    assert "盗伐滥伐林木" in page.content() and "小澜村" in page.content()
    page.goto("/ecology/?overdue=1")
    assert page.locator("tr[data-zone='LQ-TX-01']").count() == 0
    assert page.requests_elsewhere == []
