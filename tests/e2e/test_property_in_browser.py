"""Seized property in a real browser: the property keeper finds a case, registers an item, hands it into
shelf A-02-03, sees it on the shelf's inventory, prints its label, and sees the demo's late timber on the
chain-break page."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_roles_in_browser import login

pytestmark = pytest.mark.e2e


def submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def test_property_keeper_registers_and_hands_in_an_item(page, artifacts) -> None:
    login(page, "property_keeper")
    page.click("[data-testid=menu] a[data-menu=property]")
    page.click("[data-testid=register]")
    page.fill("input[name=q]", "诈骗")
    submit(page, page.locator("[data-testid=case-search] button"))
    submit(page, page.locator("[data-testid=candidates] a").first)
    page.fill("#id_description", "金色OPPO手机一部，屏幕碎裂")
    page.select_option("#id_category", "electronics")
    page.fill("#id_quantity", "1")
    page.fill("#id_measure_unit", "部")
    page.fill("#id_estimated_value", "1500")
    page.fill("#id_seizure_document", "武公（刑）扣字〔2026〕188号")
    submit(page, page.locator("[data-testid=submit]"))
    code = page.locator("[data-testid=label-code]").inner_text()
    assert re.fullmatch(r"WP-\d{4}-\d{6}", code)
    assert "待移交" in page.locator("h1 [data-testid=state]").inner_text()

    page.click("[data-move=into_room]")
    page.select_option("#id_location", label="A-02-03 一号库 电子产品")
    submit(page, page.locator("[data-testid=submit]"))
    assert page.locator("h1 [data-testid=state]").inner_text() == "在库"
    assert page.locator("[data-testid=location]").inner_text().startswith("A-02-03")
    assert page.locator("[data-testid=chain] li").evaluate_all("els => els.map(e => e.dataset.kind)") == [
        "seized",
        "into_room",
    ]

    page.goto("/property/locations/")
    page.click("[data-location='A-02-03'] a")
    assert page.locator(f"[data-testid=expected] tr[data-item='{code}']").count() == 1
    page.screenshot(path=str(artifacts / "property_shelf_inventory.png"), full_page=True)

    page.goto("/property/")
    page.click(f"tr[data-item='{code}'] a")
    page.click("[data-testid=label-link]")
    assert page.locator("[data-testid=qr] svg").count() == 1
    assert page.locator("[data-testid=label]").inner_text().count(code) == 1

    page.goto("/property/anomalies/")
    assert page.locator("[data-testid=anomalies]").count() == 1
    page.screenshot(path=str(artifacts / "property_anomalies.png"), full_page=True)
    assert page.requests_elsewhere == []
