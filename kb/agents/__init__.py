"""The help-desk agents' workspace: sign-in, lookup during a call, ticket work, article
flags, outages, the team and the email inbox. ``make_blueprint()`` loads every route module
onto the one ``agent`` blueprint and returns it (called by the app factory, never at import)."""

from __future__ import annotations

from flask import Blueprint


def make_blueprint() -> Blueprint:
    from kb.agents import (  # noqa: F401  (they add routes)
        draft_routes,
        inbox_routes,
        invite_routes,
        merge_routes,
        outage_routes,
        routes,
        team_routes,
        ticket_routes,
    )
    from kb.agents.blueprint import bp

    return bp
