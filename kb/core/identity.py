"""Who the requester is: the signed-in requester's id is the only thing the session keeps
about them (no name, no email, nothing typed), so the cookie reveals nothing."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session

from kb.core.visitor import SESSION_KEY as VISIT_KEY
from kb.extensions import db
from kb.models import Requester

SESSION_KEY = "requester_id"


def sso_enabled(app: Flask | None = None) -> bool:
    """Organisation sign-in is on when an issuer is configured (kb.sso)."""
    return bool(str((app or current_app).config.get("OIDC_ISSUER") or "").strip())


def current_requester() -> Requester | None:
    """The requester signed in with the organisation's provider in this browser, if any:
    none outside a request (the worker and the CLI render emails with no browser), and none
    once sign-in is turned off, whatever an old cookie says."""
    if not has_request_context() or not sso_enabled():
        return None
    requester_id = session.get(SESSION_KEY)
    if not isinstance(requester_id, int):
        return None
    return db.session.get(Requester, requester_id)


def sign_in_requester(requester: Requester) -> None:
    """A fresh session holding only the requester's id and the anonymous visit key (so a
    search before signing in still matches the ticket sent after it)."""
    visit = session.get(VISIT_KEY)  # the anonymous key (kb.core.visitor) stays the same
    session.clear()
    session[SESSION_KEY] = requester.id
    if isinstance(visit, int):
        session[VISIT_KEY] = visit


def sign_out_requester() -> None:
    session.pop(SESSION_KEY, None)
