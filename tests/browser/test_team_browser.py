"""In Chromium at 1280x800: a lead invites someone from the team page, the invitee opens the
link from the email the SMTP server received, chooses a password and lands signed in. axe
checks the team, invitation and merge pages."""

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


@pytest.fixture
def desktop(page: Page) -> Page:
    page.set_viewport_size({"width": 1280, "height": 800})
    return page


def _lead(app: Flask) -> str:
    email = f"lead-{uuid.uuid4().hex[:8]}@example.org"
    with app.app_context():
        create_agent(email, "Lee Lead", PASSWORD, "lead")
        db.session.commit()
    return email


def _sign_in(page: Page, live_url: str, email: str) -> None:
    page.goto(live_url + "/agent/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Find an article")).to_be_visible()


def _no_serious(page: Page, axe: Any, where: str) -> None:
    violations = serious_violations(axe.run(page))
    assert not violations, (where, violations)


def test_lead_invites_and_the_invitee_sets_a_password(desktop: Page, live_app: tuple[Flask, str],
                                                      inbox: Any, axe: Any) -> None:
    app, live_url = live_app
    page = desktop
    _sign_in(page, live_url, _lead(app))
    page.goto(live_url + "/agent/team")
    _no_serious(page, axe, "team page")
    invitee = f"kim-{uuid.uuid4().hex[:8]}@example.org"
    form = page.locator("form[action$='/agent/team/invite']")
    form.get_by_label("Name").fill("Kim New")
    form.get_by_label("Work email").fill(invitee)
    form.get_by_label("Network team (line 2)").check()
    form.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text(f"Invitation sent to {invitee}")).to_be_visible()
    row = page.locator("table.invitations tr").filter(has_text=invitee)
    expect(row).to_contain_text("Network team")
    _no_serious(page, axe, "team page with an invitation")

    message = [m for m in inbox.messages if m["To"] == invitee][-1]
    link = re.search(r"(http://\S+/agent/invite/\S+)", email_text(message))
    assert link, email_text(message)
    other = page.context.browser.new_context(viewport={"width": 1280, "height": 800}) \
        if page.context.browser else None
    assert other is not None
    kim = other.new_page()
    try:
        kim.goto(link.group(1))
        expect(kim.get_by_role("heading", name="Join the help desk team")).to_be_visible()
        expect(kim.get_by_label("Choose a password")).to_be_focused()
        _no_serious(kim, axe, "invitation page")
        kim.get_by_label("Choose a password").fill("plum tractor lantern 7")
        kim.get_by_label("Type the same password again").fill("plum tractor lantern 8")
        kim.get_by_role("button", name="Save my password and sign in").click()
        expect(kim.get_by_text("The two passwords are not the same").first).to_be_visible()
        expect(kim.get_by_label("Choose a password")).to_have_value("")  # never echoed
        _no_serious(kim, axe, "invitation page with an error")
        kim.get_by_label("Choose a password").fill("plum tractor lantern 7")
        kim.get_by_label("Type the same password again").fill("plum tractor lantern 7")
        kim.get_by_role("button", name="Save my password and sign in").click()
        expect(kim.get_by_text("Welcome to the team, Kim New")).to_be_visible()
        expect(kim.get_by_role("heading", name="Find an article")).to_be_visible()
        kim.goto(link.group(1))  # a second visit: the link is used up
        expect(kim.get_by_role("heading", name="This invitation link does not work")) \
            .to_be_visible()
        _no_serious(kim, axe, "used invitation page")
    finally:
        other.close()


def test_merge_page_accessible(desktop: Page, live_app: tuple[Flask, str], axe: Any) -> None:
    app, live_url = live_app
    email = _lead(app)
    requester = f"sam-{uuid.uuid4().hex[:8]}@example.org"
    with app.app_context():
        now = utcnow()
        keep = Ticket(summary="Printer on floor 2 offline", name="Sam Jones", email=requester,
                      description="Nothing prints.", category="printing",
                      respond_by=now + timedelta(hours=2), created_at=now - timedelta(hours=1),
                      last_touched_at=now, verified_at=now)
        dup = Ticket(summary="Floor 2 printer offline again", name="Sam Jones", email=requester,
                     description="Still nothing.", category="printing",
                     respond_by=now + timedelta(hours=2), created_at=now, last_touched_at=now,
                     verified_at=now)
        db.session.add_all([keep, dup])
        db.session.commit()
        keep_id, dup_id = keep.id, dup.id
    page = desktop
    _sign_in(page, live_url, email)
    page.goto(f"{live_url}/agent/tickets/{dup_id}")
    page.get_by_label("Ticket to keep").fill(f"HD-{keep_id:06d}")
    page.get_by_role("button", name="Merge into…").click()
    expect(page.get_by_role("heading", name="Duplicate: this one closes")).to_be_visible()
    _no_serious(page, axe, "merge confirm page")
    page.get_by_role("button", name=f"Merge HD-{dup_id:06d} into HD-{keep_id:06d}").click()
    expect(page.get_by_text(f"HD-{dup_id:06d} is merged into HD-{keep_id:06d}")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text(f"Merged from HD-{dup_id:06d}")
