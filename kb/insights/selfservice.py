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

from kb.core.sqltime import week_index
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


def ticket_person() -> ColumnElement[int]:
    """The browser key, or the ticket itself when it has none (a negative number: browser
    keys are positive)."""
    return func.coalesce(Ticket.session_key, -Ticket.id)


def _by_week_category_all(rows: Any, who: Any, week: Any, category: Any) -> Any:
    """People counted once per week, once per category and once over the period: the rows
    read once (a CTE), de-duplicated by (week, person) and by (category, person)."""
    base = select(week.label("w"), category.label("c"), who.label("who")).select_from(
        rows).cte("base")
    b = base.c
    weekly = select(b.w, b.who).group_by(b.w, b.who).cte("weekly")
    by_cat = select(b.c, b.who).group_by(b.c, b.who).subquery("by_cat")
    return union_all(
        select(literal("week", String), cast(weekly.c.w, String), func.count())
        .group_by(weekly.c.w),
        select(literal("category", String), by_cat.c.c, func.count()).group_by(by_cat.c.c),
        select(literal("all", String), null(), func.count(func.distinct(weekly.c.who))))


def score(period: Period, categories: dict[str, str]) -> dict[str, dict[Any, int]]:
    """People who helped themselves and people who sent a ticket: per week (its number, see
    kb.core.sqltime), per category, and over the whole period (key None)."""
    h = helped(period, categories)
    out: dict[str, dict[Any, int]] = {"helped": {}, "helped_cat": {}, "tickets": {},
                                      "tickets_cat": {}}
    for kind, key, n in db.session.execute(
            _by_week_category_all(h, h.c.who, week_index(h.c.at), h.c.category)):
        _put(out, "helped", kind, key, n)
    tickets = select(Ticket.created_at, Ticket.category, ticket_person().label("who")).where(
        *tickets_in(period)).subquery("tickets")
    t = tickets.c
    for kind, key, n in db.session.execute(
            _by_week_category_all(tickets, t.who, week_index(t.created_at), t.category)):
        _put(out, "tickets", kind, key, n)
    return out


def _put(out: dict[str, dict[Any, int]], name: str, kind: str, key: Any, n: Any) -> None:
    if kind == "category":
        out[f"{name}_cat"][key] = int(n)
    else:  # weeks come back as text (one column type for the union), the period as None
        out[name][int(key) if key is not None else None] = int(n)
