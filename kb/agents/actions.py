"""What an agent does to a ticket. Each action records a timeline event, marks the ticket
as touched (so ``send-updates`` skips it today) and, where the user should know, queues an
email in the same transaction (the worker sends it after the commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from kb.core.inputs import parse_id
from kb.core.services import library
from kb.extensions import db
from kb.models import Agent, Ticket, TicketArticle, TicketEvent, utcnow
from kb.tickets import service
from kb.tickets.emails import queue_is_it_fixed, queue_ticket_email
from kb.tickets.lifecycle import DONE, TicketStatus, move, pick_up

DONE_STATUSES = tuple(s.value for s in DONE)
# Whoever typed the address may not own it: until the emailed link is opened, what agents
# write stays on the status page (the owner of the address gets there from that email).
UNVERIFIED_NOTE = ("Not emailed: the requester has not opened the link in their confirmation "
                   "email yet. They see this on their status page once they do.")


def add_event(ticket: Ticket, kind: str, body: str, author: str, public: bool) -> TicketEvent:
    """One line of the ticket's timeline; also marks the ticket as touched today."""
    return service.add_event(ticket, kind, body, author, public)


def assign(ticket: Ticket, assignee: Agent | None, by: Agent) -> None:
    ticket.assignee = assignee
    who = assignee.name if assignee else "nobody"
    add_event(ticket, "assign", f"Assigned to {who}.", by.name, public=False)
    db.session.flush()


def set_status(ticket: Ticket, status: str, by: Agent) -> None:
    """An agent's status change, through the lifecycle's table (IllegalTransition if not)."""
    if status == TicketStatus.RESOLVED:
        raise ValueError("resolve with an explanation")
    if status == ticket.status:
        return
    move(ticket, status, kind="status", body=f"Status changed to {TicketStatus(status)}.",
         author=by.name)
    db.session.flush()


def reply(ticket: Ticket, body: str, by: Agent) -> None:
    """A message to the user: emailed and shown on their status page."""
    add_event(ticket, "reply", body, by.name, public=True)
    if ticket.first_response_at is None:
        ticket.first_response_at = utcnow()
    pick_up(ticket, by.name)
    if service.verified(ticket):
        queue_ticket_email(ticket, "A reply about your request", "agent_reply", body=body,
                           agent=by)
    else:
        add_event(ticket, "note", UNVERIFIED_NOTE, "Help desk", public=False)
    db.session.flush()


def note(ticket: Ticket, body: str, by: Agent) -> None:
    """For agents only: never on the status page, never emailed."""
    add_event(ticket, "note", body, by.name, public=False)
    db.session.flush()


def parse_kb_id(text: str) -> int | None:
    ref = text.strip().upper().removeprefix("KB-").removeprefix("KB").strip()
    return parse_id(ref)


def link_article(ticket: Ticket, article_id: int, by: Agent) -> bool:
    """Link a KB article (internal ones too); False when it was already linked."""
    art = library().get(article_id, include_internal=True)
    if art is None:
        raise LookupError(article_id)
    if any(link.article_id == article_id for link in ticket.links):
        return False
    ticket.links.append(TicketArticle(article_id=article_id))
    add_event(ticket, "link", f"Try this article: {art.title} ({art.kb_id})", by.name,
              public=art.is_public)
    db.session.flush()
    return True


def escalate(ticket: Ticket, group: str, reason: str, by: Agent) -> None:
    """Hand over to a second- or third-line group (kept as ``team``); the reason stays
    internal."""
    ticket.team = group
    ticket.assignee = None
    add_event(ticket, "escalate", f"Passed to {group}. Reason: {reason}", by.name, public=False)
    add_event(ticket, "status", f"Your request has been passed to our {group} specialists.",
              by.name, public=True)
    pick_up(ticket, by.name)
    db.session.flush()


def resolve(ticket: Ticket, explanation: str, by: Agent) -> None:
    """Resolved, not closed: the user confirms it is fixed (Yes closes, No reopens)."""
    ticket.resolution = explanation
    move(ticket, TicketStatus.RESOLVED, kind="resolved", body=explanation, author=by.name)
    if service.verified(ticket):
        queue_is_it_fixed(ticket, "We think your problem is fixed", explanation)
    else:
        add_event(ticket, "note", UNVERIFIED_NOTE, "Help desk", public=False)
    db.session.flush()


def send_updates(now: datetime | None = None) -> int:
    """Queue "we are still working on it" for every open ticket nobody touched today: one
    outbox row each, committed together with the timeline events."""
    from kb.tickets.hours import to_local, to_utc

    now = now or utcnow()
    local_midnight = to_local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    start_of_day = to_utc(local_midnight)
    tickets = db.session.scalars(
        select(Ticket).where(Ticket.status.not_in(DONE_STATUSES),
                             Ticket.last_touched_at < start_of_day).order_by(Ticket.id)).all()
    for ticket in tickets:
        add_event(ticket, "update", "We are still working on your request. "
                  "We will contact you when we have news.", "Help desk", public=True)
        queue_ticket_email(ticket, "We are still working on your request", "agent_update")
    db.session.flush()
    return len(tickets)


@dataclass
class LinkRate:
    linked: int
    total: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.linked / self.total) if self.total else None


def link_rate() -> LinkRate:
    """Share of resolved or closed tickets with at least one linked article (KCS link rate);
    a merged duplicate was not solved on its own, so it does not count."""
    done = select(Ticket.id).where(Ticket.status.in_(DONE_STATUSES),
                                   Ticket.merged_into_id.is_(None))
    total = db.session.scalar(select(func.count()).select_from(done.subquery())) or 0
    linked = db.session.scalar(
        select(func.count(func.distinct(TicketArticle.ticket_id)))
        .where(TicketArticle.ticket_id.in_(done))) or 0
    return LinkRate(linked=linked, total=total)
