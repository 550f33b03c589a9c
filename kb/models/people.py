"""Who works the desk and who asks: agents, their invitations, signed-in requesters."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.dbtypes import JSONDocument, closed_set
from kb.extensions import db
from kb.models.base import new_token, utcnow
from kb.states import (
    AgentRole,
)


class Agent(UserMixin, db.Model):  # type: ignore[name-defined]
    """A help-desk agent or lead who signs in to the agent workspace."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[AgentRole] = mapped_column(closed_set(AgentRole, "role", 10),
                                            default=AgentRole.AGENT)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Changing this invalidates every session of the agent (Flask-Login's alternative id).
    session_token: Mapped[str] = mapped_column(String(64), default=new_token)
    # Set once the agent signs in with the organisation's OpenID provider (kb/sso).
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    # The support.yml groups this agent works for (the queue's "My groups"), as the ticket's
    # own group column is ``team``.
    teams: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_agent_oidc", "oidc_issuer", "oidc_subject", unique=True),
    )

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_lead(self) -> bool:
        return self.role == AgentRole.LEAD


class Invitation(db.Model):  # type: ignore[name-defined]
    """A lead's invitation to join the team: one emailed link that sets a password, usable
    once and only until ``expires_at``. Only a SHA-256 of the link's token is kept, so the
    table alone signs nobody in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[AgentRole] = mapped_column(closed_set(AgentRole, "role", 10),
                                            default=AgentRole.AGENT)
    teams: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))  # once accepted
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    invited_by: Mapped[Agent | None] = relationship(foreign_keys=[invited_by_id])


class Requester(db.Model):  # type: ignore[name-defined]
    """Someone who signed in with the organisation's OpenID provider to ask for help. Keyed
    by issuer and subject (stable), with the verified email and name from the ID token."""

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_requester_oidc", "issuer", "subject", unique=True),)
