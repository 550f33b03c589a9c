"""Whoever types an address into the ticket form does not get that person's status link:
it goes to the address. Until someone opens it, agents see "unverified", replies stay on the
status page, and the address gets at most one email an hour with none of the typed text."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from kb.extensions import db
from kb.models import Ticket
from tests.conftest import email_text
from tests.web.agent_helpers import login, make_agent, post
from tests.web.tickets_helpers import ticket_data


def send(app: Flask, **fields: Any) -> tuple[Any, str]:
    client = app.test_client()
    response = client.post("/ask", data=ticket_data(client, **fields))
    assert response.status_code == 302
    return client, response.headers["Location"]


def test_the_submitter_never_gets_the_status_link(mail_app: Flask, inbox: Any) -> None:
    client, where = send(mail_app, summary="Payroll shows the wrong bank account",
                         email="ceo@example.org", name="Chief Executive")
    page = client.get(where).get_data(as_text=True)
    with mail_app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.verified_at is None
    assert "Request sent" in page and ticket.reference in page
    assert ticket.token not in page and ticket.token not in where
    cookie = client.get_cookie("session")
    assert cookie is None or ticket.token not in cookie.value
    mail = email_text(inbox.messages[-1])
    assert inbox.messages[-1]["To"] == "ceo@example.org" and f"/status/{ticket.token}" in mail
    assert "Payroll" not in mail and "bank account" not in mail  # none of the typed text


def test_replies_wait_for_the_address_to_be_confirmed(mail_app: Flask, inbox: Any) -> None:
    _client, _where = send(mail_app, email="sam@example.org")
    with mail_app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        ticket_id, token = ticket.id, ticket.token
    make_agent(mail_app)
    agent = mail_app.test_client()
    login(agent)
    page = f"/agent/tickets/{ticket_id}"
    assert "Unverified" in agent.get(page).get_data(as_text=True)
    inbox.messages.clear()
    post(agent, page, f"{page}/message", kind="reply", message="Your temporary password: x")
    assert inbox.messages == []  # not emailed to an address nobody has confirmed
    owner = mail_app.test_client()
    assert "temporary password" in owner.get(f"/status/{token}").get_data(as_text=True)
    assert "Email confirmed" in agent.get(page).get_data(as_text=True)
    post(agent, page, f"{page}/message", kind="reply", message="Is it better now?")
    assert [m["To"] for m in inbox.messages] == ["sam@example.org"]


def test_an_unconfirmed_address_gets_one_email_an_hour(mail_app: Flask, inbox: Any) -> None:
    for n in range(4):
        send(mail_app, summary=f"Request {n}", email="victim@example.org")
    assert [m["To"] for m in inbox.messages] == ["victim@example.org"]
    with mail_app.app_context():
        assert len(db.session.scalars(select(Ticket)).all()) == 4  # every ticket is kept


def test_lost_links_are_emailed_never_shown(mail_app: Flask, inbox: Any) -> None:
    """Two browsers, one address: both see the same page, neither sees a status link; the
    address gets the links once, with none of the typed text."""
    send(mail_app, summary="Phishing text http://evil.example", email="sam@example.org")
    with mail_app.app_context():
        token = db.session.scalars(select(Ticket.token)).one()
    inbox.messages.clear()
    pages = []
    for address in ("sam@example.org", "SAM@example.org"):
        browser = mail_app.test_client()
        html = browser.get("/ask/lost-link").get_data(as_text=True)
        token_field = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        r = browser.post("/ask/lost-link", data={"csrf_token": token_field, "email": address},
                         follow_redirects=True)
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and token not in page
        pages.append(page)
    assert pages[0] == pages[1] and "If we have requests for that address" in pages[0]
    assert [m["To"] for m in inbox.messages] == ["sam@example.org"]
    mail = email_text(inbox.messages[0])
    assert f"/status/{token}" in mail and "evil.example" not in mail
    browser = mail_app.test_client()
    html = browser.get("/ask/lost-link").get_data(as_text=True)
    token_field = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    same = browser.post("/ask/lost-link", data={"csrf_token": token_field,
                                                "email": "nobody@example.org"},
                        follow_redirects=True).get_data(as_text=True)
    assert same == pages[0]  # an address with no requests looks the same
