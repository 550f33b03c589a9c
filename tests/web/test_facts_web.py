"""Facts and branding through the whole site: a phone number changed in support.yml changes on
the home and About pages, in an article, a wizard step and an email; a second organisation's
settings and logo leave none of the first's facts on any page visited; `flask kb check` names
an unknown variable and a typed-out fact with file:line:col; the brand files are served safely."""

from __future__ import annotations

import html
import os
import re
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from kb.config import ROOT, Defaults
from tests.conftest import csrf_token, email_text
from tests.web.tickets_helpers import ticket_data

SUPPORT = (ROOT / "support.yml").read_text(encoding="utf-8")


def visible(page: str) -> str:
    """The words a person reads (tags and attribute values removed)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x6b\x2c\x91")) + chunk(b"IEND", b""))


def to_wait_step(client: FlaskClient) -> str:
    """The sign-in wizard's "wait, then try once" step (locked → article → not fixed)."""
    r = client.post("/wizards/sign-in/describe", data={
        "csrf_token": csrf_token(client, "/wizards/sign-in"), "answer": "My account is locked"})
    assert r.location == "/wizards/sign-in/locked-article"
    r = client.post(r.location, data={"csrf_token": csrf_token(client, r.location),
                                      "answer": "no"})
    assert r.location == "/wizards/sign-in/wait"
    return client.get(r.location).get_data(as_text=True)


# ------------------------------------------------------------------ one fact changed
def test_a_changed_phone_number_changes_everywhere(app_factory: Any, tmp_path: Path,
                                                   smtp_server: Any, inbox: Any) -> None:
    support = tmp_path / "support.yml"
    support.write_text(SUPPORT, encoding="utf-8")
    app = app_factory(SUPPORT_FILE=str(support), INDEX_DIR=str(tmp_path / "idx"),
                      MAIL_PORT=smtp_server[0])
    client = app.test_client()
    assert "Extension 4000" in client.get("/").get_data(as_text=True)

    support.write_text(SUPPORT.replace('extension: "4000"', 'extension: "5123"')
                       .replace('phone: "01632 960400"', 'phone: "01632 960123"'),
                       encoding="utf-8")
    stat = support.stat()  # same size: make sure the new file is seen as new
    os.utime(support, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))

    pages = {
        "home": client.get("/").get_data(as_text=True),
        "about": client.get("/about").get_data(as_text=True),
        "article": client.get("/a/2", follow_redirects=True).get_data(as_text=True),
        "wizard step": to_wait_step(client),
    }
    for name, page in pages.items():
        text = visible(page)
        assert re.search(r"xtension 5123", text), name
        assert not re.search(r"(?<!\d)4000(?!\d)", text), name
    assert "01632 960123" in visible(pages["home"]) and "01632 960123" in visible(pages["about"])
    search = client.get("/search?q=account+locked+can't+wait").get_data(as_text=True)
    assert "4000" not in visible(search)

    response = client.post("/ask", data=ticket_data(client))
    assert response.status_code == 302
    body = email_text(inbox.messages[-1])
    assert "Extension 5123 (from outside: 01632 960123)" in body and "4000" not in body


# ------------------------------------------------------------------ a second organisation
OTHER_FACTS = '''facts:
  extension: "2345"
  lead_extension: "2346"
  phone: "01632 960777"
  email: servicedesk@northfield.example
  desk: "Service Point (Town Hall, first floor)"
  desk_hours: "9:30 to 15:00 on weekdays"
  vpn:
    name: FortiClient
    address: remote.northfield.example
  wifi:
    staff: Northfield-Work
    guest: Northfield-Visitor
  sign_in_app: Okta Verify
  software_portal: Software Center
  file_restore_days: 14
  email_restore_days: 21
  lockout_tries: 5
  lockout_minutes: 20
'''
# What the first organisation's pages say, and must not on the second's.
FIRST = ["4000", "4001", "01632 960400", "helpdesk@example.org", "Room G12", "GlobalProtect",
         "vpn.example.org", "Microsoft Authenticator", "Company Portal", "IT Help Desk",
         "8:00 to 18:00", "10:00 to 16:00", "30 days", "15 minutes", "10 wrong tries"]


