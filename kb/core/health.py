"""Is this process able to serve? ``DB_DOWN`` names the errors that mean the database cannot
be reached (as opposed to a bug in a query); ``readiness`` checks each dependency for
/readyz; ``init_health`` turns an unreachable database into a clear 503 page."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError

from kb.extensions import db

log = logging.getLogger(__name__)
DB_DOWN = (OperationalError, InterfaceError)


def readiness() -> dict[str, dict[str, Any]]:
    """Each dependency with ``ok`` and a short ``detail``: what a load balancer needs."""
    from kb.core.services import search_index

    checks: dict[str, dict[str, Any]] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "detail": db.engine.dialect.name}
    except Exception as exc:  # any failure means "not ready", whatever the driver raised
        from kb.core.softcache import rollback

        rollback()
        checks["database"] = {"ok": False, "detail": exc.__class__.__name__}
    count = search_index().doc_count()
    checks["index"] = {"ok": count > 0, "detail": f"{count} articles"}
    return checks


def init_health(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_down(exc: Exception) -> tuple[str, int]:
        """Pages that need the database say so and give the phone number; never a bare 500."""
        from kb.core.softcache import rollback

        rollback()
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return render_template("errors/503.html"), 503
