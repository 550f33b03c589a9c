"""The learning loop in Chromium at 1280x800, each page checked by axe under the strict CSP:
three searches for a made-up problem are one group on the worklist; the lead adds a synonym
from there and the same search then finds the article; a wizard drop-out shows on the
worklist; a resolved ticket drafted into an article passes the lint; a known error's
workaround appears on top of a matching search."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from kb.core.staff import create_agent
from kb.extensions import db
from kb.models import WizardEvent, utcnow
from tests.conftest import serious_violations
from tests.web.agent_helpers import make_ticket

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def made_up_word() -> str:
    """A word no article, speller or earlier run knows."""
    return "flurb" + "".join(random.choice("qxzvkj") for _ in range(5))


def checked(page: Page, axe: Any, what: str) -> None:
    found = serious_violations(axe.run(page))
    assert not found, f"{what}: {found}"


def test_the_learning_loop_in_a_browser(page: Page, live_app: tuple[Flask, str],
                                        axe: Any) -> None:
    app, url = live_app
    email = f"lead-{uuid.uuid4().hex[:8]}@example.org"
    with app.app_context():
        create_agent(email, "Lee Lead", PASSWORD, "lead")
        db.session.commit()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.set_viewport_size({"width": 1280, "height": 800})

    # Three people search for the same made-up problem, in their own words.
    word = made_up_word()
    searches = [f"{word} won't open", f"{word.capitalize()} wont open!",
                f"{word.upper()} won't open"]
    for q in searches:
        page.goto(f"{url}/search?q={q}")
    expect(page.locator(".results .result").first).not_to_contain_text("Outlook won't open")

    # Someone leaves the printer wizard at its second question (an hour ago).
    page.goto(f"{url}/wizards/printer")
    page.get_by_label("Tell us what happens when you try to print.").fill("Nothing comes out")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{url}/wizards/printer/screen")
    with app.app_context():
        for event in db.session.scalars(select(WizardEvent)):
            event.created_at -= timedelta(hours=1)
        db.session.commit()

    page.goto(f"{url}/agent/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Worklist").click()
    expect(page.get_by_role("heading", name="Content worklist", level=1)).to_be_visible()
    group = page.locator(".worklist-item", has_text=word)
    expect(group).to_have_count(1)
    expect(group).to_contain_text("3 searches")
    expect(page.locator(".worklist-item", has_text="What does the printer")).to_contain_text(
        "left here")
    checked(page, axe, "worklist")

    group.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(word, ignore_case=True)
    expect(page.get_by_label("Words people typed")).to_have_value(word)
    checked(page, axe, "worklist item")
    page.get_by_label("Mean the same as").fill("outlook")
    page.get_by_role("button", name="Add the synonym").click()
    expect(page.get_by_text("Done. Searches for")).to_be_visible()
    expect(page.locator("#item-state")).to_contain_text("Added a synonym")

    page.goto(f"{url}/search?q={searches[0]}")
    expect(page.locator(".results .result").first).to_contain_text("Outlook won't open")

    # A known error: its workaround on top of a matching search.
    title = f"The {word} app asks for the password again and again"
    page.goto(f"{url}/agent/problems")
    checked(page, axe, "known errors")
    page.get_by_role("link", name="Record a known error").click()
    page.get_by_label("Title (what people would say)").fill(title)
    page.get_by_label("Symptoms, in users' words").fill(f"{word} keeps asking for my password")
    page.get_by_label("Workaround article ID (optional)").fill("KB-26")
    page.get_by_label("Known error: we know the cause").check()
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_text("recorded.")).to_be_visible()
    checked(page, axe, "known error")
    page.goto(f"{url}/search?q={word} keeps asking for my password")
    notice = page.locator(".known-error")
    expect(notice).to_contain_text(title)
    box, first = notice.bounding_box(), page.locator(".results").bounding_box()
    assert box and first and box["y"] < first["y"], "the workaround comes first"
    checked(page, axe, "search with a known error")

    # A resolved ticket drafted into an article passes the lint.
    ticket_id = make_ticket(app, summary="The scanner makes a grinding noise",
                            description="When I press Scan it makes a loud grinding noise.",
                            status="resolved", resolved_at=utcnow(), category="printing",
                            resolution="Open the lid and take out the staple on the glass.")
    page.goto(f"{url}/agent/tickets/{ticket_id}")
    page.get_by_role("button", name="Draft an article from this").click()
    expect(page.get_by_text("The lint found nothing to fix.")).to_be_visible()
    expect(page.locator("#draft-lint")).to_contain_text("Passes")
    checked(page, axe, "draft")
    assert not refused, refused
