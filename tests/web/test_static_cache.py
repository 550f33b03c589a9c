"""Static files: versioned URLs cached for a year, a changed file gets a new URL, the icon
and the description every page needs (no 404 for /favicon.ico)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient


def _asset(html: str, name: str) -> str:
    match = re.search(rf'"(/static/{re.escape(name)}\?v=[0-9a-f]{{12}})"', html)
    assert match, f"{name} is not linked with a version"
    return match.group(1)


def test_versioned_static_files_are_kept_for_a_year(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    css = client.get(_asset(html, "css/site.css"))
    assert css.status_code == 200
    assert "max-age=31536000" in css.headers["Cache-Control"]
    assert "immutable" in css.headers["Cache-Control"]
    plain = client.get("/static/css/site.css")
    assert "no-cache" in plain.headers["Cache-Control"]


def test_a_changed_file_gets_a_new_url(app: Flask, tmp_path: Path) -> None:
    from kb.web import _digest

    (tmp_path / "a.css").write_text("body { color: black }")
    first = _digest(str(tmp_path), "a.css")
    (tmp_path / "a.css").write_text("body { color: navy }")
    os.utime(tmp_path / "a.css", (1, 1))
    assert _digest(str(tmp_path), "a.css") != first
    assert _digest(str(tmp_path), "missing.css") == ""


def test_every_page_has_an_icon_and_a_description(client: FlaskClient) -> None:
    for page in ("/", "/a/1", "/search?q=printer", "/wizards"):
        html = client.get(page, follow_redirects=True).get_data(as_text=True)
        assert re.search(r'<link rel="icon" href="/static/favicon.svg\?v=', html), page
        description = re.search(r'<meta name="description" content="([^"]+)"', html)
        assert description and len(description.group(1)) > 20, page
    icon = client.get("/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
