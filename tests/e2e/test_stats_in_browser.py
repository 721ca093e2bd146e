"""统计分析 in a real browser: a leader opens the dashboard for 桃溪镇 in 2022 (the demo's history), sees the
charts drawn by the vendored ECharts, and drills down from a number to exactly that many records."""

from __future__ import annotations

import pytest

from tests.e2e.test_roles_in_browser import login

pytestmark = pytest.mark.e2e


def test_a_drill_down_shows_exactly_the_counted_records(page, demo_server, artifacts) -> None:
    login(page, "leader")
    page.click("[data-testid=menu] a[data-menu=stats]")
    page.wait_for_selector("[data-testid=stats-picker]")
    page.goto("/stats/?kind=year&value=2022&scope=township:350824105000")
    page.wait_for_selector("[data-chart=heatmap] canvas")
    assert "桃溪镇" in page.locator("h1").inner_text()
    page.screenshot(path=str(artifacts / "stats_dashboard.png"), full_page=True)

    link = page.locator("[data-testid=drill-category-criminal]")
    counted = int(link.inner_text())
    assert 0 < counted <= 50  # one page of records
    link.click()
    page.wait_for_selector("[data-testid=records]")
    assert int(page.locator("[data-testid=total]").inner_text()) == counted
    assert page.locator("[data-testid=record]").count() == counted
    assert "桃溪镇" in page.locator("[data-testid=records]").inner_text()

    # The whole-year figure too: the total on the list equals the number on the dashboard.
    page.go_back()
    total = int(page.locator("[data-testid=drill-incidents]").inner_text())
    page.click("[data-testid=drill-incidents]")
    page.wait_for_selector("[data-testid=records]")
    assert int(page.locator("[data-testid=total]").inner_text()) == total
    assert page.requests_elsewhere == []


def test_the_big_screen_draws_its_charts(page, demo_server, artifacts) -> None:
    login(page, "dispatcher")
    page.goto("/stats/screen/?kind=year&value=2022")
    page.wait_for_selector("[data-chart=townships] canvas")
    assert page.locator("meta[http-equiv=refresh]").count() == 1
    page.screenshot(path=str(artifacts / "stats_screen.png"), full_page=True)
    assert page.requests_elsewhere == []
