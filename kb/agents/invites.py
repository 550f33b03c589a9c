"""Invitations to the team: a lead names someone, and an email through the outbox carries
a one-time link where they set their own password. Nobody else ever knows it, unlike a
first password told on the phone.

The link's token is random; only its SHA-256 is stored, so the table alone opens nothing.
A link works once (a conditional UPDATE claims it, so two tabs cannot both use it), until
``INVITE_HOURS`` (72) after it was sent, and not after a lead revokes it or sends a new one.
Services flush; the request commits once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app, render_template
from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import CursorResult

from kb.agents.teams import clean
from kb.core import staff
from kb.core.identity import sso_enabled
from kb.core.mail import queue_email
from kb.core.privacy import redact
from kb.core.services import support
from kb.extensions import db
from kb.models import Agent, Invitation, utcnow

# Why a link no longer works, in the invitee's words. A link replaced by a newer one is
# unknown (its hash is gone), like a mistyped one: UNKNOWN covers both.
UNKNOWN = ("This link does not work. If a team lead sent you a newer invitation, use the link "
           "in the latest email. Otherwise ask them to send one.")
GONE = {
    "used": "This link has been used already. Sign in with the password you chose.",
    "revoked": "This invitation was withdrawn. Ask a team lead if you still need one.",
    "expired": "This link has expired. Ask a team lead to send you a new one.",
    "taken": "There is already an agent with this email address. Sign in instead.",
}


class InviteRefused(ValueError):
    """The invitation cannot be sent (the address already has an account or an invitation)."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hours() -> float:
    return float(current_app.config.get("INVITE_HOURS", 72))


def link(token: str) -> str:
    """The emailed address, built from BASE_URL (never the request's Host header)."""
    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    return f"{base}/agent/invite/{token}"


def pending() -> list[Invitation]:
    """Invitations not used and not revoked, newest first (expired ones too: resend them)."""
    return list(db.session.scalars(
        select(Invitation).where(Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None))
        .order_by(Invitation.sent_at.desc(), Invitation.id.desc())))


def _open_for(email: str) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(
        func.lower(Invitation.email) == email, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)).limit(1))


def invite(email: str, name: str, role: str, teams: list[str], by: Agent,
           now: datetime | None = None) -> Invitation:
    """A new invitation with its email queued, flushed."""
    email = email.strip().lower()
    if role not in staff.ROLES:
        raise InviteRefused("Choose a role.")
    if staff.find_agent(email) is not None:
        raise InviteRefused(f"There is already an agent with the email {email}.")
    if _open_for(email) is not None:
        raise InviteRefused(f"{email} has an invitation already. Resend it from the list "
                            "below.")
    invitation = Invitation(email=email, name=redact(name).text.strip()[:120], role=role,
                            teams=clean(teams), invited_by=by, token_hash="")
    db.session.add(invitation)
    _send(invitation, by, now or utcnow())
    return invitation


def resend(invitation: Invitation, by: Agent, now: datetime | None = None) -> None:
    """A fresh link and 72 hours from now; the earlier link stops working."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InviteRefused("This invitation was used or withdrawn; it cannot be sent again.")
    _send(invitation, by, now or utcnow())


def revoke(invitation: Invitation, now: datetime | None = None) -> None:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = now or utcnow()
        db.session.flush()


def revoke_for(agent: Agent, now: datetime | None = None) -> int:
    """An agent switched off: invitations to their address and those they sent end too."""
    open_ones = db.session.scalars(select(Invitation).where(
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        or_(func.lower(Invitation.email) == agent.email.lower(),
            Invitation.invited_by_id == agent.id))).all()
    for invitation in open_ones:
        revoke(invitation, now)
    return len(open_ones)


def _send(invitation: Invitation, by: Agent, now: datetime) -> None:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(hours=hours())
    db.session.flush()
    context: dict[str, Any] = {
        "invitation": invitation, "lead": by, "link": link(token), "hours": int(hours()),
        "sso": sso_enabled(), "login_url": str(current_app.config.get("BASE_URL") or "")
        .rstrip("/") + "/agent/login", "support": support(), "title": "Join the help desk"}
    queue_email(to=invitation.email, subject="You are invited to the help desk team",
                template="agent_invite",
                text=render_template("email/agent_invite.txt", **context),
                html=render_template("email/agent_invite.html", **context))


def find(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, in any state (None for an unknown one)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))


def problem(invitation: Invitation, now: datetime | None = None) -> str | None:
    """Why this invitation's link cannot be used now (a key of GONE), or None."""
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    inviter = invitation.invited_by
    if inviter is None or not inviter.active or not inviter.is_lead:
        return "revoked"  # the lead who sent it can no longer manage the team
    if (now or utcnow()) >= invitation.expires_at:
        return "expired"
    if staff.find_agent(invitation.email) is not None:
        return "taken"
    return None


def accept(invitation: Invitation, password: str, now: datetime | None = None) -> Agent:
    """The invitee's account with their own password (argon2), flushed. The link is claimed
    first with a conditional UPDATE: of two requests racing, one gets it, the other a
    ValueError("used")."""
    now = now or utcnow()
    reason = problem(invitation, now)
    if reason is not None:
        raise ValueError(reason)
    claimed = cast(CursorResult[Any], db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.token_hash == invitation.token_hash,
               Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(accepted_at=now).execution_options(synchronize_session=False)))
    if claimed.rowcount != 1:
        raise ValueError("used")
    agent = staff.new_agent(invitation.email, invitation.name, password, invitation.role,
                            clean(invitation.teams or []))
    invitation.accepted_at = now
    invitation.agent_id = agent.id
    db.session.flush()
    return agent
