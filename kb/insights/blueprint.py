"""The ``insights`` blueprint object, on its own so that the insights page (``routes``) and
the content worklist (``worklist_routes``) decorate the same blueprint without importing
each other. Leads only, except the worklist's pages, which every agent may read (acting on
them stays the leads')."""

from __future__ import annotations

from flask import Blueprint

from kb.core import staff

READABLE_BY_AGENTS = frozenset({"insights.worklist", "insights.worklist_item",
                                "insights.search_words"})
bp = Blueprint("insights", __name__, url_prefix="/agent")
bp.before_request(staff.guard(lead=True, agents=READABLE_BY_AGENTS))
