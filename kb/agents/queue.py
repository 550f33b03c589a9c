"""The ticket queue: filters, and the order that matters on the phone — time left to respond,
counted in support hours (evenings, weekends and holidays do not count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Agent, Ticket, utcnow
from ..services import support
from ..tickets.hours import support_hours_between
from ..tickets.service import STATUSES
from .actions import DONE_STATUSES

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


def queue(status: str = "open", category: str = "", priority: str = "",
          mine: Agent | None = None, now: datetime | None = None, page: int = 1,
          per_page: int = PER_PAGE) -> QueuePage:
    """Tickets matching the filters, most urgent first, ordered and paged by the database
    (it once loaded the oldest 300 and sorted them here, so newer tickets never showed).
    Support hours only move with the clock, so the earliest deadline has the least time left;
    answered tickets and those without a target follow, oldest first. People who joined an
    outage are handled through the outage, so they are not in the queue."""
    filters: list[ColumnElement[bool]] = [Ticket.outage_id.is_(None)]
    if status == "open":
        filters.append(Ticket.status.not_in(DONE_STATUSES))
    elif status in STATUSES:
        filters.append(Ticket.status == status)
    if category:
        filters.append(Ticket.category == category)
    if priority:
        filters.append(Ticket.priority == priority)
    if mine is not None:
        filters.append(Ticket.assignee_id == mine.id)
    waiting = and_(Ticket.respond_by.is_not(None), Ticket.first_response_at.is_(None),
                   Ticket.status.not_in(DONE_STATUSES))
    total = int(db.session.scalar(select(func.count()).select_from(Ticket).where(*filters)) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    tickets = db.session.scalars(
        select(Ticket).where(*filters)
        .order_by(case((waiting, 0), else_=1), case((waiting, Ticket.respond_by), else_=None),
                  Ticket.created_at, Ticket.id)
        .offset((page - 1) * per_page).limit(per_page)
        .options(selectinload(Ticket.assignee))).all()
    now = now or utcnow()
    cfg = support()
    rows = []
    for ticket in tickets:
        left = None
        if ticket.respond_by is not None and ticket.first_response_at is None \
                and ticket.status not in DONE_STATUSES:
            left = support_hours_between(now, ticket.respond_by, cfg)
        rows.append(Row(ticket, left))
    return QueuePage(rows, page, pages, total, per_page)
