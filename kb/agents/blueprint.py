"""The ``agent`` blueprint object, on its own so that every agent route module
(``routes``, ``ticket_routes``, ``team_routes``, ...) decorates the same blueprint without
importing each other. Every route except sign-in and the invitation page needs a signed-in
agent (``staff.guard``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from kb.core import staff

bp = Blueprint("agent", __name__, url_prefix="/agent")
bp.before_request(staff.guard(public=frozenset({"agent.login", "agent.invite"})))


@bp.record_once
def _setup(state: Any) -> None:
    staff.init_login(state.app)
