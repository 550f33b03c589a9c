"""A French-speaking visitor in Chromium: the browser's language picks French, the pages
pass axe, and the picker (a plain link, JavaScript off) switches to English and stays."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import serious_violations

pytestmark = pytest.mark.browser


def test_french_pages_pass_axe(browser: Any, live_url: str, axe: Any) -> None:
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(live_url + "/")
    expect(page.get_by_role("heading", name="Comment pouvons-nous vous aider ?")).to_be_visible()
    page.get_by_label("Cherchez une solution avec vos propres mots").fill("imprimante hors ligne")
    page.get_by_label("Cherchez une solution avec vos propres mots").press("Enter")
    expect(page.get_by_role("heading", name="Résultats pour « imprimante hors ligne »")) \
        .to_be_visible()
    page.get_by_role("link", name="Mon imprimante est hors ligne").first.click()
    expect(page.get_by_role("heading", name="Ce que vous voyez")).to_be_visible()
    assert serious_violations(axe.run(page)) == []
    page.goto(live_url + "/articles/6")
    expect(page.locator(".untranslated")).to_contain_text("Cette page n’est pas encore traduite")
    assert serious_violations(axe.run(page)) == []
    context.close()


def test_the_picker_works_without_javascript(browser: Any, live_url: str) -> None:
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_url + "/articles/6")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("navigation", name="Langue").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "/articles/6" in page.url
    page.goto(live_url + "/")
    expect(page.get_by_role("heading", name="How can we help?")).to_be_visible()
    context.close()
