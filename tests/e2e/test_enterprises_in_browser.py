"""A warning bulletin issued in a real browser: the bureau leader writes a fraud warning, ticks the
high-tech park, previews exactly the park's enterprises, issues it and sees the delivery list — one row
per enterprise, waiting in the outbox; the station officer then finds the demo bulletin's deliveries of
his own enterprises and records an acknowledgement."""

from __future__ import annotations

import pytest

from tests.e2e.test_roles_in_browser import login

pytestmark = pytest.mark.e2e

PARK = "武平高新技术产业园区"


def submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def test_issue_a_bulletin_to_a_park_and_see_the_delivery_list(browser, demo_server, artifacts) -> None:
    context = browser.new_context(base_url=demo_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(demo_server) else elsewhere.append(r.url))
    login(page, "leader")

    # The park's enterprises, as the list shows them.
    page.goto("/enterprises/parks/")
    page.locator("[data-testid=park-list] a", has_text=PARK).click()
    page.wait_for_url("**/enterprises/?park=*")
    in_park = set(
        page.locator("[data-testid=enterprise-list] tbody tr[data-enterprise]").evaluate_all(
            "rows => rows.map(r => r.dataset.enterprise)"
        )
    )
    assert len(in_park) >= 3

    # 发布预警信息: write it, tick the park, preview.
    page.click("[data-testid=bulletins-tab]")
    page.click("[data-testid=new-bulletin]")
    form = page.locator("[data-testid=bulletin-form]")
    form.locator("#id_title").fill("警惕冒充老板QQ拉群要求转账（浏览器测试）")
    form.locator("#id_kind").select_option("fraud_pattern")
    form.locator("#id_channel").select_option("sms")
    form.locator("#id_body").fill(
        "凡通过QQ、微信要求转账的，务必电话或当面向老板本人核实，大额转账双人复核。"
    )
    form.locator("[data-testid=target-parks]").get_by_label(PARK).check()
    submit(page, form.locator("[data-testid=preview-bulletin]"))
    preview = page.locator("[data-testid=bulletin-preview]")
    previewed = set(preview.locator("li[data-target]").evaluate_all("els => els.map(e => e.dataset.target)"))
    assert previewed == in_park
    # The form keeps what was entered; issue it.
    assert page.locator("#id_title").input_value().startswith("警惕冒充老板")
    page.screenshot(path=str(artifacts / "bulletin_preview.png"), full_page=True)
    submit(page, page.locator("[data-testid=issue-bulletin]"))

    # The delivery list: one row per enterprise of the park, queued in the outbox.
    assert "已发布预警信息" in page.locator(".messages").inner_text()
    assert page.locator("[data-testid=bulletin-title]").inner_text().startswith("警惕冒充老板QQ拉群")
    rows = page.locator("[data-testid=delivery-list] tbody tr[data-delivery]")
    delivered = set(rows.evaluate_all("rows => rows.map(r => r.dataset.delivery)"))
    assert delivered == in_park
    states = set(rows.locator("[data-testid=delivery-state]").all_inner_texts())
    assert states <= {"待发送", "无联系方式"} and "待发送" in states
    assert page.locator("[data-count=total]").inner_text() == str(len(in_park))
    assert PARK in page.locator("[data-testid=targeting]").inner_text()
    page.screenshot(path=str(artifacts / "bulletin_deliveries.png"), full_page=True)

    # The station officer acknowledges, for one of his enterprises, the demo's fraud bulletin.
    officer = browser.new_context(base_url=demo_server, viewport={"width": 1280, "height": 900}).new_page()
    login(officer, "officer")
    officer.goto("/enterprises/bulletins/")
    officer.locator("[data-testid=bulletin-list] a", has_text="冒充老板QQ/微信").click()
    mine = officer.locator("[data-testid=delivery-list] tbody tr[data-delivery]")
    assert mine.count() >= 1
    # The demo acknowledged one of his two enterprises; he records the other's after a call.
    ack = officer.locator("[data-testid=delivery-list] [data-testid=ack-form]")
    assert ack.count() == 1
    ack.locator("select[name=method]").select_option("phone")
    ack.locator("input[name=note]").fill("财务负责人电话确认已收到")
    submit(officer, ack.locator("button[type=submit]"))
    assert "签收" in officer.locator(".messages").inner_text()
    states = officer.locator("[data-testid=delivery-list] [data-testid=delivery-state]").all_inner_texts()
    assert states == ["已签收"] * mine.count()
    assert elsewhere == []
    context.close()
