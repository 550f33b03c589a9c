"""Shared helpers for the ticket web tests: fill the form the way a browser would."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

# The smallest valid PNG (1×1 pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def hidden(html: str, name: str) -> str:
    match = re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html) or \
        re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def form_fields(client: FlaskClient, url: str = "/ask") -> dict[str, Any]:
    """The hidden fields of the ticket form (CSRF token, submission key, carried values)."""
    html = client.get(url).get_data(as_text=True)
    return {name: hidden(html, name)
            for name in ("csrf_token", "submission_key", "run", "q", "article")}


def ticket_data(client: FlaskClient, url: str = "/ask", **fields: Any) -> dict[str, Any]:
    data = form_fields(client, url)
    data.update({
        "summary": "The printer on floor 2 says Offline",
        "description": "It stopped this morning.",
        "name": "Sam Jones",
        "email": "sam@example.org",
        "phone": "",
        "category": "printing",
        "impact": "me",
        "urgency": "normal",
        "send": "1",
    })
    data.update(fields)
    return data


def receipt(location: str) -> str:
    """The confirmation page's key from the redirect after sending the form."""
    match = re.search(r"/ask/sent/([^/?#]+)", location)
    assert match, location
    return match.group(1)


def status_token(app: Flask, location: str) -> str:
    """The status link's token of the ticket the form just made (it is only in the email,
    never in the browser: the test reads it from the database, as the email would carry)."""
    from kb.extensions import db
    from kb.models import Ticket

    with app.app_context():
        token = db.session.scalar(select(Ticket.token).where(Ticket.receipt == receipt(location)))
    assert token, location
    return str(token)


def sent_url(app: Flask, token: str) -> str:
    """The confirmation page of the ticket with this status token."""
    from kb.extensions import db
    from kb.models import Ticket

    with app.app_context():
        key = db.session.scalar(select(Ticket.receipt).where(Ticket.token == token))
    assert key, token
    return f"/ask/sent/{key}"
