"""A dispute walked through its pages in a real browser: the officer registers a land-and-forest dispute
of 桃溪, refers it to the county people's mediation committee; the mediator records the session and
the agreement, and downloads the 调解协议书 PDF, which names both parties."""

from __future__ import annotations

import pytest

from tests.e2e.test_roles_in_browser import login
from tests.pdf import pdf_text

pytestmark = pytest.mark.e2e


def submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def test_from_registration_to_the_agreement_pdf(browser, demo_server, artifacts) -> None:
    def session(username: str):
        page = browser.new_context(base_url=demo_server, viewport={"width": 1280, "height": 900}).new_page()
        login(page, username)
        return page

    officer, mediator = session("officer"), session("mediator")

    # 登记: from the board, a walk-in land-and-forest dispute with two parties.
    officer.goto("/mediation/")
    officer.click("[data-testid=new-dispute]")
    form = officer.locator("[data-testid=dispute-form]")
    form.locator("#id_source").select_option("walk_in")
    form.locator("#id_kind").select_option("land_forest")
    form.locator("#id_village").select_option(label="亭头村委会")
    form.locator("#id_relationship").fill("同村村民")
    form.locator("#id_amount").fill("9000")
    form.locator("#id_description").fill("亭头村两户因“大坪岗”山场界址不清发生争执，一方扬言要砍对方的杉木。")
    form.locator("#id_party_0_name").fill("钟浏览")
    form.locator("#id_party_0_phone").fill("13800007777")
    form.locator("#id_party_1_name").fill("刘测试")
    officer.screenshot(path=str(artifacts / "dispute_register.png"), full_page=True)
    submit(officer, form.locator("[data-testid=submit-dispute]"))
    number = officer.locator("[data-testid=dispute-number]").inner_text()
    assert number.startswith("JF")
    assert officer.locator("h1 [data-testid=status]").inner_text() == "已登记"
    # The system's suggestion and its reasons are shown to the officer.
    assert "扬言" in officer.locator("[data-testid=risk-reasons]").inner_text()
    dispute_url = officer.url

    # 公调衔接: referral to the people's mediation committee.
    route = officer.locator("[data-testid=route-form]")
    route.locator("input[name=route][value=people]").check()
    route.locator("select[name=mediator]").select_option(label="钟桂英（武平县人民调解委员会）")
    submit(officer, route.locator("button[type=submit]"))
    assert officer.locator("h1 [data-testid=status]").inner_text() == "调解中"

    # The mediator finds it on their board, records the session and the agreement.
    mediator.goto("/mediation/")
    mediator.locator(f"tr[data-dispute='{number}'] a").click()
    mediator.wait_for_url(dispute_url)
    sess = mediator.locator("[data-testid=session-form]")
    sess.locator("input[name=place]").fill("县人民调解委员会调解室")
    sess.locator("input[name=participants]").fill("双方当事人、亭头村调解主任")
    sess.locator("textarea[name=summary]").fill("实地察看山场后，双方同意以山脊分水线为界。")
    sess.locator("select[name=result]").select_option("agreed")
    submit(mediator, sess.locator("button[type=submit]"))
    agreement = mediator.locator("[data-testid=agreement-form]")
    agreement.locator("input[name=term_0_text]").fill("以大坪岗山脊分水线为界，双方在村干部见证下埋设界桩")
    agreement.locator("input[name=term_1_text]").fill("刘测试补偿钟浏览林木损失")
    agreement.locator("input[name=term_1_amount]").fill("3000")
    submit(mediator, agreement.locator("[data-testid=submit-agreement]"))
    assert mediator.locator("h1 [data-testid=status]").inner_text() == "达成协议"
    assert mediator.locator("[data-testid=confirmation-due]").inner_text()  # 司法确认申请期限
    mediator.screenshot(path=str(artifacts / "dispute_agreed.png"), full_page=True)

    # 调解协议书: download the PDF.
    href = mediator.locator("[data-testid=agreement-pdf]").first.get_attribute("href")
    response = mediator.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "钟浏览" in text and "刘测试" in text and "3,000.00元" in text
