"""Asking the help desk in Chromium, with and without JavaScript: form, confirmation, status
page, "It's fixed now", and no serious accessibility problems on any of these pages."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import email_text, serious_violations

pytestmark = pytest.mark.browser


def fill_contact_and_choices(page: Page) -> None:
    page.get_by_label("Anything else we should know?").fill("It says Offline since 9 o'clock.")
    page.get_by_label("Just me").check()
    page.get_by_label("I can work, but it is slow or hard").check()
    page.get_by_label("What is it about?").select_option("printing")
    page.get_by_label("Your name").fill("Robin Lee")
    # A new address each time: an unconfirmed address gets one confirmation an hour.
    page.get_by_label("Your work email address").fill(f"robin-{uuid.uuid4().hex[:8]}@example.org")


def open_status_from_email(page: Page, inbox: Any, reference: str) -> None:
    """The status link is only in the email, never on the confirmation page."""
    assert reference not in page.url
    mail = next(m for m in reversed(inbox.messages) if reference in m["Subject"])
    link = re.search(r"http://\S+/status/[\w-]+", email_text(mail))
    assert link
    assert link.group(0).rsplit("/", 1)[1] not in page.content()
    page.goto(link.group(0))


def check_axe(page: Page, axe: Any) -> None:
    assert serious_violations(axe.run(page)) == []


def test_ask_journey_with_javascript(page: Page, live_url: str, axe: Any, inbox: Any) -> None:
    page.goto(live_url + "/ask")
    check_axe(page, axe)
    page.get_by_label("What's the problem, in a sentence?").press_sequentially(
        "printer offline", delay=20)
    suggestions = page.locator("#suggestions-live")
    expect(suggestions.get_by_role("heading", name="Check these articles first")).to_be_visible()
    expect(suggestions.get_by_role("link").first).to_contain_text("offline")
    # A missing answer keeps what was typed and explains what to fix.
    page.get_by_label("Your name").fill("Robin Lee")
    page.get_by_role("button", name="Send to the help desk").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.get_by_label("Your name")).to_have_value("Robin Lee")
    check_axe(page, axe)
    fill_contact_and_choices(page)
    page.get_by_role("button", name="Send to the help desk").click()

    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    reference = page.locator(".reference").inner_text()
    assert reference.startswith("HD-")
    expect(page.get_by_text("Someone from the help desk will contact you")).to_be_visible()
    check_axe(page, axe)

    open_status_from_email(page, inbox, reference)
    expect(page.get_by_role("heading", name="Status: Received")).to_be_visible()
    check_axe(page, axe)
    page.get_by_label("Your comment").fill("Now it shows a red light.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator(".timeline")).to_contain_text("Now it shows a red light.")
    page.get_by_role("button", name="It's fixed now").click()
    expect(page.get_by_role("heading", name="Status: Closed")).to_be_visible()
    check_axe(page, axe)


def test_ask_journey_without_javascript(browser: Any, live_url: str, inbox: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_url + "/ask?q=printer+offline")
    expect(page.get_by_label("What's the problem, in a sentence?")).to_have_value(
        "printer offline")
    fill_contact_and_choices(page)
    page.get_by_role("button", name="Check for articles that may help").click()
    expect(page.get_by_role("heading", name="Check these articles first")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Robin Lee")
    expect(page.get_by_label("Just me")).to_be_checked()
    page.get_by_role("button", name="Send to the help desk").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    open_status_from_email(page, inbox, page.locator(".reference").inner_text())
    expect(page.get_by_role("heading", name="Status: Received")).to_be_visible()
    page.get_by_role("button", name="It's fixed now").click()
    expect(page.get_by_role("heading", name="Status: Closed")).to_be_visible()
    context.close()
