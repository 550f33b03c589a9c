"""The ticket queue: filters, and the order that matters on the phone — time left to respond,
counted in support hours (evenings, weekends and holidays do not count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import selectinload

from kb.agents.actions import DONE_STATUSES
from kb.agents.lookup import like_pattern
from kb.core.search.request import is_stop
from kb.core.search.schema import stem_word, words
from kb.core.services import support
from kb.extensions import db
from kb.models import Agent, Ticket, utcnow
from kb.tickets.hours import support_hours_between
from kb.tickets.lifecycle import OPEN
from kb.tickets.service import STATUSES

PER_PAGE = 50


@dataclass
class Row:
    ticket: Ticket
    hours_left: float | None  # None: already answered, or no target

    @property
    def overdue(self) -> bool:
        return self.hours_left is not None and self.hours_left < 0

    @property
    def time_left(self) -> str:
        if self.hours_left is None:
            return "Answered" if self.ticket.first_response_at else "No target"
        minutes = round(abs(self.hours_left) * 60)
        text = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
        return f"Overdue by {text}" if self.hours_left < 0 else f"{text} left"


@dataclass
class QueuePage:
    """One page of the queue; ``page``/``pages`` as the pagination macro expects."""

    rows: list[Row]
    page: int
    pages: int
    total: int
    per_page: int


# Saved views: one click for the filters agents use all day.
VIEWS = {"mine": "Mine", "groups": "My groups", "unassigned": "Unassigned",
         "overdue": "Overdue", "waiting": "Waiting on user"}


def queue(status: str = "open", category: str = "", priority: str = "",
          mine: Agent | None = None, now: datetime | None = None, page: int = 1,
          per_page: int = PER_PAGE, text: str = "", view: str = "",
          teams: list[str] | None = None) -> QueuePage:
    """Tickets matching the filters, most urgent first, ordered and paged by the database
    (it once loaded the oldest 300 and sorted them here, so newer tickets never showed).
    Support hours only move with the clock, so the earliest deadline has the least time left;
    answered tickets and those without a target follow, oldest first. People who joined an
    outage are handled through the outage, so they are not in the queue. "Open" is
    ``status IN (OPEN)``, not "not done": the same rows (the database holds no other status)
    but an index range on ix_ticket_queue instead of a scan of every ticket ever closed.
    The "groups" view shows open tickets whose group is one of ``teams`` (the agent's)."""
    filters: list[ColumnElement[bool]] = [Ticket.outage_id.is_(None)]
    if status == "open":
        filters.append(Ticket.status.in_(OPEN))
    elif status in STATUSES:
        filters.append(Ticket.status == status)
    if category:
        filters.append(Ticket.category == category)
    if priority:
        filters.append(Ticket.priority == priority)
    if mine is not None:
        filters.append(Ticket.assignee_id == mine.id)
    waiting = and_(Ticket.respond_by.is_not(None), Ticket.first_response_at.is_(None),
                   Ticket.status.in_(OPEN))
    now = now or utcnow()
    if view == "unassigned":
        filters += [Ticket.assignee_id.is_(None), Ticket.status.in_(OPEN)]
    elif view == "overdue":  # past the deadline: support hours left are below zero
        filters += [waiting, Ticket.respond_by < now]
    elif view == "waiting":
        filters.append(Ticket.status == "waiting on user")
    elif view == "groups":  # none of an agent's groups: an empty IN, so no tickets
        filters += [Ticket.team.in_(list(teams or [])), Ticket.status.not_in(DONE_STATUSES)]
    if text.strip():
        like = like_pattern(text.strip().lower()[:100])
        filters.append(func.lower(Ticket.summary).like(like) | func.lower(Ticket.name).like(like)
                       | func.lower(Ticket.email).like(like))
    total = int(db.session.scalar(select(func.count()).select_from(Ticket).where(*filters)) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    tickets = db.session.scalars(
        select(Ticket).where(*filters)
        .order_by(case((waiting, 0), else_=1), case((waiting, Ticket.respond_by), else_=None),
                  Ticket.created_at, Ticket.id)
        .offset((page - 1) * per_page).limit(per_page)
        .options(selectinload(Ticket.assignee))).all()
    cfg = support()
    rows = []
    for ticket in tickets:
        left = None
        if ticket.respond_by is not None and ticket.first_response_at is None \
                and ticket.status not in DONE_STATUSES:
            left = support_hours_between(now, ticket.respond_by, cfg)
        rows.append(Row(ticket, left))
    return QueuePage(rows, page, pages, total, per_page)


def likely_duplicates(tickets: list[Ticket], within_hours: float = 24) -> dict[int, int]:
    """Ticket id -> the earlier open ticket it probably repeats: the same requester, a
    similar summary (most content words shared), within a day. Reads four columns of the
    candidates, not whole tickets, and each candidate's words once: a queue page costs the
    same beside ten thousand open tickets as beside ten."""
    if not tickets:
        return {}
    emails = {t.email.lower() for t in tickets}
    earliest = min(t.created_at for t in tickets) - timedelta(hours=within_hours)
    others = db.session.execute(
        select(Ticket.id, func.lower(Ticket.email), Ticket.created_at, Ticket.summary)
        .where(func.lower(Ticket.email).in_(emails), Ticket.outage_id.is_(None),
               Ticket.status.in_(OPEN), Ticket.created_at >= earliest)
        .order_by(Ticket.created_at, Ticket.id)).all()
    words_of: dict[int, set[str]] = {}
    out: dict[int, int] = {}
    for t in tickets:
        mine = _summary_words(t.summary)
        email = t.email.lower()
        for o_id, o_email, o_created, o_summary in others:
            if o_id == t.id or o_created > t.created_at or o_email != email:
                continue
            if abs((t.created_at - o_created).total_seconds()) > within_hours * 3600:
                continue
            theirs = words_of.get(o_id)
            if theirs is None:
                theirs = words_of[o_id] = _summary_words(o_summary)
            if mine and theirs and len(mine & theirs) / len(mine | theirs) >= 0.5:
                out[t.id] = o_id
                break
    return out


def _summary_words(text: str) -> set[str]:
    return {stem_word(w) for w in words(text) if not is_stop(w)}
