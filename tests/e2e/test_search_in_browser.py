"""Full-text search in the browser: an officer of 桃溪 types `盗窃 电动车 桃溪`, sees highlighted hits
from the demo records of the units in scope, and opens one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_roles_in_browser import login

pytestmark = pytest.mark.e2e


def test_search_finds_highlights_and_opens(page, artifacts) -> None:
    login(page, "officer")
    page.locator("[data-testid=menu] a[data-menu=search]").click()
    page.locator("input[name=q]").fill("盗窃 电动车 桃溪")
    page.locator("[data-testid=search-form] button[type=submit]").click()
    hits = page.locator("[data-testid=search-hits] .search-hit")
    expect(hits.first).to_be_visible()
    marks = hits.first.locator("mark")
    assert set(marks.all_inner_texts()) & {"盗窃", "电动车", "桃溪", "盗窃电动车"}
    page.screenshot(path=str(artifacts / "search-hits.png"), full_page=True)
    link = hits.first.locator(".search-hit-head a").first
    href = link.get_attribute("href")
    link.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    # A full-looking fragment of an ID number finds no one.
    page.goto(re.sub(r"^(https?://[^/]+).*$", r"\1/search/?q=350824", page.url))
    expect(page.locator("[data-testid=no-hits]")).to_be_visible()
