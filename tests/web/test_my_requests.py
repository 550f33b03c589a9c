""""My requests" after a real sign-in: a requester sees their own tickets (matched by the
verified email) and no one else's, adds to them without the status link, and the ticket form
takes their name and email from the ID token so agents see "Verified by sign-in"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.extensions import db
from kb.models import Ticket, TicketEvent
from tests.web.agent_helpers import get_ticket, login, make_agent, make_ticket, token_from
from tests.web.sso_helpers import Provider, sign_in
from tests.web.tickets_helpers import receipt, ticket_data


@pytest.fixture
def sso_app(app_factory: Any, oidc_provider: Provider) -> Flask:
    app: Flask = app_factory(**oidc_provider.config())
    return app


def _requester(sso_app: Flask, provider: Provider, sub: str, email: str,
               name: str) -> FlaskClient:
    provider.add_user(sub, email=email, email_verified=True, name=name, groups=["staff"])
    client = sso_app.test_client()
    assert sign_in(client, sub).request.path == "/my-requests"
    return client


def test_a_requester_sees_their_tickets_and_not_another_persons(
        sso_app: Flask, oidc_provider: Provider) -> None:
    mine = make_ticket(sso_app, summary="My laptop will not charge",
                       email="Mia@Example.org", name="Mia", status="in progress")
    other = make_ticket(sso_app, summary="Someone else's printer", email="otto@example.org",
                        name="Otto")
    client = _requester(sso_app, oidc_provider, "mia-sub", "mia@example.org", "Mia M")
    page = client.get("/my-requests").get_data(as_text=True)
    assert f"HD-{mine:06d}" in page and "My laptop will not charge" in page
    assert "Being worked on" in page  # the status, in the user's words
    assert f"HD-{other:06d}" not in page and "Someone else" not in page

    ticket_page = client.get(f"/my-requests/{mine}")
    assert ticket_page.status_code == 200
    # Someone's own requests: never kept by a shared browser's or proxy's cache.
    assert ticket_page.headers["Cache-Control"] == "no-store"
    assert client.get("/my-requests").headers["Cache-Control"] == "no-store"
    html = ticket_page.get_data(as_text=True)
    assert "My laptop will not charge" in html
    assert get_ticket(sso_app, mine).token not in html  # no status link needed or shown
    assert client.get(f"/my-requests/{other}").status_code == 404
    assert client.get("/my-requests/999999").status_code == 404


def test_a_requester_adds_a_comment_without_the_link(sso_app: Flask,
                                                     oidc_provider: Provider) -> None:
    mine = make_ticket(sso_app, email="cat@example.org", name="Cat", status="waiting on user")
    other = make_ticket(sso_app, email="dan@example.org", name="Dan")
    client = _requester(sso_app, oidc_provider, "cat-sub", "cat@example.org", "Cat C")
    token = token_from(client.get(f"/my-requests/{mine}").get_data(as_text=True))
    response = client.post(f"/my-requests/{mine}/comment",
                           data={"csrf_token": token, "comment": "It is plugged in now."})
    assert response.status_code == 302
    ticket = get_ticket(sso_app, mine)
    comment = [e for e in ticket.events if e.kind == "comment"][-1]
    assert (comment.body, comment.author) == ("It is plugged in now.", "Cat C")
    assert ticket.status == "in progress"  # they answered: back to the help desk

    assert client.post(f"/my-requests/{other}/comment",
                       data={"csrf_token": token, "comment": "hi"}).status_code == 404
    assert client.post(f"/my-requests/{mine}/comment",
                       data={"comment": "no token"}).status_code == 400
    with sso_app.app_context():
        bodies = db.session.scalars(select(TicketEvent.body)).all()
    assert "hi" not in bodies and "no token" not in bodies


def test_a_requester_can_say_it_is_fixed(sso_app: Flask, oidc_provider: Provider) -> None:
    mine = make_ticket(sso_app, email="fay@example.org", name="Fay", status="resolved")
    client = _requester(sso_app, oidc_provider, "fay-sub", "fay@example.org", "Fay F")
    token = token_from(client.get(f"/my-requests/{mine}").get_data(as_text=True))
    assert client.post(f"/my-requests/{mine}/fixed",
                       data={"csrf_token": token}).status_code == 302
    assert get_ticket(sso_app, mine).status == "closed"


def test_signed_out_my_requests_starts_the_sign_in(sso_app: Flask) -> None:
    response = sso_app.test_client().get("/my-requests")
    assert response.status_code == 302
    assert response.location.startswith("/sso/login")
    assert sso_app.test_client().post("/my-requests/1/comment").status_code in (400, 403)


def test_the_form_takes_name_and_email_from_the_sign_in(sso_app: Flask,
                                                        oidc_provider: Provider) -> None:
    client = _requester(sso_app, oidc_provider, "gil-sub", "gil@example.org", "Gil Green")
    form = client.get("/ask").get_data(as_text=True)
    assert re.search(r'id="name"[^>]*readonly[^>]*value="Gil Green"|'
                     r'id="name"[^>]*value="Gil Green"[^>]*readonly', form)
    assert 'value="gil@example.org"' in form
    # Whatever is typed (here someone else's name and address), the ticket is the requester's.
    response = client.post("/ask", data=ticket_data(client, name="Chief Executive",
                                                    email="ceo@example.org"))
    assert response.status_code == 302
    with sso_app.app_context():
        ticket = db.session.scalar(select(Ticket).where(
            Ticket.receipt == receipt(response.location)))
        assert ticket is not None
        assert (ticket.name, ticket.email) == ("Gil Green", "gil@example.org")
        assert ticket.requester is not None and ticket.requester.subject == "gil-sub"
        ticket_id = ticket.id
    assert f"HD-{ticket_id:06d}" in client.get("/my-requests").get_data(as_text=True)

    make_agent(sso_app)
    agent = sso_app.test_client()
    login(agent)
    assert 'id="verified">Verified by sign-in' in agent.get(
        f"/agent/tickets/{ticket_id}").get_data(as_text=True)


def test_a_ticket_sent_without_signing_in_is_not_marked_verified(sso_app: Flask) -> None:
    client = sso_app.test_client()
    response = client.post("/ask", data=ticket_data(client, email="ceo@example.org"))
    with sso_app.app_context():
        ticket = db.session.scalar(select(Ticket).where(
            Ticket.receipt == receipt(response.location)))
        assert ticket is not None and ticket.requester_id is None
        ticket_id = ticket.id
    make_agent(sso_app)
    agent = sso_app.test_client()
    login(agent)
    html = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Verified by sign-in" not in html and "Unverified: name and email as typed" in html
