"""The ticket lifecycle: one enum of statuses and one transition table, the only way a status
changes. ``move`` checks the table, keeps the timestamps that go with a status, and writes the
timeline event; it flushes nothing and commits nothing (the request commits once).

    new → in progress → waiting on user → resolved → closed
    (resolved or closed → in progress when the user says it is not fixed)

A ticket merged into another (``merge``) is closed through the same table and then never
moves again: its requester follows the other ticket.
"""

from __future__ import annotations

from datetime import datetime

from kb.extensions import db
from kb.models import Ticket, TicketEvent, utcnow

# The enums live in kb/states.py so the tables can use them without an import cycle; this
# module is where the rest of the code takes them from.
from kb.states import Priority, TicketEventKind, TicketStatus

__all__ = ["Priority", "TicketEventKind", "TicketStatus", "TRANSITIONS", "IllegalTransition",
           "allowed", "move", "record", "pick_up"]

S = TicketStatus
OPEN = (S.NEW, S.IN_PROGRESS, S.WAITING)
DONE = (S.RESOLVED, S.CLOSED)

# Where each status may go next. Resolving needs an explanation and closing the user's
# agreement; both are checked by the callers that offer them, the table says what is possible.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.NEW: frozenset({S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.WAITING, S.RESOLVED, S.CLOSED}),
    S.WAITING: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset({S.IN_PROGRESS}),
}


class IllegalTransition(ValueError):
    """A status change the lifecycle does not allow (say, closed → waiting on user)."""


def allowed(current: str, target: str) -> bool:
    try:
        return TicketStatus(target) in TRANSITIONS[TicketStatus(current)]
    except ValueError:
        return False


def can_move(ticket: Ticket, target: TicketStatus | str) -> bool:
    """The table's answer for this ticket: nothing moves a merged ticket."""
    return ticket.merged_into_id is None and allowed(ticket.status, target)


def move(ticket: Ticket, target: TicketStatus | str, *, kind: TicketEventKind | str, body: str,
         author: str, public: bool = True, now: datetime | None = None) -> TicketEvent:
    """Change the status through the table and record it on the timeline."""
    if ticket.merged_into_id is not None:
        raise IllegalTransition(f"this ticket was merged into HD-{ticket.merged_into_id:06d} "
                                "and stays closed")
    if not allowed(ticket.status, target):
        raise IllegalTransition(f"a {ticket.status} ticket cannot become {target}")
    to = TicketStatus(target)
    when = now or utcnow()
    ticket.status = to
    if to is S.RESOLVED:
        ticket.resolved_at = when
        if ticket.first_response_at is None:
            ticket.first_response_at = when
    elif to is S.CLOSED:
        ticket.closed_at = when
        if ticket.resolved_at is None:
            ticket.resolved_at = when
    else:
        ticket.resolved_at = None
        ticket.closed_at = None
    return record(ticket, kind, body, author, public, when)


def merge(duplicate: Ticket, target: Ticket, *, body: str, author: str,
          now: datetime | None = None) -> TicketEvent:
    """Close ``duplicate`` as merged into ``target``: through the table (a closed ticket
    cannot be merged), with a "merged" event, and for good (``move`` refuses it after)."""
    if duplicate.id == target.id or target.merged_into_id is not None:
        raise IllegalTransition("a ticket merges only into another ticket that is not merged")
    event = move(duplicate, S.CLOSED, kind=TicketEventKind.MERGED, body=body, author=author,
                 now=now)
    duplicate.merged_into_id = target.id
    duplicate.merged_into = target
    return event


def record(ticket: Ticket, kind: TicketEventKind | str, body: str = "", author: str = "",
           public: bool = True, now: datetime | None = None, *,
           via: str | None = None) -> TicketEvent:
    """One timeline entry (the one place they are written); an unknown kind is a ValueError
    here rather than a refused row at the commit. ``via`` says how it reached us when not
    through the site ("email")."""
    when = now or utcnow()
    event = TicketEvent(ticket=ticket, kind=TicketEventKind(kind), body=body,
                        author=author[:120], public=public, created_at=when, via=via)
    db.session.add(event)
    ticket.last_touched_at = when
    return event


def pick_up(ticket: Ticket, author: str, now: datetime | None = None) -> None:
    """A new ticket someone acts on is in progress (no separate timeline entry)."""
    if ticket.status == S.NEW:
        ticket.status = S.IN_PROGRESS
        ticket.last_touched_at = now or utcnow()
