"""Article pages open on the visitor's platform and remember a choice; the help widget's
panel may be framed by this site and the allowed origins only."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from kb.core.content import platforms
from kb.public.widget_routes import widget_origins
from tests.unit.test_platforms import AGENTS

SOUND = "/articles/35"  # "I can't hear anything": Windows, macOS, iPhone and Android steps


def opened_on(html: str) -> list[str]:
    return [m.group(1) for tag in re.findall(r"<input\b[^>]*>", html)
            if "checked" in tag and (m := re.search(r'data-platform="(\w+)"', tag))]


def test_article_opens_on_the_user_agents_platform(client: FlaskClient) -> None:
    for platform, agent in AGENTS.items():
        resp = client.get(SOUND, headers={"User-Agent": agent}, follow_redirects=True)
        assert opened_on(resp.get_data(as_text=True)) == [platform]
        assert {"Cookie", "User-Agent"} <= set(resp.vary)


def test_a_choice_by_link_is_remembered(client: FlaskClient) -> None:
    resp = client.get(SOUND + "?platform=android", headers={"User-Agent": AGENTS["mac"]},
                      follow_redirects=True)
    assert opened_on(resp.get_data(as_text=True)) == ["android"]
    cookie = client.get_cookie(platforms.COOKIE)
    assert cookie is not None and cookie.value == "android"
    other = client.get("/articles/34", headers={"User-Agent": AGENTS["mac"]},  # the camera
                       follow_redirects=True).get_data(as_text=True)
    assert opened_on(other) == ["android"]
    assert 'aria-current="true" data-platform-link="android"' in other


def test_a_bad_choice_is_ignored(client: FlaskClient) -> None:
    client.set_cookie(platforms.COOKIE, "<script>")
    resp = client.get(SOUND + "?platform=solaris", headers={"User-Agent": AGENTS["iphone"]},
                      follow_redirects=True)
    assert opened_on(resp.get_data(as_text=True)) == ["iphone"]
    assert client.get_cookie(platforms.COOKIE).value == "<script>"  # type: ignore[union-attr]


def test_articles_without_tabs_have_no_picker(client: FlaskClient) -> None:
    html = client.get("/articles/6", follow_redirects=True).get_data(as_text=True)
    assert "platform-pick" not in html and "platform.js" not in html


def test_widget_origins_are_bare_origins_only() -> None:
    assert widget_origins("https://Intranet.example.org/, http://127.0.0.1:8080") == [
        "https://intranet.example.org", "http://127.0.0.1:8080"]
    assert widget_origins(["https://a.example.org"]) == ["https://a.example.org"]
    assert widget_origins("https://a.example.org; script-src *, javascript:x, *") == []
    assert widget_origins("") == [] and widget_origins(None) == []


def test_only_the_widget_panel_can_be_framed(app_factory: Any) -> None:
    app = app_factory(WIDGET_ORIGINS="https://intranet.example.org, bad'origin")
    client = app.test_client()
    panel = client.get("/widget")
    csp = panel.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://intranet.example.org;" in csp
    assert "bad" not in csp and "X-Frame-Options" not in panel.headers
    assert "script-src 'self';" in csp  # the rest of the policy is as strict as elsewhere
    home = client.get("/")
    assert "frame-ancestors 'none'" in home.headers["Content-Security-Policy"]
    assert home.headers["X-Frame-Options"] == "DENY"


def test_widget_panel_searches_and_asks(client: FlaskClient) -> None:
    html = client.get("/widget?q=printer+offline").get_data(as_text=True)
    links = re.findall(r'<a href="(/articles/\d+[^"]*)" target="_blank" rel="noopener">', html)
    assert links and links[0].startswith("/articles/5-")
    assert "Tell us what&#39;s happening" in html or "Tell us what's happening" in html
    assert 'action="/wizards/start" method="post" target="_blank"' in html
    assert 'name="csrf_token"' in html
    script = client.get("/widget.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert b'"/widget"' in script.data
