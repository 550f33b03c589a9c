"""Ticket aggregates counted by the database: volume by category and by week, first response
and resolution against support.yml's targets (the deadlines stored on each ticket, counted in
support hours when the ticket was made), reopen rate, satisfaction, and link rate per agent.
Tickets count in the period they were sent in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.sql.elements import ColumnElement

from kb.core.sqltime import seconds_between, week_index
from kb.extensions import db
from kb.insights.period import Period
from kb.models import Agent, Ticket, TicketArticle, TicketEvent

DONE = ("resolved", "closed")  # kb.tickets.lifecycle.DONE


def tickets_in(period: Period) -> list[ColumnElement[bool]]:
    return [Ticket.created_at >= period.start, Ticket.created_at < period.end]


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def by_category(period: Period) -> dict[str, dict[int, int]]:
    """category → {week number: tickets}."""
    week = week_index(Ticket.created_at)
    out: dict[str, dict[int, int]] = {}
    for cat, wk, n in db.session.execute(
            select(Ticket.category, week, func.count()).where(*tickets_in(period))
            .group_by(Ticket.category, week)):
        out.setdefault(cat, {})[wk] = n
    return out


def by_priority(period: Period) -> list[Any]:
    """priority, tickets, answered, answered in time, mean hours to answer, resolved,
    resolved in time, mean hours to resolve."""
    answered = Ticket.first_response_at.is_not(None)
    resolved = Ticket.resolved_at.is_not(None)
    return list(db.session.execute(
        select(Ticket.priority, func.count(), _count_if(answered),
               _count_if(and_(answered, Ticket.first_response_at <= Ticket.respond_by)),
               func.avg(seconds_between(Ticket.created_at, Ticket.first_response_at)) / 3600,
               _count_if(resolved),
               _count_if(and_(resolved, Ticket.resolved_at <= Ticket.resolve_by)),
               func.avg(seconds_between(Ticket.created_at, Ticket.resolved_at)) / 3600)
        .where(*tickets_in(period)).group_by(Ticket.priority).order_by(Ticket.priority)).all())


def reopened(period: Period) -> tuple[int, int]:
    """(tickets marked fixed at least once, of those opened again)."""
    row = db.session.execute(
        select(func.count(func.distinct(case((TicketEvent.kind == "resolved",
                                              TicketEvent.ticket_id)))),
               func.count(func.distinct(case((TicketEvent.kind == "reopened",
                                              TicketEvent.ticket_id)))))
        .select_from(TicketEvent).join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(*tickets_in(period), TicketEvent.kind.in_(("resolved", "reopened")))).one()
    return int(row[0] or 0), int(row[1] or 0)


def satisfaction(period: Period) -> dict[int, int]:
    """rating (1–5) → tickets."""
    return {int(r or 0): n for r, n in db.session.execute(
        select(Ticket.rating, func.count()).where(*tickets_in(period),
                                                  Ticket.rating.is_not(None))
        .group_by(Ticket.rating))}


def link_rate_per_agent(period: Period) -> list[Any]:
    """agent name, resolved tickets assigned to them, of those with a linked article."""
    linked = exists().where(TicketArticle.ticket_id == Ticket.id)
    return list(db.session.execute(
        select(Agent.name, func.count(), _count_if(linked)).select_from(Ticket)
        .join(Agent, Agent.id == Ticket.assignee_id)
        .where(*tickets_in(period), Ticket.status.in_(DONE))
        .group_by(Agent.id, Agent.name).order_by(func.count().desc(), Agent.name)).all())
