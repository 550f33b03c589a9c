"""Known outages ("out of order" signs) and where they show."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kb.core.softcache import forget, soft
from kb.extensions import db
from kb.models import Agent, Outage, OutageUpdate, Ticket, TicketEvent, utcnow
from kb.tickets.emails import queue_is_it_fixed
from kb.tickets.lifecycle import DONE, TicketEventKind, TicketStatus, move

BANNERS = "outage banners"


@dataclass(frozen=True)
class Banner:
    """What a banner shows of an active outage: plain values, safe to keep between requests
    (and to show while the database is down)."""

    id: int
    title: str
    message: str
    services: str
    keywords: str
    expected_fix_at: datetime | None


def active_outages() -> list[Outage]:
    """Outages still on, newest first, with their updates (the pages show them)."""
    return list(db.session.scalars(
        select(Outage).where(Outage.resolved_at.is_(None)).order_by(Outage.starts_at.desc())
        .options(selectinload(Outage.updates))))


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9-]+", text.lower()) if len(w) > 1}


def matches(outage: Outage | Banner, text: str) -> bool:
    """True when any of the outage's keywords or services appears in ``text``."""
    words = _words(text)
    lowered = text.lower()
    for kw in [k.strip().lower() for k in f"{outage.keywords},{outage.services}".split(",")]:
        if kw and (kw in words or (" " in kw and kw in lowered)):
            return True
    return False


def active_banners() -> list[Banner]:
    """Active outages as banners, kept briefly and shown from memory if the database is down."""
    def fetch() -> list[Banner]:
        return [Banner(o.id, o.title, o.message, o.services, o.keywords, o.expected_fix_at)
                for o in active_outages()]

    return soft(BANNERS, fetch, [])


def banners_for(text: str | None = None) -> list[Banner]:
    """All active outages (``text`` None, e.g. the home page) or those matching ``text``."""
    banners = active_banners()
    if text is None:
        return banners
    return [o for o in banners if matches(o, text)]


def matching_outages(text: str) -> list[Banner]:
    """Active outages the words of ``text`` point to: the ticket form asks "Is this about…?"."""
    return [o for o in active_banners() if matches(o, text or "")]


def recent_outages(days: int = 7) -> list[Outage]:
    """Outages fixed in the last ``days`` days, newest first, for the status page."""
    since = utcnow() - timedelta(days=days)
    return list(db.session.scalars(
        select(Outage).where(Outage.resolved_at.is_not(None), Outage.resolved_at >= since)
        .order_by(Outage.resolved_at.desc()).options(selectinload(Outage.updates))))


def affected_count(outage: Outage) -> int:
    """How many people told us they are affected (each joined the outage once)."""
    return int(db.session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.outage_id == outage.id)) or 0)


def joined_ticket(outage: Outage, email: str) -> Ticket | None:
    """The ticket of someone who already joined ``outage`` with this address (any case)."""
    return db.session.scalar(
        select(Ticket).where(Ticket.outage_id == outage.id,
                             func.lower(Ticket.email) == email.strip().lower()))


def join_outage(outage: Outage, name: str, email: str) -> Ticket:
    """Add someone to the people affected by ``outage`` instead of opening a new request.

    Each person gets a lightweight ticket (``outage_id`` set, status "in progress") so they
    have a status page and are told when the outage is fixed; those tickets stay out of the
    agents' queue. Joining twice with the same email returns the first ticket. Flushed: the
    caller commits, with the email it queues.
    """
    email = email.strip()
    existing = joined_ticket(outage, email)
    if existing is not None:
        return existing
    now = utcnow()
    ticket = Ticket(summary=f"Affected by: {outage.title}"[:200], description=outage.message,
                    name=name.strip(), email=email, category="outage",
                    status=TicketStatus.IN_PROGRESS,
                    outage_id=outage.id, first_response_at=now, last_touched_at=now)
    db.session.add(ticket)
    ticket.events.append(TicketEvent(
        kind=TicketEventKind.CREATED, author=ticket.name, public=True,
        body=f"You told us you are affected by a known problem: {outage.title}. "
             "We are already working on it and will tell you when it is fixed."))
    db.session.flush()
    return ticket


def create_outage(*, title: str, message: str, services: str, keywords: str,
                  starts_at: datetime | None, expected_fix_at: datetime | None,
                  author: Agent | None) -> Outage:
    outage = Outage(title=title.strip(), message=message.strip(),
                    services=_tidy_list(services), keywords=_tidy_list(keywords),
                    starts_at=starts_at or utcnow(), expected_fix_at=expected_fix_at,
                    created_by_id=author.id if author else None)
    db.session.add(outage)
    db.session.flush()
    forget(BANNERS)
    return outage


def add_update(outage: Outage, body: str) -> OutageUpdate:
    update = OutageUpdate(outage=outage, body=body.strip())
    db.session.add(update)
    for ticket in _open_joined(outage):
        ticket.events.append(TicketEvent(kind=TicketEventKind.UPDATE, body=body.strip(),
                                         author="Help desk", public=True))
        ticket.last_touched_at = utcnow()
    db.session.flush()
    forget(BANNERS)
    return update


def resolve_outage(outage: Outage, resolution: str) -> list[Ticket]:
    """End the outage; everyone who joined gets the fix explained and "Is it fixed?" links,
    one outbox row each, in the same (caller's) transaction. Returns those tickets."""
    now = utcnow()
    outage.resolved_at = now
    outage.resolution = resolution.strip()
    joined = _open_joined(outage)
    for ticket in joined:
        ticket.resolution = outage.resolution
        move(ticket, TicketStatus.RESOLVED, kind="resolved", body=outage.resolution or "",
             author="Help desk", now=now)
        queue_is_it_fixed(ticket, "The problem you told us about is fixed",
                          outage.resolution or "")
    db.session.flush()
    forget(BANNERS)
    return joined


def _open_joined(outage: Outage) -> list[Ticket]:
    return list(db.session.scalars(
        select(Ticket).where(Ticket.outage_id == outage.id,
                             Ticket.status.not_in(DONE))))


def _tidy_list(text: str) -> str:
    return ", ".join(p.strip() for p in (text or "").split(",") if p.strip())
