"""A criminal case walked through its pages in a real browser, by the people who do each step:
受案 (officer) → 审查指派 (legal officer, marked major) → 立案 (approved by the station chief) →
suspect → 刑事拘留 (legal officer, then leader) → 提请批准逮捕 / 批准逮捕 → 集体议案 (leader) →
移送审查起诉 (legal officer, then leader)."""

from __future__ import annotations

import pytest

from tests.e2e.test_roles_in_browser import login

pytestmark = pytest.mark.e2e


def status(page) -> str:
    return page.locator("h1 [data-testid=status]").inner_text()


def submit(page, button) -> None:
    """Click a form's button and wait for the page the server answers with."""
    with page.expect_navigation():
        button.click()


def approve_in_inbox(page, number: str, label: str) -> None:
    page.goto("/cases/approvals/")
    item = page.locator(f"article[data-case='{number}']").filter(has_text=label)
    item.locator("textarea[name=opinion]").fill("经审核，事实清楚，同意。")
    submit(page, item.locator("button[value=approve]"))
    assert "已同意" in page.locator(".messages").inner_text()


def test_a_criminal_case_from_acceptance_to_transfer(browser, demo_server, artifacts) -> None:
    def session(username: str):
        page = browser.new_context(base_url=demo_server, viewport={"width": 1280, "height": 900}).new_page()
        login(page, username)
        return page

    officer, legal, chief, leader = (session(u) for u in ("officer", "legal_officer", "chief", "leader"))

    # 受案: the officer registers a walk-in report of his station.
    officer.goto("/cases/")
    officer.click("[data-testid=new-case]")
    officer.check("input[name=kind][value=criminal]")
    officer.fill("#id_title", "亭头村耕牛被盗案")
    officer.fill("#id_facts", "村民报称其饲养的耕牛两头于夜间被盗，牛栏门锁被撬。")
    officer.select_option("#id_source", "walk_in")
    officer.screenshot(path=str(artifacts / "case_accept_form.png"), full_page=True)
    submit(officer, officer.locator("[data-testid=submit-accept]"))
    case_url = officer.url
    number = officer.locator("[data-testid=case-number]").inner_text()
    assert status(officer) == "已受案（待审查）"
    assert officer.locator("[data-transition]").count() == 0  # an officer does not review

    # 统一审查指派: the joint station's legal officer sets the offence, marks the case major, assigns.
    legal.goto("/cases/?tab=queue")
    legal.click(f"tr[data-case='{number}'] a >> nth=0")
    form = legal.locator("[data-testid=assign-form]")
    form.locator("select[name=offence_code]").select_option("C-216")
    form.locator("select[name=lead_officer]").select_option(label="李志强（桃溪社区警务队）")
    form.locator("input[name=is_major]").check()
    submit(legal, form.locator("button[type=submit]"))
    assert legal.locator("[data-testid=offence]").inner_text() == "盗窃罪"
    assert legal.locator("[data-testid=lead-officer]").inner_text() == "李志强"
    assert legal.locator("h1 [data-testid=major]").is_visible()
    assert legal.locator("[data-transition]").evaluate_all("els => els.map(e => e.dataset.transition)") == [
        "file",
        "decline",
    ]
    submit(legal, legal.locator("[data-transition=file] button[type=submit]"))
    assert "待办案单位负责人审批" in legal.locator(".messages").inner_text()
    legal.screenshot(path=str(artifacts / "case_assigned.png"), full_page=True)

    # 立案: the station chief approves in the inbox.
    chief.goto("/cases/approvals/")
    chief.screenshot(path=str(artifacts / "case_approvals_inbox.png"), full_page=True)
    approve_in_inbox(chief, number, "立案")
    officer.goto(case_url)
    assert status(officer) == "已立案（办理中）"

    # A suspect, found by name among the persons the officer may see.
    officer.goto("/people/")
    name = officer.locator("tbody tr td a").first.inner_text()
    officer.goto(case_url)
    party_form = officer.locator("[data-testid=party-form]")
    party_form.locator("input[name=query]").fill(name)
    officer.wait_for_selector("[data-testid=candidates] input[name=person]")
    party_form.locator("[data-testid=candidates] input[name=person]").first.check()
    party_form.locator("select[name=role]").select_option("suspect")
    submit(officer, party_form.locator("button[type=submit]"))
    assert name in officer.locator("[data-testid=parties] tbody").inner_text()

    # 刑事拘留: asked by the officer, approved by the legal officer and then the leader.
    measure = officer.locator("[data-testid=measure-form]")
    measure.locator("select[name=kind]").select_option("criminal_detention")
    submit(officer, measure.locator("button[type=submit]"))
    assert "待法制员审核" in officer.locator(".messages").inner_text()
    approve_in_inbox(legal, number, "刑事拘留")
    approve_in_inbox(leader, number, "刑事拘留")
    officer.goto(case_url)
    assert "刑事拘留" in officer.locator("[data-testid=measures] tbody").inner_text()

    # 提请批准逮捕 goes through legal review and the leader; then the procuratorate's 批准逮捕.
    for code in ("arrest_request_submitted", "arrest_approved"):
        events = officer.locator("[data-testid=event-form]")
        events.locator("select[name=code]").select_option(code)
        submit(officer, events.locator("button[type=submit]"))
        if code == "arrest_request_submitted":
            assert officer.locator(f"[data-testid=timeline] li[data-event={code}]").count() == 0
            approve_in_inbox(legal, number, "提请批准逮捕")
            approve_in_inbox(leader, number, "提请批准逮捕")
            officer.goto(case_url)
        assert officer.locator(f"[data-testid=timeline] li[data-event={code}]").count() == 1

    # A major case: transfer is refused until the deliberation has passed.
    submit(officer, officer.locator("[data-transition=transfer_for_prosecution] button[type=submit]"))
    assert "重大疑难复杂案件须经集体议案通过后方可“移送审查起诉”" in officer.locator(".messages").inner_text()

    # 集体议案: the leader records the meeting; the minutes print.
    leader.goto(case_url)
    meeting = leader.locator("[data-testid=deliberation-form]")
    for person in ("张振华", "谢文斌", "林国栋", "邱美玲"):
        meeting.locator("label", has_text=person).locator("input").check()
    meeting.locator("textarea[name=opinions]").fill(
        "张振华：同意移送审查起诉。\n谢文斌：证据确实、充分。\n林国栋：同意。\n邱美玲：程序合法。"
    )
    meeting.locator("textarea[name=decision]").fill("同意将本案移送审查起诉。")
    meeting.locator("input[name=votes_for]").fill("4")
    submit(leader, meeting.locator("button[type=submit]"))
    assert "已记录集体议案" in leader.locator(".messages").inner_text()
    submit(leader, leader.locator("[data-testid=deliberations] a").first)
    leader.wait_for_selector("[data-testid=minutes]")
    assert "议案通过" in leader.locator("[data-testid=vote]").inner_text()
    leader.screenshot(path=str(artifacts / "case_deliberation_minutes.png"), full_page=True)
    leader.emulate_media(media="print")
    assert not leader.locator("[data-testid=menu]").is_visible()
    leader.emulate_media(media="screen")

    # 移送审查起诉: asked by the officer, approved by the legal officer and the leader.
    officer.goto(case_url)
    submit(officer, officer.locator("[data-transition=transfer_for_prosecution] button[type=submit]"))
    assert "待法制员审核" in officer.locator(".messages").inner_text()
    approve_in_inbox(legal, number, "移送审查起诉")
    approve_in_inbox(leader, number, "移送审查起诉")
    officer.goto(case_url)
    assert status(officer) == "已移送审查起诉"
    events = officer.locator("[data-testid=timeline] li[data-event]").evaluate_all(
        "els => els.map(e => e.dataset.event)"
    )
    for code in (
        "case_accepted",
        "case_filed",
        "criminal_detention_executed",
        "arrest_request_submitted",
        "arrest_approved",
        "transferred_for_prosecution",
    ):
        assert code in events
    officer.screenshot(path=str(artifacts / "case_transferred.png"), full_page=True)

    # 退回补充侦查 (with its reason), then the resubmission after legal review.
    returning = officer.locator("[data-transition=record_return]")
    returning.locator("textarea[name=reason]").fill("证据不足，退回补充侦查")
    submit(officer, returning.locator("button[type=submit]"))
    assert status(officer) == "退回补充侦查"
    submit(officer, officer.locator("[data-transition=resubmit] button[type=submit]"))
    approve_in_inbox(legal, number, "重新移送审查起诉")
    officer.goto(case_url)
    assert status(officer) == "已移送审查起诉"
    events = officer.locator("[data-testid=timeline] li[data-event]").evaluate_all(
        "els => els.map(e => e.dataset.event)"
    )
    assert events[-2:] == ["returned_for_supplementary_investigation", "resubmitted_for_prosecution"]

    # The list and the officer's home page show the case with its state.
    legal.goto("/cases/?tab=all")
    assert "已移送审查起诉" in legal.locator(f"tr[data-case='{number}']").inner_text()
    legal.screenshot(path=str(artifacts / "case_list.png"), full_page=True)
    officer.goto("/")
    assert number in officer.locator("section.card", has_text="我的案件").inner_text()
    officer.screenshot(path=str(artifacts / "case_home_officer.png"), full_page=True)
    for page in (officer, legal, chief, leader):
        page.context.close()
