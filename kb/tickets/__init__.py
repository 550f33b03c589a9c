"""Tickets: what the user asked for help with, from the form or a wizard hand-off, and the
requester's side of it (status page, comments, "Is it fixed?", rating, "My requests").
``make_blueprint()`` loads the route modules onto the one ``tickets`` blueprint."""

from __future__ import annotations

from flask import Blueprint


def make_blueprint() -> Blueprint:
    from kb.tickets import routes, status_routes  # noqa: F401  (they add routes)
    from kb.tickets.blueprint import bp

    return bp
