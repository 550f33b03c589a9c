"""The anonymous key of a browser session, shared by the search log, wizard events, article
views and tickets (kb/insights matches them by it).

A random number kept in the Flask session, made on first need: never a name, an address or
an IP. It only says "the same browser", so a search can be matched with a ticket sent soon
after. A number rather than text because the insights count distinct browsers over hundreds
of thousands of rows, and numbers are much cheaper to count. It depends on nothing but
Flask, so any module can import it without a cycle."""

from __future__ import annotations

import secrets

from flask import has_request_context, session

SESSION_KEY = "visit"  # its name in the Flask session
BITS = 62  # random bits: fits a signed 64-bit column, collisions need ~2**31 browsers


def session_key(create: bool = True) -> int | None:
    """This browser's anonymous key (made on first need), or None outside a request."""
    if not has_request_context():
        return None
    key = session.get(SESSION_KEY)
    if isinstance(key, int) and not isinstance(key, bool) and 0 < key < 2 ** BITS:
        return key
    if not create:
        return None
    key = session[SESSION_KEY] = secrets.randbits(BITS) or 1
    return key