def second_organisation(tmp_path: Path) -> Path:
    start, end = SUPPORT.index("facts:\n"), SUPPORT.index("# The look:")
    text = SUPPORT[:start] + OTHER_FACTS + SUPPORT[end:]
    text = text.replace("name: IT Help Desk", "name: Northfield Council IT")
    text = text.replace("logo: logo.svg", "logo: crest.png\n  favicon: crest.png")
    text = text.replace('accent: "#1d4f91"', 'accent: "#6b2c91"')
    for day in ("mon", "tue", "wed", "thu", "fri"):
        text = text.replace(f'{day}: ["08:00", "18:00"]', f'{day}: ["09:00", "17:00"]')
    assert "name: Northfield Council IT" in text and "#6b2c91" in text
    path = tmp_path / "northfield.yml"
    path.write_text(text, encoding="utf-8")
    brand = tmp_path / "brand"
    brand.mkdir()
    (brand / "crest.png").write_bytes(png())
    return path


def test_a_second_organisation_shows_none_of_the_first_ones_facts(app_factory: Any,
                                                                  tmp_path: Path) -> None:
    support = second_organisation(tmp_path)
    app = app_factory(SUPPORT_FILE=str(support), BRAND_DIR=str(tmp_path / "brand"),
                      INDEX_DIR=str(tmp_path / "idx"))
    result = app.test_cli_runner().invoke(args=["kb", "check"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    urls = ["/", "/about", "/wizards", "/wizards/sign-in", "/ask", "/status",
            "/search?q=vpn+not+connecting", "/search?q=install+software",
            "/search?q=wifi", "/api/v1/search?q=vpn", "/api/v1/search?q=software",
            "/api/v1/articles/KB-12", "/api/v1/articles/41", "/api/v1/suggest?q=vpn"]
    urls += [f"/a/{n}" for n in (2, 3, 11, 12, 40, 41, 47, 51, 54)]
    pages: dict[str, str] = {}
    for url in urls:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        pages[url] = response.get_data(as_text=True)
    pages["/wizards/sign-in/wait"] = wait = to_wait_step(client)
    for url, page in pages.items():
        text = html.unescape(page) if url.startswith("/api/") else visible(page)
        left = [fact for fact in FIRST if re.search(rf"(?<!\d){re.escape(fact)}(?!\d)", text)]
        assert left == [], url
        assert "logo.svg" not in page and "1d4f91" not in page, url
    home, vpn, wifi = pages["/"], pages["/a/12"], pages["/a/11"]
    assert "Northfield Council IT" in home and "Extension 2345" in visible(home)
    assert "09:00 to 17:00" in visible(home)
    assert "FortiClient" in vpn and "remote.northfield.example" not in vpn  # agents only
    assert "<strong>Northfield-Work</strong>" in wifi and "<strong>Staff</strong>" not in wifi
    assert "Northfield-Visitor" in wifi and "<strong>Guest</strong>" not in wifi
    assert "Okta Verify" in pages["/a/3"]
    assert "20 minutes" in visible(wait) and "2345" in visible(wait)
    assert "21 days" in visible(pages["/a/54"])
    # The look: their logo and icon, their colour, their description.
    logo = re.search(r'<img class="brand-logo" src="(/brand/crest\.png\?v=\w+)"', home)
    icon = re.search(r'<link rel="icon" href="(/brand/crest\.png\?v=\w+)" type="image/png"',
                     home)
    css = re.search(r'<link rel="stylesheet" href="(/brand\.css\?v=\w+)"', home)
    assert logo and icon and css
    assert client.get(logo.group(1)).data == png()
    assert "--brand: #6b2c91;" in client.get(css.group(1)).get_data(as_text=True)
    assert client.get("/favicon.ico").location == icon.group(1)
    assert 'content="Fix common IT problems yourself with plain-language guides, or ask the ' \
           'Northfield Council IT for help."' in home


# ------------------------------------------------------------------ flask kb check
def test_kb_check_names_unknown_variables_and_typed_out_facts(app_factory: Any,
                                                              tmp_path: Path) -> None:
    articles, wizards = tmp_path / "articles", tmp_path / "wizards"
    shutil.copytree(Defaults.ARTICLES_DIR, articles)
    shutil.copytree(Defaults.WIZARDS_DIR, wizards)
    locked = articles / "account-locked.md"
    text = locked.read_text(encoding="utf-8").replace(
        "Call the help desk on extension {{ facts.extension }}.",
        "Call the help desk on extension 4000, or email {{ facts.mail }}.", 1)
    locked.write_text(text, encoding="utf-8")
    wifi = wizards / "wifi.yml"
    wtext = wifi.read_text(encoding="utf-8").replace(
        "title:", "title: GlobalProtect and", 1)
    wifi.write_text(wtext, encoding="utf-8")
    app = app_factory(ARTICLES_DIR=str(articles), WIZARDS_DIR=str(wizards),
                      INDEX_DIR=str(tmp_path / "idx"))
    result = app.test_cli_runner().invoke(args=["kb", "check"])
    assert result.exit_code == 1

    def at(path: Path, source: str, needle: str) -> str:
        before = source[: source.index(needle)]
        return f"{path.name}:{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"

    lines = [line.split("/")[-1] for line in result.output.splitlines()]
    assert f"{at(locked, text, '4000')}: error: '4000' is written out: write " \
           "{{ facts.extension }} so it follows support.yml" in lines
    assert f"{at(locked, text, '{{ facts.mail')}: error: unknown variable {{{{ facts.mail }}}} " \
           "(did you mean {{ facts.email }}?)" in lines
    assert f"{at(wifi, wtext, 'GlobalProtect')}: error: 'GlobalProtect' is written out: " \
           "write {{ facts.vpn.name }} so it follows support.yml" in lines
    assert client_still_works(app.test_client())


def client_still_works(client: FlaskClient) -> bool:
    """A typed-out fact is for the lint: the article and the wizard still serve."""
    article = client.get("/a/2", follow_redirects=True)
    return article.status_code == 200 and client.get("/wizards/wifi").status_code == 200


# ------------------------------------------------------------------ brand files, overrides
def test_only_the_named_brand_files_are_served(client: FlaskClient) -> None:
    home = client.get("/").get_data(as_text=True)
    logo = re.search(r'src="(/brand/logo\.svg\?v=\w+)"', home)
    assert logo
    response = client.get(logo.group(1))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "immutable" in response.headers["Cache-Control"]
    assert "immutable" not in client.get("/brand/logo.svg?v=old").headers["Cache-Control"]
    for name in ("README.md", "..%2Fsupport.yml", "%2E%2E%2Fsupport.yml", "favicon.svg"):
        assert client.get(f"/brand/{name}").status_code == 404, name
    assert client.get("/overrides.css").status_code == 404  # no overrides folder set


def test_an_unsafe_logo_is_never_linked_or_served(app_factory: Any, tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_text('<svg onload="alert(1)"/>', encoding="utf-8")
    app = app_factory(BRAND_DIR=str(tmp_path), INDEX_DIR=str(tmp_path / "idx"))
    client = app.test_client()
    assert "brand-logo" not in client.get("/").get_data(as_text=True)
    assert client.get("/brand/logo.svg").status_code == 404
    result = app.test_cli_runner().invoke(args=["kb", "check"])
    assert result.exit_code == 1 and "'logo.svg' holds a script" in result.output


def test_overrides_folder_wins_for_templates_and_adds_css(app_factory: Any,
                                                          tmp_path: Path) -> None:
    overrides = tmp_path / "overrides"
    (overrides / "templates" / "info").mkdir(parents=True)
    (overrides / "templates" / "info" / "about.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>About Northfield</h1>'
        "<p>{{ support.contact.phone }}</p>{% endblock %}", encoding="utf-8")
    (overrides / "overrides.css").write_text(".brand { letter-spacing: .1em; }\n")
    app = app_factory(OVERRIDES_DIR=str(overrides), INDEX_DIR=str(tmp_path / "idx"))
    client = app.test_client()
    about = client.get("/about").get_data(as_text=True)
    assert "<h1>About Northfield</h1>" in about and "Extension 4000" in about
    css = re.search(r'href="(/overrides\.css\?v=\w+)"', about)
    assert css and "letter-spacing" in client.get(css.group(1)).get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Talk to a person" in home  # templates not overridden are still ours
