"""Recording known errors, linking tickets and telling people when one is fixed. Services
take plain values and flush; the request commits (and then the worker sends the emails)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kb.core import known_errors
from kb.core.privacy import redact
from kb.extensions import db
from kb.models import Agent, KnownError, KnownErrorTicket, Ticket, utcnow
from kb.states import KnownErrorStatus, TicketEventKind
from kb.tickets.emails import queue_ticket_email
from kb.tickets.lifecycle import DONE, record
from kb.tickets.service import status_url, verified

NOT_EMAILED = ("Not emailed that the known error {ref} is fixed: the requester has not "
               "opened the link in their confirmation email yet. They see it on their status "
               "page once they do.")


@dataclass
class Details:
    """What a lead types about a known error (checked by the form)."""

    title: str
    symptoms: str
    cause: str
    workaround_article_id: int | None
    status: KnownErrorStatus


def _clean(text: str, limit: int | None = None) -> str:
    """Typed text as it may be kept: secrets removed, trimmed."""
    out = redact(text or "").text.strip()
    return out[:limit] if limit else out


def create(details: Details, by: Agent) -> KnownError:
    known = KnownError(created_by_id=by.id)
    db.session.add(known)
    update(known, details, by)
    return known


def update(known: KnownError, details: Details, by: Agent) -> int:
    """Change the words, cause, workaround or status; a change to fixed tells the people
    affected (the number of emails queued is returned)."""
    known.title = _clean(details.title, 200)
    known.symptoms = _clean(details.symptoms)
    known.cause = _clean(details.cause)
    known.workaround_article_id = details.workaround_article_id
    db.session.flush()
    known_errors.changed()
    if details.status == KnownErrorStatus.FIXED:
        return mark_fixed(known, by)
    known.status, known.fixed_at = details.status, None
    db.session.flush()
    return 0


def get(known_id: int) -> KnownError | None:
    return db.session.scalar(select(KnownError).where(KnownError.id == known_id).options(
        selectinload(KnownError.links).selectinload(KnownErrorTicket.ticket)))


def all_known() -> list[tuple[KnownError, int]]:
    """Every known error with its number of linked tickets: not fixed first, newest first."""
    count = (select(func.count()).where(KnownErrorTicket.known_error_id == KnownError.id)
             .correlate(KnownError).scalar_subquery())
    rows = db.session.execute(select(KnownError, count).order_by(
        (KnownError.status == KnownErrorStatus.FIXED), KnownError.id.desc())).all()
    return [(k, int(n)) for k, n in rows]


def link(known: KnownError, ticket: Ticket, by: Agent) -> bool:
    """Link a ticket (False when it already was): an internal line on its timeline."""
    if db.session.scalar(select(KnownErrorTicket.id).where(
            KnownErrorTicket.known_error_id == known.id,
            KnownErrorTicket.ticket_id == ticket.id)) is not None:
        return False
    db.session.add(KnownErrorTicket(known_error_id=known.id, ticket_id=ticket.id))
    record(ticket, TicketEventKind.KNOWN_ERROR,
           f"Linked to the known error {known.reference}: {known.title}", by.name,
           public=False)
    db.session.flush()
    return True


def mark_fixed(known: KnownError, by: Agent) -> int:
    """Fixed: every linked ticket gets a line on its timeline, and every verified requester
    one email (with their own status link; a second ticket of theirs is named in the same
    email). Marking it fixed again does nothing: nobody is told twice. Returns the emails
    queued."""
    if known.status == KnownErrorStatus.FIXED:
        return 0
    known.status, known.fixed_at = KnownErrorStatus.FIXED, utcnow()
    tickets = [link.ticket for link in db.session.scalars(
        select(KnownErrorTicket).where(KnownErrorTicket.known_error_id == known.id)
        .options(selectinload(KnownErrorTicket.ticket)).order_by(KnownErrorTicket.id))
        if link.ticket.merged_into_id is None]
    by_address: dict[str, list[Ticket]] = {}
    for ticket in tickets:
        record(ticket, TicketEventKind.KNOWN_ERROR,
               f"The problem behind this request is fixed: {known.title}.", by.name,
               public=True)
        if verified(ticket):
            by_address.setdefault(ticket.email.strip().lower(), []).append(ticket)
        else:
            record(ticket, TicketEventKind.NOTE, NOT_EMAILED.format(ref=known.reference),
                   "Help desk", public=False)
    for own in by_address.values():
        own.sort(key=lambda t: (t.status in DONE, -t.id))  # an open one first, else the newest
        first, others = own[0], own[1:]
        queue_ticket_email(first, "The problem you told us about is fixed",
                           "known_error_fixed", known_error=known,
                           others=[(t.reference, status_url(t)) for t in others])
    db.session.flush()
    known_errors.changed()
    return len(by_address)
