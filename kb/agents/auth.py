"""Agent accounts and sign-in: argon2 hashes, lock-out after repeated wrong passwords,
and a Flask-Login loader keyed on ``session_token`` so a log-out ends every session."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST
from flask import Flask, current_app, jsonify, redirect, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from ..extensions import db, login_manager
from ..models import Agent, new_token, utcnow

MAX_FAILURES = 5
LOCK_MINUTES = 15
ROLES = ("agent", "lead")
# One message whatever went wrong, so nobody can learn which emails have accounts.
LOGIN_ERROR = "Email or password is wrong"



def init_login(app: Flask) -> None:
    """Wire Flask-Login to agents (called once when the agent blueprint is registered).

    Tests hash with argon2's cheapest parameters (``ARGON2_CHEAP``, on under TESTING): the
    default costs take seconds per hash on a small machine and the suite makes hundreds."""
    cheap = app.config.get("ARGON2_CHEAP", app.testing)
    app.extensions["kb_hasher"] = (PasswordHasher.from_parameters(CHEAPEST) if cheap
                                   else PasswordHasher())
    login_manager.login_view = "agent.login"
    login_manager.login_message = "Please sign in to use the agent workspace."
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_agent)
    login_manager.unauthorized_handler(_unauthorized)


def load_agent(token: str) -> Agent | None:
    agent = db.session.scalar(select(Agent).where(Agent.session_token == token))
    return agent if agent is not None and agent.active else None


def _unauthorized() -> Response:
    """JSON 401 for the agent API; the sign-in page (coming back here after) for pages."""
    wants_json = request.accept_mimetypes.best == "application/json"
    if request.path.startswith("/agent/api/") or wants_json:
        response = jsonify({"error": "sign in first"})
        response.status_code = 401
        return response
    return redirect(url_for("agent.login", next=request.full_path.rstrip("?")))


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host), else the agent home page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("agent.search")


def _hasher() -> PasswordHasher:
    hasher: PasswordHasher = current_app.extensions["kb_hasher"]
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def create_agent(email: str, name: str, password: str, role: str = "agent") -> Agent:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise ValueError("the password must be at least 10 characters long")
    email = email.strip().lower()
    if find_agent(email) is not None:
        raise ValueError(f"an agent with the email {email} already exists")
    agent = Agent(email=email, name=name.strip(), role=role,
                  password_hash=hash_password(password))
    db.session.add(agent)
    db.session.commit()
    return agent


def find_agent(email: str) -> Agent | None:
    return db.session.scalar(
        select(Agent).where(func.lower(Agent.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> Agent | None:
    """The agent when the password is right and the account is neither off nor locked.

    Five wrong passwords in a row lock the account for 15 minutes; while it is locked even
    the right password is refused, and the caller shows the same message as for any failure.
    """
    agent = find_agent(email)
    if agent is None:
        _verify(_dummy(), password)
        return None
    now = utcnow()
    if agent.locked_until is not None and agent.locked_until > now:
        return None
    if not _verify(agent.password_hash, password) or not agent.active:
        agent.failed_logins = (agent.failed_logins or 0) + 1
        if agent.failed_logins >= MAX_FAILURES:
            agent.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            agent.failed_logins = 0
        db.session.commit()
        return None
    agent.failed_logins = 0
    agent.locked_until = None
    if _hasher().check_needs_rehash(agent.password_hash):
        agent.password_hash = hash_password(password)
    db.session.commit()
    return agent


def end_sessions(agent: Agent) -> None:
    """A new session token: every browser signed in as this agent is signed out."""
    agent.session_token = new_token()
    db.session.commit()


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy() -> str:
    """Checked when the email is unknown, so a wrong email takes as long as a wrong password."""
    dummy: str | None = current_app.extensions.get("kb_dummy_hash")
    if dummy is None:
        dummy = current_app.extensions["kb_dummy_hash"] = _hasher().hash("not a real password")
    return dummy


def current_agent() -> Agent:
    """The signed-in agent (routes run only after the blueprint checked there is one)."""
    from flask_login import current_user

    agent: Agent = current_user._get_current_object()
    return agent
