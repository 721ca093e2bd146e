"""An assistant's grid work on a phone-sized screen (375×740): 蓝小军 logs a patrol and a hazard, reports
information and writes the day's log; he cannot open case files; 李志强, a 桃溪 officer, turns the report
into an incident with one action, and the assistant sees it adopted."""

from __future__ import annotations

import pytest

from tests.e2e.test_roles_in_browser import login

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}


def submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def test_the_assistant_works_the_grid_on_a_phone(browser, demo_server, artifacts) -> None:
    phone = browser.new_context(
        base_url=demo_server, viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    login(phone, "assistant")
    assert phone.locator("[data-testid=menu] a[data-menu=gridwork]").count() == 1
    assert phone.locator("[data-testid=menu] a[data-menu=cases]").count() == 0
    phone.click("[data-testid=menu] a[data-menu=gridwork]")
    phone.wait_for_url("**/community/grid/")
    assert "桃溪村委会" in phone.locator("[data-testid=my-village]").inner_text()
    # Nothing is wider than the phone: no sideways scrolling on the grid page.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(artifacts / "gridwork_phone.png"), full_page=True)

    # 巡逻
    phone.click("[data-testid=new-patrol]")
    form = phone.locator("[data-testid=grid-form-patrol]")
    form.locator("#id_place").fill("桃溪村部—桃溪小学—老街")
    form.locator("#id_summary").fill("夜间巡逻，劝离溪边逗留的两名学生，沿线无异常。")
    submit(phone, form.locator("[data-testid=submit]"))
    assert "老街" in phone.locator("[data-testid=my-activities]").inner_text()

    # 安全隐患
    phone.click("[data-testid=new-hazard]")
    form = phone.locator("[data-testid=grid-form-hazard]")
    form.locator("#id_category").select_option("forest_fire")
    form.locator("#id_place").fill("桃溪村后山茶园小路")
    form.locator("#id_description").fill("山林防火通道被倒伏毛竹堵塞约三十米。")
    phone.screenshot(path=str(artifacts / "gridwork_hazard_phone.png"), full_page=True)
    submit(phone, form.locator("[data-testid=submit]"))
    assert "桃溪村后山茶园小路" in phone.locator("[data-testid=open-hazards]").inner_text()

    # 信息报送
    phone.click("[data-testid=new-report]")
    form = phone.locator("[data-testid=grid-form-report]")
    form.locator("#id_category").select_option("public_order")
    form.locator("#id_title").fill("茶园工棚夜间有人聚赌")
    form.locator("#id_content").fill("近三晚茶园工棚有外地车辆停放，十余人聚集，疑似聚众赌博。")
    submit(phone, form.locator("[data-testid=submit]"))
    reports = phone.locator("[data-testid=my-reports]")
    assert "茶园工棚夜间有人聚赌" in reports.inner_text()
    report_url = reports.locator("a", has_text="茶园工棚夜间有人聚赌").get_attribute("href")

    # 工作日志
    phone.click("[data-testid=edit-log]")
    phone.locator("#id_content").fill("巡逻一次，排查森林防火隐患一处，报送聚赌线索一条。")
    submit(phone, phone.locator("[data-testid=submit]"))
    assert "报送聚赌线索" in phone.locator("[data-testid=today-log]").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(artifacts / "gridwork_after_phone.png"), full_page=True)

    # No case files for an assistant.
    assert phone.goto("/cases/").status == 403

    # The station officer converts the report into an incident.
    desk = browser.new_context(base_url=demo_server, viewport={"width": 1280, "height": 900}).new_page()
    login(desk, "officer")
    desk.goto("/community/reports/")
    desk.locator("[data-testid=reports] tr", has_text="茶园工棚夜间有人聚赌").locator("a").first.click()
    desk.wait_for_url(f"**{report_url}")
    number = desk.locator("[data-testid=report-number]").inner_text()
    form = desk.locator("[data-testid=to-incident-form]")
    form.locator("select[name=kind]").select_option("public_order/gambling")
    submit(desk, form.locator("[data-testid=to-incident]"))
    assert desk.locator("[data-testid=report-status]").inner_text() == "已采用"
    incident_number = desk.locator("[data-testid=linked-incident]").inner_text()
    assert incident_number.startswith("J350824")
    desk.locator("[data-testid=linked-incident] a").click()
    desk.wait_for_url("**/incidents/**")
    assert number in desk.content()
    desk.screenshot(path=str(artifacts / "gridwork_report_incident.png"), full_page=True)

    # The assistant sees the outcome, without a link into the incident.
    phone.goto(report_url)
    assert phone.locator("[data-testid=report-status]").inner_text() == "已采用"
    assert phone.locator("[data-testid=linked-incident]").inner_text() == incident_number
    assert phone.locator("[data-testid=linked-incident] a").count() == 0
