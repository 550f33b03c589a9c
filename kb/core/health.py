"""Is this process able to serve? ``DB_DOWN`` names the errors that mean the database cannot
be reached (as opposed to a bug in a query); ``readiness`` checks each dependency for
/readyz; ``init_health`` turns an unreachable database into a clear 503 page.

The mail queue is checked but only informs: with the queue down, pages and forms still work
(emails wait in the outbox), so taking the node out of the load balancer would help nobody.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, render_template
from sqlalchemy import func, select, text
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
    if checks["database"]["ok"]:
        checks["mail_queue"] = mail_queue()
    return checks


def required(checks: dict[str, dict[str, Any]]) -> bool:
    """Ready when every check that decides readiness is ok (the mail queue only informs)."""
    return all(c["ok"] for c in checks.values() if c.get("required", True))


def mail_queue() -> dict[str, Any]:
    """The queue's storage answers, and no email has waited longer than MAIL_STUCK_MINUTES
    (the worker may be stopped, or the mail server down for a while)."""
    from kb.core.worker import get_queue
    from kb.models.base import utcnow
    from kb.models.mail import OutboxEmail
    from kb.states import EmailState

    check: dict[str, Any] = {"required": False}
    try:
        pending = get_queue().huey.pending_count()
    except Exception as exc:  # Redis or the queue file unreachable: emails wait in the outbox
        return {**check, "ok": False, "detail": f"queue unreachable ({exc.__class__.__name__})"}
    waiting, oldest = db.session.execute(
        select(func.count(OutboxEmail.id), func.min(OutboxEmail.created_at))
        .where(OutboxEmail.state.in_([EmailState.QUEUED, EmailState.SENDING]))).one()
    limit = timedelta(minutes=float(current_app.config["MAIL_STUCK_MINUTES"]))
    stuck = oldest is not None and utcnow() - oldest > limit
    detail = f"{waiting} emails waiting, {pending} jobs queued"
    if stuck:
        minutes = int((utcnow() - oldest).total_seconds() // 60)
        detail += f"; the oldest has waited {minutes} min"
    return {**check, "ok": not stuck, "detail": detail}


def init_health(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_down(exc: Exception) -> tuple[str, int]:
        """Pages that need the database say so and give the phone number; never a bare 500."""
        from kb.core.softcache import rollback

        rollback()
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return render_template("errors/503.html"), 503
