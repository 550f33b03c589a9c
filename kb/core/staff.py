"""Staff accounts and sign-in, shared by every area that has agent pages: argon2 hashes, a
growing wait after wrong passwords from one place, sessions that end when idle or too old, a
Flask-Login loader keyed on ``session_token`` so a log-out ends every session, and
:func:`guard`, the one check every staff blueprint runs before its routes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST
from flask import Flask, abort, current_app, flash, jsonify, redirect, request, session, url_for
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from kb.extensions import db, login_manager
from kb.models import Agent, new_token
from kb.states import AgentRole

log = logging.getLogger(__name__)
SESSION_STARTED, SESSION_SEEN = "agent_since", "agent_seen"  # for idle and absolute expiry

FAILURE_RULES = ("5/15 minutes", "10/hour", "20/day")  # wrong passwords per account+source
COUNTERS_KEY = "kb_login_failures"
ROLES = tuple(AgentRole)
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


MIN_PASSWORD = 10


def new_agent(email: str, name: str, password: str, role: AgentRole | str = AgentRole.AGENT,
              teams: list[str] | None = None) -> Agent:
    """An agent with an argon2 hash of ``password``, flushed (the caller commits)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must be at least {MIN_PASSWORD} characters long")
    email = email.strip().lower()
    if find_agent(email) is not None:
        raise ValueError(f"an agent with the email {email} already exists")
    agent = Agent(email=email, name=name.strip(), role=AgentRole(role), teams=list(teams or []),
                  password_hash=hash_password(password))
    db.session.add(agent)
    db.session.flush()
    return agent


def create_agent(email: str, name: str, password: str, role: str = "agent") -> Agent:
    """``new_agent`` by the name the command line and tests use (flushed; they commit)."""
    return new_agent(email, name, password, role)


def find_agent(email: str) -> Agent | None:
    return db.session.scalar(
        select(Agent).where(func.lower(Agent.email) == email.strip().lower()))


def _failure_limits() -> list[RateLimitItem]:
    """Wrong passwords allowed for one account from one source: a growing wait (15 minutes,
    then an hour, then a day) instead of one lock anybody could put on any account."""
    return [parse(rule) for rule in FAILURE_RULES]


def _failure_key(email: str, source: str) -> list[str]:
    prefix = str(current_app.config.get("RATELIMIT_KEY_PREFIX") or "")
    return [f"{prefix}agent-login", email.strip().lower(), source]


def _counters() -> FixedWindowRateLimiter:
    """Failure counters in the rate limiter's store (Redis when configured, so every worker
    sees the same counts), one per app."""
    got = current_app.extensions.get(COUNTERS_KEY)
    if got is None:
        uri = str(current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
        got = current_app.extensions[COUNTERS_KEY] = FixedWindowRateLimiter(
            storage_from_string(uri))
    return got


def blocked(email: str, source: str) -> bool:
    """This source has used up its wrong passwords for this account, for now."""
    key = _failure_key(email, source)
    try:
        return any(not _counters().test(item, *key) for item in _failure_limits())
    except Exception:  # the counter store is down: the per-minute route limit still holds
        log.warning("login failure counters unavailable", exc_info=True)
        return False


def _count_failure(email: str, source: str) -> None:
    key = _failure_key(email, source)
    try:
        for item in _failure_limits():
            _counters().hit(item, *key)
    except Exception:
        log.warning("login failure counters unavailable", exc_info=True)


def authenticate(email: str, password: str, source: str = "") -> Agent | None:
    """The agent when the password is right and the account is on.

    Wrong passwords are counted per account and source together (``source`` is the client
    address): five from one place make that place wait, while the agent can still sign in
    from their own desk. The caller shows one message for every failure.
    """
    if blocked(email, source):
        return None
    agent = find_agent(email)
    if agent is None:
        _verify(_dummy(), password)
        _count_failure(email, source)
        return None
    if not _verify(agent.password_hash, password) or not agent.active:
        agent.failed_logins = (agent.failed_logins or 0) + 1  # shown to leads; locks nothing
        db.session.flush()
        _count_failure(email, source)
        return None
    agent.failed_logins = 0
    agent.locked_until = None
    if _hasher().check_needs_rehash(agent.password_hash):
        agent.password_hash = hash_password(password)
    db.session.flush()
    return agent


def session_expired(started: float | None, seen: float | None, now: float) -> str | None:
    """Why an agent session is over ("idle" or "too old"), or None while it is fine."""
    cfg = current_app.config
    if started is None or seen is None:
        return None
    if now - seen > 60 * float(cfg.get("AGENT_IDLE_MINUTES", 480)):
        return "idle"
    if now - started > 3600 * float(cfg.get("AGENT_MAX_HOURS", 24)):
        return "too old"
    return None


def end_sessions(agent: Agent) -> None:
    """A new session token: every browser signed in as this agent is signed out."""
    agent.session_token = new_token()
    db.session.flush()


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


def start_session(agent: Agent) -> None:
    """A fresh session at sign-in: nothing from before carries over; expiry clocks start."""
    from flask_login import login_user

    session.clear()
    login_user(agent)
    session[SESSION_STARTED] = session[SESSION_SEEN] = time.time()


def guard(public: frozenset[str] = frozenset(), lead: bool = False,
          agents: frozenset[str] = frozenset()) -> Callable[[], Response | None]:
    """A ``before_request`` for a staff blueprint: a signed-in, active agent whose session is
    neither idle nor too old (else the sign-in page, saying why); ``lead`` pages also need the
    lead role, except the ``agents`` endpoints (what every agent may use on a lead
    blueprint: reading the worklist, linking a ticket to a known error). ``public``
    endpoints (the sign-in page) pass."""

    def check() -> Response | None:
        from flask_login import current_user, logout_user

        if request.endpoint in public:
            return None
        if current_user.is_authenticated:
            now = time.time()
            why = session_expired(session.get(SESSION_STARTED), session.get(SESSION_SEEN), now)
            if why is None:
                session[SESSION_SEEN] = now
                if lead and request.endpoint not in agents and not current_agent().is_lead:
                    abort(403)
                return None
            logout_user()
            session.clear()
            cfg = current_app.config
            flash(f"You were signed out after {_duration(float(cfg['AGENT_IDLE_MINUTES']))} "
                  "without activity. Please sign in again." if why == "idle" else
                  f"You were signed out: sessions last "
                  f"{_duration(60 * float(cfg['AGENT_MAX_HOURS']))} at most. Please sign in again.")
        result: Response = login_manager.unauthorized()
        return result

    return check


def _duration(minutes: float) -> str:
    """"8 hours", "1 hour", "30 minutes", for the signed-out message."""
    if minutes >= 60 and minutes % 60 == 0:
        hours = int(minutes // 60)
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{int(minutes)} minute" + ("s" if int(minutes) != 1 else "")
