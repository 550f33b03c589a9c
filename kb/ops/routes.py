"""Probes for load balancers and monitoring: /healthz (the process answers) and /readyz
(the database and the search index work; the mail queue is reported but does not decide,
since pages and forms work while emails wait in the outbox). Neither is rate limited or
needs a session."""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from kb.core.health import readiness, required
from kb.extensions import limiter

bp = Blueprint("health", __name__)
limiter.exempt(bp)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    checks = readiness()
    ready = required(checks)
    return jsonify({"status": "ok" if ready else "unavailable", "checks": checks}), (
        200 if ready else 503)
