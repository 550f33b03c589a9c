"""Agents and requesters from a verified identity. The provider is the source of truth on
sign-in: the name and role are refreshed each time, and an agent who left the agent groups
is switched off (and signed out everywhere), so access ends where the organisation ends it."""

from __future__ import annotations

from sqlalchemy import func, select

from kb.extensions import db
from kb.models import Agent, Requester, new_token, utcnow
from kb.sso.oidc import ClaimsRefused, Identity

# Not an argon2 hash: password sign-in always fails for an agent created by sign-in.
NO_PASSWORD = "!sso"


def _linked_agent(identity: Identity) -> Agent | None:
    return db.session.scalar(select(Agent).where(
        Agent.oidc_issuer == identity.issuer, Agent.oidc_subject == identity.subject))


def agent_for(identity: Identity) -> Agent | None:
    """The agent this identity signs in as (created, linked by email, or updated), or None
    when the claims give no agent role. Flushed, not committed."""
    agent = _linked_agent(identity)
    if identity.role is None:
        if agent is not None and agent.active:
            agent.active = False
            agent.session_token = new_token()
        return None
    if agent is None:
        agent = db.session.scalar(
            select(Agent).where(func.lower(Agent.email) == identity.email))
        if agent is not None and agent.oidc_subject is not None:
            # The email belongs to an agent linked to another account: never merge the two.
            raise ClaimsRefused("this email already belongs to another agent's account")
    if agent is None:
        agent = Agent(email=identity.email, name=identity.name, password_hash=NO_PASSWORD)
        db.session.add(agent)
    agent.oidc_issuer = identity.issuer
    agent.oidc_subject = identity.subject
    agent.name = identity.name
    agent.role = identity.role
    agent.active = True
    db.session.flush()
    return agent


def requester_for(identity: Identity) -> Requester:
    """The requester row for this identity, with today's email and name. Flushed."""
    requester = db.session.scalar(select(Requester).where(
        Requester.issuer == identity.issuer, Requester.subject == identity.subject))
    if requester is None:
        requester = Requester(issuer=identity.issuer, subject=identity.subject,
                              email=identity.email, name=identity.name)
        db.session.add(requester)
    requester.email = identity.email
    requester.name = identity.name
    requester.last_seen_at = utcnow()
    db.session.flush()
    return requester
