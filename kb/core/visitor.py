"""The anonymous key of a browser session, shared by the search log, wizard events, article
views and tickets (kb/insights matches them by it).

A random id kept in the Flask session, made on first need: never a name, an address or an
IP. It only says "the same browser", so a search can be matched with a ticket sent soon
after. It depends on nothing but Flask, so any module can import it without a cycle."""

from __future__ import annotations

import secrets

from flask import has_request_context, session

SESSION_KEY = "visit"  # its name in the Flask session


def session_key(create: bool = True) -> str | None:
    """This browser's anonymous key (made on first need), or None outside a request."""
    if not has_request_context():
        return None
    key = session.get(SESSION_KEY)
    if isinstance(key, str) and len(key) == 32 and key.isalnum():
        return key
    if not create:
        return None
    key = session[SESSION_KEY] = secrets.token_hex(16)
    return key
