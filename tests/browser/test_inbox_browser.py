"""The email inbox in Chromium: a held reply is listed with its reason, the page passes
axe and fits a phone, and "Add to the chosen ticket" puts it on the ticket."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from kb.core.staff import create_agent
from kb.extensions import db
from kb.models import InboundMessage, Ticket, TicketEvent, utcnow
from kb.tickets.inbound import receive
from tests.conftest import serious_violations

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
WIDER_THAN_PHONE = """[...document.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > 392)
    .map(e => e.tagName + '.' + e.className).slice(0, 10)"""


def test_agent_adds_a_held_reply_from_the_inbox(browser: Any, live_app: tuple[Flask, str],
                                               axe: Any) -> None:
    app, live_url = live_app
    email = f"agent-{uuid.uuid4().hex[:8]}@example.org"
    subject = f"Printer question {uuid.uuid4().hex[:6]}"
    with app.app_context():
        create_agent(email, "Ana Agent", PASSWORD, "agent")
        now = utcnow()
        ticket = Ticket(summary="Scanner sends nothing to my email, very long summary text",
                        name="Kim", email="kim@example.org", category="printing",
                        respond_by=now + timedelta(hours=2), created_at=now,
                        last_touched_at=now, verified_at=now)
        db.session.add(ticket)
        row = receive(f"From: Kim <kim@example.org>\r\nTo: help@example.org\r\nSubject: "
                      f"{subject}\r\n\r\nThe scanner works again since this morning, "
                      "https://intranet.example.org/a/very/long/address/without/any/spaces"
                      "/that/should/wrap/on/a/phone\r\n".encode())
        db.session.commit()
        ticket_id, row_id = ticket.id, row.id
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(live_url + "/agent/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#nav-inbox").click()
    item = page.locator(f"#inbound-{row_id}")
    expect(item.get_by_role("heading", name=subject)).to_be_visible()
    expect(item.locator(".inbox-reason")).to_contain_text("we do not know the ticket")
    wide = page.evaluate(WIDER_THAN_PHONE)  # what sticks out, said in the failure
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    assert not serious_violations(axe.run(page)), serious_violations(axe.run(page))
    item.get_by_label("Add to ticket").select_option(str(ticket_id))
    item.get_by_role("button", name="Add to the chosen ticket").click()
    expect(page.get_by_text(f"Email added to HD-{ticket_id:06d}.")).to_be_visible()
    expect(page.locator(f"#inbound-{row_id}")).to_have_count(0)
    page.goto(f"{live_url}/agent/tickets/{ticket_id}")
    expect(page.locator(".by-email")).to_have_text("by email")
    context.close()
    with app.app_context():
        assert db.session.get(InboundMessage, row_id).state == "added"  # type: ignore[union-attr]
        bodies = db.session.query(TicketEvent.body).filter_by(ticket_id=ticket_id,
                                                              via="email").all()
        assert [b for (b,) in bodies][0].startswith("The scanner works again")
