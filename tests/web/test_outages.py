"""Known outages: leads post them, banners show where words match, /status lists them, and
people can join an outage instead of opening a new request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from kb.extensions import db
from kb.models import Outage, Ticket, utcnow
from kb.outages.service import banners_for, create_outage, join_outage, matching_outages

from .agent_helpers import login, make_agent, post, token_from

TITLE = "Printers on floor 2 are not working"


def _post_outage(client: FlaskClient, **fields: Any) -> Any:
    data = {"title": TITLE, "message": "Nothing prints on floor 2. Use the printers on floor 3.",
            "services": "Printing", "keywords": "printer, printing, print queue",
            "starts_at": "", "expected_fix_at": "2026-11-25T15:30"}
    data.update(fields)
    return post(client, "/agent/outages", "/agent/outages", **data)


def _make_outage(app: Flask, **fields: Any) -> int:
    values: dict[str, Any] = {"title": TITLE, "message": "Use floor 3.",
                              "keywords": "printer, printing", "services": "Printing"}
    values.update(fields)
    with app.app_context():
        outage = Outage(**values)
        db.session.add(outage)
        db.session.commit()
        return outage.id


def test_lead_posts_outage_agent_cannot(app: Flask, client: FlaskClient) -> None:
    make_agent(app, "lee@example.org", "lead", "Lee Lead")
    make_agent(app)
    login(client)
    assert "Only leads can post outages" in client.get("/agent/outages").get_data(as_text=True)
    assert _post_outage(client).status_code == 403
    lead = app.test_client()
    login(lead, "lee@example.org")
    missing = _post_outage(lead, keywords="")
    assert missing.status_code == 400
    html = missing.get_data(as_text=True)
    assert 'href="#keywords"' in html and "Nothing prints on floor 2" in html  # input kept
    response = _post_outage(lead)
    assert response.status_code == 302
    with app.app_context():
        outage = db.session.scalar(db.select(Outage))
        assert outage is not None and outage.keywords == "printer, printing, print queue"
        assert outage.expected_fix_at is not None
        assert outage.expected_fix_at.hour == 15  # 15:30 London in November is 15:30 UTC
    page = response.headers["Location"]
    post(lead, page, f"{page}/update", update="The engineer is on site.")
    post(lead, page, f"{page}/resolve", resolution="A network switch was replaced.")
    with app.app_context():
        outage = db.session.scalar(db.select(Outage))
        assert outage is not None and outage.resolved_at is not None
        assert [u.body for u in outage.updates] == ["The engineer is on site."]


def test_banners_on_home_search_and_matching_articles(app: Flask) -> None:
    _make_outage(app)
    client = app.test_client()
    assert TITLE in client.get("/").get_data(as_text=True)
    assert TITLE in client.get("/search?q=printer+offline").get_data(as_text=True)
    assert TITLE not in client.get("/search?q=forgot+password").get_data(as_text=True)
    assert TITLE in client.get("/articles/5", follow_redirects=True).get_data(as_text=True)
    assert TITLE not in client.get("/articles/2", follow_redirects=True).get_data(as_text=True)


def test_resolved_outage_has_no_banner_but_stays_on_status(app: Flask) -> None:
    fixed = _make_outage(app, title="Wi-Fi was down", keywords="wifi",
                         resolved_at=utcnow() - timedelta(hours=1), resolution="Fixed it.")
    old = _make_outage(app, title="Ancient outage", resolved_at=utcnow() - timedelta(days=30))
    live = _make_outage(app)
    client = app.test_client()
    assert "Wi-Fi was down" not in client.get("/").get_data(as_text=True)
    html = client.get("/status").get_data(as_text=True)
    assert f'id="outage-{live}"' in html and f'id="outage-{fixed}"' in html
    assert "Wi-Fi was down" in html and "Fixed it." in html
    assert "Ancient outage" not in html and f'id="outage-{old}"' not in html


def test_matching_outages(app: Flask) -> None:
    _make_outage(app)
    _make_outage(app, title="VPN down", keywords="vpn, globalprotect", services="Remote access")
    with app.app_context():
        assert [o.title for o in matching_outages("My printer won't print")] == [TITLE]
        assert [o.title for o in matching_outages("GlobalProtect says no")] == ["VPN down"]
        assert matching_outages("my mouse is broken") == []
        assert len(banners_for(None)) == 2


def test_join_outage_counts_people_and_emails_them(mail_app: Flask, inbox: Any) -> None:
    outage_id = _make_outage(mail_app)
    user = mail_app.test_client()
    url = f"/status/outages/{outage_id}/join"
    html = user.get(url).get_data(as_text=True)
    assert TITLE in html and "0 people have told us" in html
    bad = user.post(url, data={"csrf_token": token_from(html), "name": "Sam <b>J</b>",
                               "email": "not an email"})
    assert bad.status_code == 400
    assert "Sam &lt;b&gt;J&lt;/b&gt;" in bad.get_data(as_text=True)
    done = user.post(url, data={"csrf_token": token_from(html), "name": "Sam",
                                "email": "sam@example.org"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/joined")
    assert inbox.messages[-1]["To"] == "sam@example.org"
    assert "We have sent an email" in user.get(done.headers["Location"]).get_data(as_text=True)
    with mail_app.app_context():
        outage = db.session.get(Outage, outage_id)
        assert outage is not None
        again = join_outage(outage, "Sam", "SAM@example.org")  # same person: same ticket
        assert len(outage.tickets) == 1 and again.outage_id == outage_id
    assert "1 person has told us" in user.get("/status").get_data(as_text=True)
    # Joined requests are not in the agents' queue; the outage page counts them.
    make_agent(mail_app, "lee@example.org", "lead", "Lee Lead")
    lead = mail_app.test_client()
    login(lead, "lee@example.org")
    assert "Affected by" not in lead.get("/agent/tickets").get_data(as_text=True)
    page = f"/agent/outages/{outage_id}"
    assert '<dd id="affected">1</dd>' in lead.get(page).get_data(as_text=True)
    inbox.messages.clear()
    post(lead, page, f"{page}/resolve", resolution="A network switch was replaced.")
    assert [m["To"] for m in inbox.messages] == ["sam@example.org"]
    with mail_app.app_context():
        ticket = db.session.scalar(db.select(Ticket))
        assert ticket is not None and ticket.status == "resolved"
    fixed = user.get(url).get_data(as_text=True)
    assert "is fixed" in fixed and "csrf_token" not in fixed


def test_about_page_from_support_config(app: Flask) -> None:
    html = app.test_client().get("/about").get_data(as_text=True)
    for text in ("About the help desk", "Office printers and scanners",
                 "Your home internet connection", "Extension 4000", "helpdesk@example.org",
                 "Critical (P1)", "1 hour", "Monday", "08:00 to 18:00"):
        assert text in html, text


def test_banner_at_the_start_of_matching_wizards(app: Flask) -> None:
    _make_outage(app)
    client = app.test_client()
    printer = client.get("/wizards/printer", follow_redirects=True)
    assert printer.status_code == 200 and TITLE in printer.get_data(as_text=True)
    wifi = client.get("/wizards/wifi", follow_redirects=True)
    assert wifi.status_code == 200 and TITLE not in wifi.get_data(as_text=True)


def test_ticket_form_asks_is_this_about_the_outage(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        outage = create_outage(title="Printers on floor 2 are down", message="Use floor 3.",
                               services="Printing", keywords="printer, printing",
                               starts_at=None, expected_fix_at=None, author=None)
        db.session.commit()
        outage_id = outage.id
    html = client.get("/ask?q=my+printer+is+offline").get_data(as_text=True)
    assert "Is this about “Printers on floor 2 are down”?" in html
    assert f"/status/outages/{outage_id}/join" in html
    other = client.get("/ask?q=outlook+will+not+open").get_data(as_text=True)
    assert "Is this about" not in other


def test_joining_never_shows_another_persons_status_link(mail_app: Flask, inbox: Any) -> None:
    """Two browsers, one address: the second poster sees the same page as the first, never a
    /status/ link; the owner gets at most one email an hour."""
    outage_id = _make_outage(mail_app)
    url = f"/status/outages/{outage_id}/join"
    pages = []
    for who, email in (("Sam", "sam@example.org"), ("Mallory", "SAM@Example.org"),
                       ("Mallory", "sam@example.org")):
        browser = mail_app.test_client()
        html = browser.get(url).get_data(as_text=True)
        r = browser.post(url, data={"csrf_token": token_from(html), "name": who, "email": email},
                         follow_redirects=True)
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and "/status/" not in page.replace("/status/outages", "")
        with mail_app.app_context():
            token = db.session.scalar(db.select(Ticket.token))
        cookie = browser.get_cookie("session")
        assert token not in page and (cookie is None or token not in cookie.value)
        pages.append(page)
    assert pages[0] == pages[1] == pages[2]
    assert [m["To"] for m in inbox.messages] == ["sam@example.org"]  # once, to the owner
    with mail_app.app_context():
        assert db.session.scalar(db.select(Ticket.name)) == "Sam"  # nobody renamed it


def test_an_address_with_a_query_part_is_refused(client: Any) -> None:
    from kb.core.validators import PLAIN_ADDRESS
    assert PLAIN_ADDRESS.fullmatch("sam.jones+it@example.org")
    assert not PLAIN_ADDRESS.fullmatch("x?cc=boss@example.org&body=hi")
    assert not PLAIN_ADDRESS.fullmatch("Sam <sam@example.org>")
