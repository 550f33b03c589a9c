"""A person using the public site in Chromium: search, open, copy the ID, vote, suggestions."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import serious_violations

pytestmark = pytest.mark.browser


def test_search_open_copy_and_vote(page: Page, live_url: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    page.goto(live_url + "/")
    page.get_by_label("Search for a fix in your own words").fill("printer offline")
    page.get_by_role("button", name="Search").first.click()
    expect(page.locator(".result-count")).to_contain_text("found")
    expect(page.locator(".snippet mark").first).to_be_visible()
    page.locator(".result h2 a").first.click()
    kb_id = page.locator("#kb-id").inner_text()
    assert kb_id.startswith("KB-")
    page.get_by_role("button", name="Copy ID").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == kb_id
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thanks for your answer")).to_be_visible()


def test_zero_results_path_carries_query(page: Page, live_url: str) -> None:
    page.goto(live_url + "/search?q=qwertyuiop+zxcv")
    expect(page.get_by_role("heading", name="We could not find an article")).to_be_visible()
    link = page.get_by_role("link", name="Ask the help desk").last
    assert "q=qwertyuiop+zxcv" in (link.get_attribute("href") or "")


def test_suggestions_as_you_type(page: Page, live_url: str) -> None:
    page.goto(live_url + "/")
    page.get_by_label("Search for a fix in your own words").press_sequentially("print",
                                                                              delay=30)
    first = page.locator(".suggestions a").first
    expect(first).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#kb-id")).to_be_visible()


def test_works_without_javascript(browser: Any, live_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_url + "/")
    page.get_by_label("Search for a fix in your own words").fill("pasword")
    page.get_by_role("button", name="Search").first.click()
    expect(page.locator(".result").first).to_be_visible()
    expect(page.get_by_role("button", name="Copy ID")).to_have_count(0)
    context.close()


@pytest.mark.parametrize("path", ["/", "/search?q=printer", "/search?q=zzzqqq",
                                  "/categories/printing", "/a/1"])
def test_accessibility(page: Page, live_url: str, axe: Any, path: str) -> None:
    page.goto(live_url + path)
    assert serious_violations(axe.run(page)) == []
