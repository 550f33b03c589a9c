"""Insights for leads (``/agent/insights``): what people searched for and did not find,
which articles and wizard steps helped, where people gave up, how tickets were handled, and
the self-service score. Every figure is counted by the database (``queries``,
``wizard_queries``, ``ticket_queries``, ``selfservice``) over a period the lead picks; the
page draws them as SVG built by Jinja (``charts``), each with its numbers as a table and a
CSV download.

The content worklist (``/agent/worklist``: ``worklist``, ``worklist_queries``,
``worklist_routes``) turns the same logs into one queue of things to fix. ``make_blueprint()``
loads both route modules onto the one ``insights`` blueprint (called by the app factory)."""

from __future__ import annotations

from flask import Blueprint


def make_blueprint() -> Blueprint:
    from kb.insights import routes, worklist_routes  # noqa: F401  (they add routes)
    from kb.insights.blueprint import bp

    return bp
