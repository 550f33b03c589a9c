"""The whole call in Chromium: an agent signs in, finds the article, links it to the ticket,
replies, resolves; the user confirms from the email link and the ticket closes."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from kb.core.staff import create_agent
from kb.extensions import db
from kb.models import Ticket, utcnow
from tests.conftest import email_text, serious_violations

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def _setup(app: Flask) -> tuple[str, int]:
    email = f"agent-{uuid.uuid4().hex[:8]}@example.org"
    with app.app_context():
        create_agent(email, "Ana Agent", PASSWORD, "lead")
        db.session.commit()
        now = utcnow()
        ticket = Ticket(summary="Printer on floor 2 says offline", name="Sam Jones",
                        email="sam@example.org", description="Nothing prints <b>at all</b>.",
                        category="printing", respond_by=now + timedelta(hours=2),
                        created_at=now, last_touched_at=now, verified_at=now)
        db.session.add(ticket)
        db.session.commit()
        return email, ticket.id


def _sign_in(page: Page, live_url: str, email: str) -> None:
    page.goto(live_url + "/agent/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Find an article")).to_be_visible()




def test_whole_call(page: Page, live_app: tuple[Flask, str], inbox: Any, axe: Any) -> None:
    app, live_url = live_app
    email, ticket_id = _setup(app)
    _sign_in(page, live_url, email)
    box = page.get_by_label("Search all articles, internal ones too")
    expect(box).to_be_focused()
    assert not serious_violations(axe.run(page)), serious_violations(axe.run(page))
    box.fill("printer offline")
    result = page.locator(".agent-result").filter(has_text="KB-5").first
    expect(result).to_be_visible()
    result.get_by_label("Link to ticket").select_option(str(ticket_id))
    result.get_by_role("button", name="Link to ticket").click()
    expect(page.get_by_text(f"KB-5 linked to HD-{ticket_id:06d}")).to_be_visible()
    expect(page.locator(".user-text").first).to_contain_text("Nothing prints <b>at all</b>.")
    assert not serious_violations(axe.run(page)), serious_violations(axe.run(page))

    page.get_by_label("Message").fill("Please try printing again now.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Reply queued to the user by email")).to_be_visible()
    # The live app sends queued email inside the commit, so the reply is already delivered.
    expect(page.locator(".email-log .email-state").last).to_have_text("Sent")
    assert not serious_violations(axe.run(page)), serious_violations(axe.run(page))
    page.get_by_label("What was wrong and what did you do?").fill(
        "The printer had lost its network cable. We plugged it back in.")
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.locator("#ticket-status")).to_have_text("resolved")

    body = email_text(inbox.messages[-1])
    yes = re.search(r"Yes, it is fixed: (\S+)", body)
    assert yes, body
    user = page.context.browser.new_page() if page.context.browser else page
    user.goto(yes.group(1))
    expect(user.get_by_label("Yes, it is fixed")).to_be_checked()
    user.get_by_role("button", name="Send my answer").click()
    expect(user.get_by_role("heading", name="One question about our help")).to_be_visible()
    if user is not page:
        user.close()
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.status == "closed"
        assert [link.article_id for link in ticket.links] == [5]


def test_slash_shortcut_and_agent_pages_accessible(page: Page, live_app: tuple[Flask, str],
                                                   axe: Any) -> None:
    app, live_url = live_app
    email, ticket_id = _setup(app)
    _sign_in(page, live_url, email)
    for path in ("/agent/tickets", f"/agent/tickets/{ticket_id}", "/agent/articles/5",
                 "/agent/flags", "/agent/outages", "/agent/reports", "/agent/team"):
        page.goto(live_url + path)
        violations = serious_violations(axe.run(page))
        assert not violations, (path, violations)
    page.keyboard.press("/")
    expect(page).to_have_url(re.compile(r"/agent/$"))
    box = page.get_by_label("Search all articles, internal ones too")
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    box.fill("unlock account")
    internal = page.locator(".agent-result").filter(has_text="KB-100")
    expect(internal.locator(".tag.internal")).to_have_text("Internal")


def test_public_info_pages_accessible(page: Page, live_app: tuple[Flask, str], axe: Any) -> None:
    from kb.models import Outage

    app, live_url = live_app
    with app.app_context():
        outage = Outage(title="Email is slow", message="Emails take up to an hour to arrive.",
                        keywords="email, outlook")
        db.session.add(outage)
        db.session.commit()
        outage_id = outage.id
    try:
        for path in ("/agent/login", "/status", "/about", f"/status/outages/{outage_id}/join"):
            page.goto(live_url + path)
            violations = serious_violations(axe.run(page))
            assert not violations, (path, violations)
        expect(page.get_by_role("heading", name="Email is slow")).to_be_visible()
        page.get_by_role("button", name="Tell me when it is fixed").click()
        expect(page.locator(".error-summary")).to_be_focused()
        violations = serious_violations(axe.run(page))
        assert not violations, violations
    finally:
        with app.app_context():  # the live app is shared: no banner left for other tests
            db.session.get(Outage, outage_id).resolved_at = utcnow()  # type: ignore[union-attr]
            db.session.commit()


def test_nothing_scrolls_sideways_at_390_px(browser: Any, live_app: tuple[Flask, str],
                                           axe: Any) -> None:
    app, live_url = live_app
    email, ticket_id = _setup(app)
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    _sign_in(page, live_url, email)
    for path in ("/agent/tickets", f"/agent/tickets/{ticket_id}", "/agent/?q=printer"):
        page.goto(live_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
        assert not serious_violations(axe.run(page)), (path, serious_violations(axe.run(page)))
    context.close()


def test_a_reply_typed_before_the_session_expired_is_there_after_signing_in(
        browser: Any, live_app: tuple[Flask, str]) -> None:
    app, live_url = live_app
    email, ticket_id = _setup(app)
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, live_url, email)
    page.goto(f"{live_url}/agent/tickets/{ticket_id}")
    reply = "Please restart the printer and tell me what the screen says."
    page.get_by_label("Message").fill(reply)
    context.clear_cookies()  # the session runs out while the agent types
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("You were signed out, so that was not sent")).to_be_visible()
    expect(page.get_by_text("CSRF")).to_have_count(0)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_url}/agent/tickets/{ticket_id}")
    expect(page.get_by_label("Message")).to_have_value(reply)
    expect(page.get_by_text("Your unsent text was kept")).to_be_visible()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".timeline")).to_contain_text(reply)
    page.reload()
    expect(page.get_by_label("Message")).to_have_value("")  # sent: the draft is gone
    context.close()


def test_a_whole_call_with_the_keyboard_only(browser: Any, live_app: tuple[Flask, str],
                                             axe: Any) -> None:
    """1280 × 800, no mouse: find the ticket by its HD reference, read what they tried, link
    KB-5 by its number, reply, resolve; the status shows Resolved at once."""
    app, live_url = live_app
    email, ticket_id = _setup(app)
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.transcript = [
            {"question": "Turn the printer off and on again. Did that work?",
             "answer": "No, it did not work", "kind": "step"}]
        ticket.verified_at = utcnow()
        db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _sign_in(page, live_url, email)  # from here on, the keyboard only
    expect(page.get_by_label("Search all articles, internal ones too")).to_be_focused()
    page.keyboard.type(f"HD-{ticket_id:06d}")  # the search box has the focus ("/" elsewhere)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_url}/agent/tickets/{ticket_id}")
    expect(page.locator(".tried-path")).to_contain_text("Did not work")
    page.wait_for_load_state("load")  # the shortcuts come with agent.js
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("l")
    expect(page.get_by_label("Article ID")).to_be_focused()
    page.keyboard.type("KB-5")
    page.keyboard.press("Enter")
    expect(page.get_by_text("KB-5 linked.")).to_be_visible()
    page.wait_for_load_state("load")
    page.keyboard.press("r")
    expect(page.get_by_label("Message")).to_be_focused()
    page.keyboard.type("Please try printing again now.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".timeline")).to_contain_text("Please try printing again now.")
    page.wait_for_load_state("load")
    page.keyboard.press("e")
    expect(page.get_by_label("What was wrong and what did you do?")).to_be_focused()
    page.keyboard.type("The printer had lost its network cable.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-status")).to_have_text("resolved")
    assert not serious_violations(axe.run(page)), serious_violations(axe.run(page))
    context.close()
