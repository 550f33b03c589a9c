"""Shared helpers for the agent workspace tests: real agents, real sign-in, real tickets."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from kb.core.staff import create_agent
from kb.extensions import db
from kb.models import Ticket, utcnow

PASSWORD = "correct horse battery"


def make_agent(app: Flask, email: str = "ana@example.org", role: str = "agent",
               name: str = "Ana Agent") -> int:
    with app.app_context():
        agent = create_agent(email, name, PASSWORD, role)
        db.session.commit()
        return agent.id


def token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: FlaskClient, email: str = "ana@example.org", password: str = PASSWORD,
          follow: bool = False) -> Any:
    token = token_from(client.get("/agent/login").get_data(as_text=True))
    return client.post("/agent/login", data={"csrf_token": token, "email": email,
                                             "password": password},
                       follow_redirects=follow)


def post(client: FlaskClient, page: str, url: str, **data: Any) -> Any:
    """Submit a form the way a browser does: CSRF token taken from the page it is on."""
    data["csrf_token"] = token_from(client.get(page).get_data(as_text=True))
    return client.post(url, data=data)


def make_ticket(app: Flask, **fields: Any) -> int:
    now = utcnow()
    values: dict[str, Any] = {
        "summary": "Printer says offline", "description": "Nothing prints since 9.",
        "name": "Sam Jones", "email": "sam@example.org", "category": "printing",
        "priority": "P3", "respond_by": now + timedelta(hours=4), "created_at": now,
        "last_touched_at": now,
        "verified_at": now,  # the requester opened the emailed link (pass None for not yet)
    }
    values.update(fields)
    with app.app_context():
        ticket = Ticket(**values)
        db.session.add(ticket)
        db.session.commit()
        return ticket.id


def get_ticket(app: Flask, ticket_id: int) -> Ticket:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.events, ticket.links  # noqa: B018 - load before the session closes
        db.session.expunge(ticket)
        return ticket


def lead_client(app: Flask, email: str = "lee@example.org") -> FlaskClient:
    """A test client signed in as a lead (a real account, a real sign-in)."""
    make_agent(app, email, "lead", "Lee Lead")
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client
