"""The insights page in Chromium at desktop size: a lead picks a period, the charts are real
SVG under the strict CSP (no inline style refused), and axe finds nothing serious."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from kb.core.staff import create_agent
from kb.extensions import db
from tests.conftest import serious_violations

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def test_insights_page_reads_well_and_passes_axe(page: Page, live_app: tuple[Flask, str],
                                                 axe: Any) -> None:
    app, live_url = live_app
    email = f"lead-{uuid.uuid4().hex[:8]}@example.org"
    with app.app_context():
        create_agent(email, "Lee Lead", PASSWORD, "lead")
        db.session.commit()  # create_agent flushes only
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_url + "/search?q=printer+offline")
    page.goto(live_url + "/search?q=zorbexquill+flimwhistle")
    page.goto(live_url + "/agent/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Self-service score", level=2)).to_be_visible()
    page.get_by_role("link", name="last 7 days").click()
    expect(page.get_by_text("the last 7 days", exact=False).first).to_be_visible()
    nothing = page.locator("#no-results table")
    expect(nothing).to_contain_text("zorbexquill")
    chart = page.locator("figure.chart svg").first
    expect(chart).to_be_visible()
    assert chart.bounding_box() and chart.bounding_box()["width"] > 300  # type: ignore[index]
    assert page.locator(".chart-svg .bar").count() > 0
    results = axe.run(page)
    assert not serious_violations(results), serious_violations(results)
    page.get_by_label("From", exact=True).fill("2026-11-01")
    page.get_by_label("To", exact=True).fill("2026-11-30")
    page.get_by_role("button", name="Show these days").click()
    expect(page.get_by_text("1 November 2026 to 30 November 2026").first).to_be_visible()
    page.goto(live_url + "/agent/insights?from=2026-11-30&to=2026-11-01")
    expect(page.get_by_role("alert")).to_contain_text("before the 'from' date")
    assert not serious_violations(axe.run(page))
    assert not refused, refused
