"""Supervision notices in a real browser (issue 5): legal affairs issues a 执法监督通知书 on a case, the
station chief hears of it in his inbox and responds, legal affairs accepts; a procurator raises a
检察监督意见 on the same criminal case and sees the unit's response."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.e2e.test_roles_in_browser import login

pytestmark = pytest.mark.e2e


def submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def notice_status(page) -> str:
    return page.locator("[data-testid=notice-status]").inner_text()


def test_notice_and_opinion_from_issue_to_acceptance(browser, demo_server, artifacts) -> None:
    def session(username: str):
        page = browser.new_context(base_url=demo_server, viewport={"width": 1280, "height": 900}).new_page()
        login(page, username)
        return page

    officer, legal, affairs, chief, procurator = (
        session(u) for u in ("officer", "legal_officer", "legal_affairs", "chief", "procurator")
    )

    # A criminal case of 桃溪, led by the 桃溪 officer (so 桃溪派出所 is the unit that rectifies).
    officer.goto("/cases/")
    officer.click("[data-testid=new-case]")
    officer.check("input[name=kind][value=criminal]")
    officer.fill("#id_title", "帽村电动车被盗案")
    officer.fill("#id_facts", "村民报称其停放在村部门口的电动车于夜间被盗。")
    officer.select_option("#id_source", "walk_in")
    submit(officer, officer.locator("[data-testid=submit-accept]"))
    number = officer.locator("[data-testid=case-number]").inner_text()
    legal.goto("/cases/?tab=queue")
    legal.click(f"tr[data-case='{number}'] a >> nth=0")
    form = legal.locator("[data-testid=assign-form]")
    form.locator("select[name=offence_code]").select_option("C-216")
    form.locator("select[name=lead_officer]").select_option(label="李志强（桃溪社区警务队）")
    submit(legal, form.locator("button[type=submit]"))

    # 法制大队 issues a notice: a missing document, to be rectified within a week.
    affairs.goto("/supervision/notices/")
    affairs.click("[data-testid=new-notice]")
    notice_form = affairs.locator("[data-testid=notice-form]")
    notice_form.locator("#id_case_number").fill(number)
    notice_form.locator("#id_defect").select_option("missing_document")
    notice_form.locator("#id_description").fill("卷内缺少《受案回执》，请补齐。")
    notice_form.locator("#id_rectify_by").fill((date.today() + timedelta(days=7)).isoformat())
    submit(affairs, notice_form.locator("[data-testid=submit-notice]"))
    notice_url = affairs.url
    notice_number = affairs.locator("[data-testid=notice-number]").inner_text()
    assert notice_number.startswith("武公法监〔") and notice_status(affairs) == "已下发"
    assert affairs.locator("[data-testid=notice-unit]").inner_text() == "桃溪派出所"
    affairs.screenshot(path=str(artifacts / "notice_issued.png"), full_page=True)

    # The chief finds it in his inbox (the header counts it), opens it and responds.
    chief.goto("/")
    assert int(chief.locator("[data-testid=unread-count]").inner_text()) >= 1
    chief.click("[data-testid=inbox-link]")
    item = chief.locator(".inbox-item", has_text=notice_number).first
    submit(chief, item.locator("button[name=open]"))
    assert chief.url == notice_url
    chief.fill("[data-testid=response-form] textarea", "已补齐《受案回执》并送达报案人。")
    submit(chief, chief.locator("[data-testid=response-form] button[type=submit]"))
    assert notice_status(chief) == "已反馈整改"
    assert chief.locator("[data-testid=review-form]").count() == 0

    # 法制大队 accepts.
    affairs.goto(notice_url)
    assert "已补齐《受案回执》" in affairs.locator("[data-testid=history]").inner_text()
    affairs.fill("[data-testid=review-form] textarea", "整改到位。")
    submit(affairs, affairs.locator("[data-testid=review-form] button[value=accept]"))
    assert notice_status(affairs) == "已验收"
    assert affairs.locator("[data-testid=history] li").evaluate_all(
        "els => els.map(e => e.dataset.action)"
    ) == [
        "issued",
        "responded",
        "accepted",
    ]
    affairs.screenshot(path=str(artifacts / "notice_accepted.png"), full_page=True)

    # The procurator raises an opinion on the same (criminal) case…
    procurator.goto("/supervision/notices/")
    assert notice_number not in procurator.locator("[data-testid=notices]").inner_text()
    procurator.click("[data-testid=new-notice]")
    opinion_form = procurator.locator("[data-testid=notice-form]")
    opinion_form.locator("#id_case_number").fill(number)
    opinion_form.locator("#id_opinion_type").select_option("correction_notice")
    opinion_form.locator("#id_defect").select_option("procedure_violation")
    opinion_form.locator("#id_description").fill("询问笔录未记载告知犯罪嫌疑人诉讼权利。")
    opinion_form.locator("#id_rectify_by").fill((date.today() + timedelta(days=10)).isoformat())
    submit(procurator, opinion_form.locator("[data-testid=submit-notice]"))
    opinion_url = procurator.url
    assert procurator.locator("[data-testid=notice-number]").inner_text().startswith("武检监〔")

    # …the chief responds, and the procurator sees the response.
    chief.goto(opinion_url)
    chief.fill("[data-testid=response-form] textarea", "已补充告知并重新制作笔录。")
    submit(chief, chief.locator("[data-testid=response-form] button[type=submit]"))
    procurator.goto(opinion_url)
    assert notice_status(procurator) == "已反馈整改"
    assert "已补充告知并重新制作笔录" in procurator.locator("[data-testid=history]").inner_text()
    assert procurator.locator("[data-testid=review-form]").is_visible()
    procurator.screenshot(path=str(artifacts / "opinion_responded.png"), full_page=True)
