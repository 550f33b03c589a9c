"""The ticket queue: filters, and the order that matters on the phone — time left to respond,
counted in support hours (evenings, weekends and holidays do not count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Agent, Ticket, utcnow
from ..services import support
from ..tickets.hours import support_hours_between
from .actions import DONE_STATUSES, STATUSES

MAX_ROWS = 300


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


def queue(status: str = "open", category: str = "", priority: str = "",
          mine: Agent | None = None, now: datetime | None = None) -> list[Row]:
    """Tickets matching the filters, most urgent first; people who joined an outage are
    handled through the outage, so they are not in the queue."""
    query = select(Ticket).where(Ticket.outage_id.is_(None))
    if status == "open":
        query = query.where(Ticket.status.not_in(DONE_STATUSES))
    elif status in STATUSES:
        query = query.where(Ticket.status == status)
    if category:
        query = query.where(Ticket.category == category)
    if priority:
        query = query.where(Ticket.priority == priority)
    if mine is not None:
        query = query.where(Ticket.assignee_id == mine.id)
    tickets = db.session.scalars(query.order_by(Ticket.created_at).limit(MAX_ROWS)).all()
    now = now or utcnow()
    cfg = support()
    rows = []
    for ticket in tickets:
        left = None
        if ticket.respond_by is not None and ticket.first_response_at is None \
                and ticket.status not in DONE_STATUSES:
            left = support_hours_between(now, ticket.respond_by, cfg)
        rows.append(Row(ticket, left))
    rows.sort(key=lambda r: (r.hours_left is None, r.hours_left or 0.0, r.ticket.created_at))
    return rows
