"""The self-service score, counted by the database.

    score = people who helped themselves ÷ people who sent a ticket

"People" are anonymous browser keys (kb.core.searchlog), never names. Someone helped
themselves in a week when they searched or ran a wizard that week and no ticket came from
the same browser in the 24 hours after it. People who sent a ticket are counted by the same
key (a ticket with no key, sent by email or before keys were kept, counts as one person).
The deflection estimate of a wizard or an article is the share of the people who used it
that sent no ticket in the next 24 hours."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, not_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from kb.extensions import db
from kb.insights.period import Period
from kb.insights.queries import searches_in, ticket_after, views_in
from kb.insights.sqltime import plus_seconds, week_start
from kb.insights.ticket_queries import tickets_in
from kb.insights.wizard_queries import events_in
from kb.models import ArticleView, SearchLog, Ticket, WizardEvent

DAY = 24 * 3600
# What the page says, sentence by sentence (the same rule as the queries below).
DEFINITION = (
    "Score = people who helped themselves ÷ people who sent a ticket.",
    "Someone helped themselves in a week when they searched or used a step-by-step fix "
    "that week and sent no ticket from the same browser in the next 24 hours.",
    "People are counted by an anonymous key for each browser, never by name. A ticket "
    "with no key (sent by email, or before keys were kept) counts as one person.",
    "The last day's visits may still turn into tickets.",
)
NONE = "none"  # activity with no category (a search that found nothing, with no filter)


def wizard_category(categories: dict[str, str]) -> ColumnElement[str]:
    """A wizard event's category, from the wizard files (the database does not hold it)."""
    if not categories:
        return literal(NONE, String)
    return case(categories, value=WizardEvent.wizard_id, else_=literal(NONE, String))


def helped(period: Period, categories: dict[str, str]) -> Any:
    """Searches and wizard visits in the period with no ticket from that browser in the next
    24 hours: who, when, category."""
    searches = select(SearchLog.session_key.label("who"), SearchLog.created_at.label("at"),
                      func.coalesce(SearchLog.topic, NONE).label("category")).where(
        *searches_in(period), SearchLog.session_key.is_not(None),
        not_(ticket_after(SearchLog.session_key, SearchLog.created_at, DAY)))
    wizards = select(WizardEvent.session_key, WizardEvent.created_at,
                     wizard_category(categories)).where(
        *events_in(period), WizardEvent.kind == "visit", WizardEvent.session_key.is_not(None),
        not_(ticket_after(WizardEvent.session_key, WizardEvent.created_at, DAY)))
    return union_all(searches, wizards).subquery("helped")


def ticket_person() -> ColumnElement[str]:
    """The browser key, or the ticket itself when it has none."""
    return func.coalesce(Ticket.session_key, literal("ticket-") + cast(Ticket.id, String))


def weekly_score(period: Period, categories: dict[str, str]) -> dict[str, Any]:
    """Per week: people helped, people with tickets; and both over the whole period."""
    h = helped(period, categories)
    week = week_start(h.c.at)
    helped_by_week = dict(db.session.execute(
        select(week, func.count(func.distinct(h.c.who))).group_by(week)).all())
    twk = week_start(Ticket.created_at)
    tickets_by_week = dict(db.session.execute(
        select(twk, func.count(func.distinct(ticket_person())))
        .where(*tickets_in(period)).group_by(twk)).all())
    total_helped = db.session.scalar(select(func.count(func.distinct(h.c.who)))) or 0
    total_tickets = db.session.scalar(select(func.count(func.distinct(ticket_person())))
                                      .where(*tickets_in(period))) or 0
    return {"helped": helped_by_week, "tickets": tickets_by_week,
            "total_helped": int(total_helped), "total_tickets": int(total_tickets)}


def category_score(period: Period, categories: dict[str, str]) -> dict[str, tuple[int, int]]:
    """category → (people helped, people with tickets)."""
    h = helped(period, categories)
    out: dict[str, list[int]] = {}
    for cat, n in db.session.execute(
            select(h.c.category, func.count(func.distinct(h.c.who))).group_by(h.c.category)):
        out.setdefault(cat, [0, 0])[0] = n
    for cat, n in db.session.execute(
            select(Ticket.category, func.count(func.distinct(ticket_person())))
            .where(*tickets_in(period)).group_by(Ticket.category)):
        out.setdefault(cat, [0, 0])[1] = n
    return {cat: (a, b) for cat, (a, b) in out.items()}


def _no_ticket_join(session: Any, when: Any) -> Any:
    return and_(Ticket.session_key == session, Ticket.created_at >= when,
                Ticket.created_at < plus_seconds(when, DAY))


def wizard_deflection(period: Period) -> dict[str, tuple[int, int]]:
    """wizard → (people who used it, of those with no ticket in the next 24 hours)."""
    people = func.count(func.distinct(WizardEvent.session_key))
    calm = func.count(func.distinct(case((Ticket.id.is_(None), WizardEvent.session_key))))
    rows = db.session.execute(
        select(WizardEvent.wizard_id, people, calm)
        .outerjoin(Ticket, _no_ticket_join(WizardEvent.session_key, WizardEvent.created_at))
        .where(*events_in(period), WizardEvent.session_key.is_not(None))
        .group_by(WizardEvent.wizard_id)).all()
    return {w: (int(p), int(c)) for w, p, c in rows}


def article_deflection(period: Period) -> dict[int, tuple[int, int]]:
    """article → (people who opened it, of those with no ticket in the next 24 hours)."""
    people = func.count(func.distinct(ArticleView.session_key))
    calm = func.count(func.distinct(case((Ticket.id.is_(None), ArticleView.session_key))))
    rows = db.session.execute(
        select(ArticleView.article_id, people, calm)
        .outerjoin(Ticket, _no_ticket_join(ArticleView.session_key, ArticleView.created_at))
        .where(*views_in(period), ArticleView.session_key.is_not(None))
        .group_by(ArticleView.article_id)).all()
    return {a: (int(p), int(c)) for a, p, c in rows}
