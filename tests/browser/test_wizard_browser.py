"""A person in Chromium: the home page's open question → a wizard → a workaround that fails →
the restated answers → Change → the ticket → the confirmation → the email → the status page.
Once with JavaScript, once without."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import email_text, serious_violations

pytestmark = pytest.mark.browser


def journey(page: Page, live_url: str, axe: Any = None) -> None:
    checked: list[str] = []

    def check_a11y() -> None:
        if axe is not None:
            assert serious_violations(axe.run(page)) == [], page.url
            checked.append(page.url)

    page.goto(live_url + "/")
    page.get_by_label("Tell us in your own words").fill(
        "Nothing comes out of the printer <b>at all</b>")
    page.get_by_role("button", name="Help me fix it").click()
    expect(page).to_have_url(re.compile(r"/wizards/printer/screen$"))
    expect(page.get_by_text("Question 2")).to_be_visible()
    page.get_by_text("How do I check?").click()
    expect(page.get_by_text("Printers and scanners")).to_be_visible()
    check_a11y()
    page.get_by_label("Nothing happens and there is no message").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Print on another printer for now")).to_be_visible()
    expect(page.get_by_text("Quick workaround")).to_be_visible()
    check_a11y()
    page.get_by_label("No, it did not work").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Can other people print to this printer?")) \
        .to_be_visible()
    page.get_by_label("Yes, it is only me").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Here's what we understood")).to_be_visible()
    expect(page.get_by_text("You told us: “Nothing comes out of the printer <b>at all</b>”")) \
        .to_be_visible()
    expect(page.get_by_text("Other people can print; it is only you.")).to_be_visible()
    check_a11y()
    page.get_by_role("link", name="Change your answer to: Can other people print").click()
    expect(page.get_by_label("Yes, it is only me")).to_be_checked()
    page.get_by_label("No, nobody can print to it").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Here's what we understood")).to_be_visible()
    expect(page.get_by_text("Nobody can print to this printer.")).to_be_visible()
    page.get_by_role("button", name="Continue to the help desk form").click()
    expect(page).to_have_url(re.compile(r"/ask\?run=[\w-]+$"))


def send_ticket(page: Page, inbox: Any) -> None:
    """The hand-off form holds everything said; send it, then follow the email's status link."""
    expect(page.get_by_label("What's the problem, in a sentence?")).to_have_value(
        "Nothing comes out of the printer <b>at all</b>")
    expect(page.locator(".tried")).to_contain_text("Print on another printer for now")
    page.get_by_label("Your name").fill("Sam Patel")
    address = f"sam-{uuid.uuid4().hex[:8]}@example.org"  # one confirmation an hour per address
    page.get_by_label("Your work email address").fill(address)
    for label in ("Just me", "I can work, but it is slow or hard"):
        box = page.get_by_label(label)
        group = page.locator(f"input[name={box.get_attribute('name')}]:checked")
        if group.count() == 0:
            box.check()
    page.get_by_role("button", name="Send to the help desk").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    reference = page.locator(".reference").inner_text()
    mail = next(m for m in inbox.messages if reference in m["Subject"])
    body = email_text(mail)
    assert address in mail["To"]
    link = re.search(r"http://\S+/status/[\w-]+", body)
    assert link, body
    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Status: Received")).to_be_visible()
    expect(page.get_by_text(reference).first).to_be_visible()
    expect(page.get_by_text("Nothing comes out of the printer <b>at all</b>").first) \
        .to_be_visible()


def test_journey_with_javascript(page: Page, live_url: str, axe: Any, inbox: Any) -> None:
    journey(page, live_url, axe)
    send_ticket(page, inbox)


def test_journey_without_javascript(browser: Browser, live_url: str, inbox: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        journey(page, live_url)
        send_ticket(page, inbox)
    finally:
        context.close()


def test_wizard_list_and_open_question_are_accessible(page: Page, live_url: str,
                                                      axe: Any) -> None:
    page.goto(live_url + "/wizards")
    assert serious_violations(axe.run(page)) == []
    page.goto(live_url + "/wizards/monitor")
    expect(page.get_by_text("Question 1")).to_be_visible()
    assert serious_violations(axe.run(page)) == []
    page.get_by_role("button", name="Continue").click()  # empty: the error summary
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert serious_violations(axe.run(page)) == []
