"""队伍建设 in a real browser: the political department plans a legal course for 桃溪 and records the
demo officer's attendance and score on the course page; the officer then finds it on his own record,
prints his one-page summary, and visits the 荣誉室 with the bureau's honours."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.e2e.test_roles_in_browser import login

pytestmark = pytest.mark.e2e

TITLE = "民法典与治安调解衔接专题培训（浏览器测试）"


def submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def test_personnel_records_attendance_and_the_officer_sees_it(page, artifacts) -> None:
    login(page, "personnel")
    page.click("[data-menu=personnel]")
    page.wait_for_url("**/personnel/courses/")
    page.click("[data-testid=new-course]")
    form = page.locator("[data-testid=course-form]")
    form.locator("#id_title").fill(TITLE)
    form.locator("#id_kind").select_option("legal")
    today = date.today().isoformat()
    form.locator("#id_starts_on").fill(today)
    form.locator("#id_due_on").fill(today)
    form.locator("#id_pass_score").fill("60")
    form.locator("#id_unit_ids").select_option(label="桃溪派出所")
    form.locator("#id_roles").select_option("officer")
    submit(page, form.locator("button[type=submit]"))
    assert page.locator("h1").inner_text() == TITLE
    assert "计入执法质量考评" in page.locator(".card").first.inner_text()

    row = page.locator("[data-testid=attendance-officer]")
    row.locator("select").select_option("attended")
    row.locator("input[name$=score]").fill("86")
    submit(page, row.locator("button[type=submit]"))
    officer_row = page.locator("[data-testid=enrolments] tr[data-officer=officer]")
    assert "86.0" in officer_row.inner_text() and "合格" in officer_row.inner_text()
    page.screenshot(path=str(artifacts / "personnel_course.png"), full_page=True)

    page.context.clear_cookies()
    login(page, "officer")
    page.click("[data-menu=personnel]")
    page.wait_for_url(re.compile(r"/personnel/officers/\d+/$"))
    training = page.locator("[data-testid=training]")
    line = training.locator("tr", has_text=TITLE)
    assert "86.0" in line.inner_text() and "合格" in line.inner_text()
    assert "个人三等功" in page.locator("[data-testid=honours]").inner_text()
    pdf = page.request.get(page.locator("[data-testid=profile-pdf]").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    page.screenshot(path=str(artifacts / "personnel_profile.png"), full_page=True)

    page.click("[data-menu=honours]")
    wall = page.locator("[data-testid=honour-wall]")
    assert "全国优秀公安局" in wall.inner_text()
    wall.locator("[data-unit=wp-ps-350824102]").click()
    assert "“搏”文化" in page.locator("[data-testid=brand]").inner_text()
    # The brand's poster loads from the content-addressed store.
    page.wait_for_function(
        "() => { const i = document.querySelector('.brand-photos img');"
        " return i && i.complete && i.naturalWidth > 0 }",
        timeout=10000,
    )
    page.screenshot(path=str(artifacts / "honours_room.png"), full_page=True)
    assert page.requests_elsewhere == []
