"""Steps per platform in Chromium: a Mac opens on the macOS steps, without JavaScript every
platform can be read, and a choice is remembered. The help widget on a plain page served
from another port: search, reach an article, Esc closes and focus comes back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.conftest import serious_violations
from tests.unit.test_platforms import AGENTS

pytestmark = pytest.mark.browser
SOUND = "/a/35"  # "I can't hear anything": Windows, macOS, iPhone and Android steps
CAMERA = "/a/34"


def test_a_mac_opens_on_the_macos_steps(browser: Browser, live_url: str, axe: Any) -> None:
    context = browser.new_context(user_agent=AGENTS["mac"])
    page = context.new_page()
    page.goto(live_url + SOUND)
    expect(page.get_by_label("macOS")).to_be_checked()
    visible = page.locator(".tabbed-block:visible")
    expect(visible).to_have_count(1)
    expect(visible).to_contain_text("System Settings")
    expect(page.get_by_text("Select the speaker icon near the clock")).to_be_hidden()
    assert serious_violations(axe.run(page)) == []
    context.close()


def test_without_javascript_every_platform_can_be_read(browser: Browser,
                                                       live_url: str) -> None:
    context = browser.new_context(java_script_enabled=False, user_agent=AGENTS["windows"])
    page = context.new_page()
    page.goto(live_url + SOUND)
    expect(page.get_by_label("Windows")).to_be_checked()
    for name, words in (("macOS", "System Settings"), ("iPhone", "Control Centre"),
                        ("Android", "Media volume"), ("Windows", "speaker icon near the clock")):
        page.locator("label", has_text=name).click()
        expect(page.locator(".tabbed-block:visible")).to_contain_text(words)
    # The no-JavaScript link remembers the choice for the next article.
    page.get_by_role("navigation", name="Steps for your device").get_by_role(
        "link", name="iPhone").click()
    expect(page.get_by_label("iPhone")).to_be_checked()
    page.goto(live_url + CAMERA)
    expect(page.get_by_label("iPhone")).to_be_checked()
    expect(page.locator(".tabbed-block:visible")).to_contain_text("Privacy & Security")
    context.close()


def test_a_clicked_tab_is_remembered(browser: Browser, live_url: str) -> None:
    context = browser.new_context(user_agent=AGENTS["windows"])
    page = context.new_page()
    page.goto(live_url + SOUND)
    page.locator("label", has_text="Android").click()
    expect(page.get_by_label("Android")).to_be_checked()
    page.goto(live_url + CAMERA)
    expect(page.get_by_label("Android")).to_be_checked()
    expect(page.locator(".tabbed-block:visible")).to_contain_text("Allow only while using")
    # Keyboard: the tabs are radio buttons, so arrow keys move between platforms.
    page.get_by_label("Android").focus()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_label("iPhone")).to_be_checked()
    page.goto(live_url + SOUND)
    expect(page.get_by_label("iPhone")).to_be_checked()
    context.close()


HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Intranet home</title></head>
<body><h1>Intranet home</h1><p><a href="#news">News</a></p>
<script src="{url}/widget.js" defer data-label="IT help"></script>
</body></html>
"""


@pytest.fixture
def intranet(live_app: tuple[Flask, str], tmp_path: Path) -> Iterator[str]:
    """A plain page on another port (another origin), which the widget's setting allows."""
    app, url = live_app
    (tmp_path / "index.html").write_text(HOST_PAGE.format(url=url))
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    before = app.config.get("WIDGET_ORIGINS", "")
    app.config["WIDGET_ORIGINS"] = origin
    try:
        yield origin
    finally:
        app.config["WIDGET_ORIGINS"] = before
        server.shutdown()
        server.server_close()


def test_widget_on_another_sites_page_reaches_an_article(page: Page, intranet: str,
                                                         axe: Any) -> None:
    page.goto(intranet + "/index.html")
    opener = page.get_by_role("button", name="IT help")
    expect(opener).to_have_attribute("aria-expanded", "false")
    opener.click()
    dialog = page.get_by_role("dialog", name="Get IT help")
    expect(dialog).to_be_visible()
    expect(opener).to_have_attribute("aria-expanded", "true")
    panel = page.frame_locator("#kb-help-widget iframe")
    search = panel.get_by_label("Search for a fix in your own words")
    expect(search).to_be_focused()
    search.fill("printer offline")
    search.press("Enter")
    expect(panel.get_by_role("heading", name="found")).to_be_visible()
    expect(panel.get_by_role("heading", name="Tell us what's happening")).to_be_visible()
    assert serious_violations(axe.run(page)) == []
    with page.context.expect_page() as opened:
        panel.get_by_role("link", name="My printer says it's offline").click()
    article = opened.value
    expect(article.get_by_role("heading", level=1)).to_have_text("My printer says it's offline")
    article.close()
    # Esc closes the panel, from inside the frame too, and focus goes back to the button.
    panel.get_by_label("Search for a fix in your own words").focus()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    expect(opener).to_have_attribute("aria-expanded", "false")


def test_widget_panel_page_is_accessible(page: Page, live_url: str, axe: Any) -> None:
    page.goto(live_url + "/widget?q=printer+offline")
    expect(page.get_by_role("heading", name="Tell us what's happening")).to_be_visible()
    assert serious_violations(axe.run(page)) == []


def test_widget_keeps_focus_inside_the_panel(page: Page, intranet: str) -> None:
    page.goto(intranet + "/index.html")
    page.get_by_role("button", name="IT help").click()
    panel = page.frame_locator("#kb-help-widget iframe")
    expect(panel.get_by_label("Search for a fix in your own words")).to_be_focused()
    close = page.get_by_role("button", name="Close help")
    panel.get_by_role("link", name="Ask the help desk").focus()
    page.keyboard.press("Tab")  # past the frame's last control: back to the panel's first
    expect(page.get_by_role("link", name="Open the help site")).to_be_focused()
    page.keyboard.press("Tab")
    expect(close).to_be_focused()
    close.press("Enter")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_role("button", name="IT help")).to_be_focused()


def test_widget_on_a_page_not_allowed_shows_no_panel(page: Page, live_app: tuple[Flask, str],
                                                     intranet: str) -> None:
    app = live_app[0]
    app.config["WIDGET_ORIGINS"] = ""  # the intranet fixture puts its setting back afterwards
    page.goto(intranet + "/index.html")
    page.get_by_role("button", name="IT help").click()
    panel = page.frame_locator("#kb-help-widget iframe")
    expect(panel.get_by_label("Search for a fix in your own words")).to_have_count(0)
    expect(page.get_by_role("link", name="Open the help site")).to_be_visible()
