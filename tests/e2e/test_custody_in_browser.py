"""The case-handling center in a real browser: the case officer summons a suspect; the center's duty
officer (`custody`) registers his entry under that summons, a questioning session by two officers, and the
exit — after which the summons has ended on the case's timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_roles_in_browser import login

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(minutes_ago: int) -> str:
    """A datetime-local value, `minutes_ago` before now, in the bureau's time zone."""
    return (datetime.now(SHANGHAI) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def test_the_center_registers_an_entry_a_session_and_the_exit(browser, demo_server, artifacts) -> None:
    def session(username: str):
        page = browser.new_context(base_url=demo_server, viewport={"width": 1280, "height": 900}).new_page()
        login(page, username)
        return page

    officer, custody = session("wubei_officer"), session("custody")

    # 传唤: the case officer summons the suspect of one of his filed cases, an hour ago.
    officer.goto("/cases/?tab=mine&status=filed")
    links = [a.get_attribute("href") for a in officer.locator("tr[data-case] a").all()]
    form = officer.locator("[data-testid=measure-form]")
    # The first of his filed cases with a suspect on record (a transferred case may have none yet).
    for link in dict.fromkeys(links):
        officer.goto(link)
        if form.locator("select[name=party] option", has_text="嫌疑人").count():
            break
    case_url = officer.url
    number = officer.locator("[data-testid=case-number]").inner_text()
    form.locator("select[name=kind]").select_option("summons")
    suspect = form.locator("select[name=party] option", has_text="嫌疑人").first
    name = suspect.inner_text().split("（")[0]
    form.locator("select[name=party]").select_option(suspect.get_attribute("value"))
    form.locator("input[name=started_at]").fill(local(60))
    submit(officer, form.locator("button[type=submit]"))
    assert "传唤" in officer.locator("[data-testid=measures] tbody").inner_text()

    # 入区登记: the center finds the case, picks the summons, and records the document and the officers.
    custody.goto("/custody/")
    submit(custody, custody.locator("[data-testid=register]"))
    custody.fill("#id_q", number)
    submit(custody, custody.locator("[data-testid=search] button[type=submit]"))
    row = (
        custody.locator("[data-testid=options] tr[data-measure]")
        .filter(has_text=name)
        .filter(has_text="传唤")
    )
    submit(custody, row.locator("[data-testid=pick]"))
    register = custody.locator("[data-testid=register-form]")
    submit(custody, register.locator("[data-testid=submit-register]"))  # without the document: refused
    assert "没有法律依据文书，不能登记入区" in register.inner_text()
    register.locator("input[name=basis_document]").fill("武公（武北）传字〔2026〕66号")
    register.locator("input[name=entered_at]").fill(local(50))
    register.locator("label", has_text="刘建平").locator("input").check()
    custody.screenshot(path=str(artifacts / "custody_register.png"), full_page=True)
    submit(custody, register.locator("[data-testid=submit-register]"))
    assert "已登记入区" in custody.locator(".messages").inner_text()
    assert custody.locator("[data-testid=stay-person]").inner_text() == name
    assert custody.locator("[data-testid=stay-status]").inner_text() == "在区"
    stay_url = custody.url

    # 讯问: one officer is refused; two are recorded.
    questioning = custody.locator("[data-testid=session-form]")
    questioning.locator("select[name=room]").select_option("xw2")
    questioning.locator("input[name=started_at]").fill(local(40))
    questioning.locator("input[name=ended_at]").fill(local(10))
    boxes = questioning.locator("input[name=officers]")
    boxes.nth(0).check()
    submit(custody, questioning.locator("button[type=submit]"))
    assert "讯问、询问民警不得少于二人" in custody.locator("[data-testid=session-form]").inner_text()
    questioning = custody.locator("[data-testid=session-form]")
    questioning.locator("input[name=officers]").nth(1).check()
    submit(custody, questioning.locator("button[type=submit]"))
    assert "已登记讯问/询问" in custody.locator(".messages").inner_text()
    assert "讯问室二" in custody.locator("[data-testid=sessions] tbody").inner_text()

    # The screen lists him with the time left before the 12-hour limit of a criminal summons.
    custody.goto("/custody/")
    screen_row = custody.locator("[data-testid=inside] tr[data-stay]").filter(has_text=name)
    assert "还剩" in screen_row.locator("[data-testid=countdown]").inner_text()
    custody.screenshot(path=str(artifacts / "custody_screen.png"), full_page=True)

    # 出区: released; the summons ends with the stay.
    custody.goto(stay_url)
    leaving = custody.locator("[data-testid=exit-form]")
    leaving.locator("select[name=destination]").select_option("released")
    submit(custody, leaving.locator("[data-testid=submit-exit]"))
    assert "已登记出区" in custody.locator(".messages").inner_text()
    assert custody.locator("[data-testid=stay-status]").inner_text() == "已出区"
    assert custody.locator("[data-testid=destination]").inner_text() == "释放/离开"
    custody.screenshot(path=str(artifacts / "custody_stay_left.png"), full_page=True)
    officer.goto(case_url)
    assert officer.locator("[data-testid=timeline] li[data-event=summons_ended]").count() >= 1
