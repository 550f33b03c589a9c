"""/sso/login sends the browser to the provider (state, nonce and PKCE verifier kept in the
session by Authlib); /sso/callback checks them, then signs in an agent (role from the group
claim) or a requester. The callback address is built from BASE_URL, never the Host header."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_login import login_user
from flask_wtf import FlaskForm
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from kb.core.identity import sign_in_requester, sign_out_requester
from kb.extensions import db, limiter
from kb.sso import accounts
from kb.sso.oidc import ClaimsRefused, claims_options, client, identity_from, issuer

bp = Blueprint("sso", __name__, url_prefix="/sso")
log = logging.getLogger(__name__)
NEXT_KEY = "sso_next"


class SignOutForm(FlaskForm):
    """Just the CSRF token."""


def _callback_url() -> str:
    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    return f"{base}/sso/callback"


def _safe_path(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no backslash tricks."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target[:300]


def _refused(message: str, code: int) -> tuple[str, int]:
    return render_template("sso/refused.html", message=message), code


@bp.get("/login")
@limiter.limit("30/minute")
def login() -> Response | tuple[str, int]:
    """Start the sign-in. A GET that only redirects: it changes nothing but this session."""
    target = _safe_path(request.args.get("next"))
    try:
        response: Response = client().authorize_redirect(_callback_url())
    except (requests.RequestException, OAuthError, ValueError, KeyError):
        log.exception("could not reach the OpenID provider at %s", issuer())
        return _refused(_("We cannot reach your organisation's sign-in service right now. "
                          "Please try again in a few minutes."), 503)
    if target:
        session[NEXT_KEY] = target
    return response


@bp.get("/callback")
@limiter.limit("30/minute")
def callback() -> Response | tuple[str, int]:
    """Back from the provider: a wrong or missing state, or a bad token, signs nobody in."""
    target = _safe_path(session.pop(NEXT_KEY, None))
    try:
        token = client().authorize_access_token(claims_options=claims_options())
        identity = identity_from(dict(token.get("userinfo") or {}), current_app.config,
                                 issuer())
        agent = accounts.agent_for(identity)
        requester = None if agent is not None else accounts.requester_for(identity)
        db.session.commit()
    except ClaimsRefused as exc:
        db.session.rollback()
        return _refused(_("We could not sign you in: %(why)s. Please contact the help desk.",
                          why=str(exc)), 403)
    except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError) as exc:
        db.session.rollback()
        log.warning("OpenID sign-in refused: %s", type(exc).__name__)
        return _refused(_("Signing in did not work. Please start again."), 400)
    session.clear()  # nothing from before sign-in carries over
    if agent is not None:
        login_user(agent)
        return redirect(target if target and target.startswith("/agent") else "/agent/")
    assert requester is not None
    sign_in_requester(requester)
    if target and target.startswith("/agent"):
        flash(_("You are signed in. Your organisation account is not a help-desk agent's, "
                "so here are your own requests."))
        target = None
    return redirect(target or "/my-requests")


@bp.post("/logout")
def logout() -> Response:
    """Sign the requester out of this site (the organisation's own sign-in stays)."""
    if not SignOutForm().validate_on_submit():
        abort(400)
    sign_out_requester()
    flash(_("You are signed out."))
    return redirect("/")
