"""The self-service score, counted by the database.

    score = people who helped themselves ÷ people who sent a ticket

"People" are anonymous browser keys (kb.core.searchlog), never names. Someone helped
themselves in a week when they searched or ran a wizard that week and no ticket came from
the same browser in the 24 hours after it. People who sent a ticket are counted by the same
key (a ticket with no key, sent by email or before keys were kept, counts as one person).
The deflection estimate of a wizard is the share of the people who used it that sent no
ticket in the next 24 hours; of an article, the share of its views no ticket followed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, case, cast, func, literal, null, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from kb.core.sqltime import week_start
from kb.extensions import db
from kb.insights.period import Period
from kb.insights.queries import searches_in
from kb.insights.ticket_queries import tickets_in
from kb.insights.wizard_queries import events_in
from kb.models import SearchLog, Ticket, WizardEvent

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
    """Searches and wizard visits in the period that no ticket from the same browser
    followed within 24 hours: who, when, category."""
    searches = select(SearchLog.session_key.label("who"), SearchLog.created_at.label("at"),
                      func.coalesce(SearchLog.topic, NONE).label("category")).where(
        *searches_in(period), SearchLog.session_key.is_not(None),
        SearchLog.ticket_after_s.is_(None))
    wizards = select(WizardEvent.session_key, WizardEvent.created_at,
                     wizard_category(categories)).where(
        *events_in(period), WizardEvent.kind == "visit", WizardEvent.session_key.is_not(None),
        WizardEvent.ticket_after_s.is_(None))
    return union_all(searches, wizards).subquery("helped")


def ticket_person() -> ColumnElement[str]:
    """The browser key, or the ticket itself when it has none."""
    return func.coalesce(Ticket.session_key, literal("ticket-") + cast(Ticket.id, String))


def _by_week_category_all(rows: Any, who: Any, week: Any, category: Any) -> Any:
    """People counted once per week, once per category and once over the period, from one
    de-duplicated set of (week, category, person): a single pass over the rows."""
    people = (select(week.label("w"), category.label("c"), who.label("who"))
              .select_from(rows).group_by(week, category, who).cte("people"))
    p = people.c
    distinct = func.count(func.distinct(p.who))
    return union_all(
        select(literal("week", String), p.w, distinct).group_by(p.w),
        select(literal("category", String), p.c, distinct).group_by(p.c),
        select(literal("all", String), null(), distinct))


def score(period: Period, categories: dict[str, str]) -> dict[str, dict[Any, int]]:
    """People who helped themselves and people who sent a ticket: per week ('YYYY-MM-DD'),
    per category, and over the whole period (key None)."""
    h = helped(period, categories)
    out: dict[str, dict[Any, int]] = {"helped": {}, "helped_cat": {}, "tickets": {},
                                      "tickets_cat": {}}
    for kind, key, n in db.session.execute(
            _by_week_category_all(h, h.c.who, week_start(h.c.at), h.c.category)):
        out["helped_cat" if kind == "category" else "helped"][key] = int(n)
    tickets = select(Ticket.created_at, Ticket.category, ticket_person().label("who")).where(
        *tickets_in(period)).subquery("tickets")
    t = tickets.c
    for kind, key, n in db.session.execute(
            _by_week_category_all(tickets, t.who, week_start(t.created_at), t.category)):
        out["tickets_cat" if kind == "category" else "tickets"][key] = int(n)
    return out
