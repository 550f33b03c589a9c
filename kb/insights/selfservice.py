"""The self-service score, counted by the database.

    score = people who helped themselves ÷ people who sent a ticket

"People" are anonymous browser keys (kb.core.searchlog), never names. Someone helped
themselves in a week when they searched or ran a wizard that week and no ticket came from
the same browser in the 24 hours after it. People who sent a ticket are counted by the same
key (a ticket with no key, sent by email or before keys were kept, counts as one person).
The deflection estimate of a wizard is the share of the people who used it that sent no
ticket in the next 24 hours; of an article, the share of its views no ticket followed."""

from __future__ import annotations

from datetime import date
from typing import Any

from kb.core.sqltime import week_number
from kb.insights.period import Period
from kb.insights.rollup import ALL, week_counts

# What the page says, sentence by sentence (the same rule as the queries below).
DEFINITION = (
    "Score = people who helped themselves ÷ people who sent a ticket.",
    "Someone helped themselves in a week when they searched or used a step-by-step fix "
    "that week and sent no ticket from the same browser in the next 24 hours.",
    "People are counted by an anonymous key for each browser, never by name. A ticket "
    "with no key (sent by email, or before keys were kept) counts as one person.",
    "Weeks run from Monday to Sunday. The numbers for the whole period add up the weeks: "
    "someone who helped themselves in two weeks counts twice, on both sides.",
    "The last day's visits may still turn into tickets.",
)


def score(period: Period, today: date, categories: dict[str, str]
          ) -> dict[str, dict[Any, int]]:
    """People who helped themselves and people who sent a ticket, in the whole weeks the
    period touches: per week (its number, see kb.core.sqltime; None for the weeks added up)
    and per category (added up over the weeks). Final weeks are rolled up first
    (kb.insights.rollup), so the caller commits."""
    first, last = weeks_of(period)
    out: dict[str, dict[Any, int]] = {"helped": {}, "helped_cat": {}, "tickets": {},
                                      "tickets_cat": {}}
    for week, category, kind, people in week_counts(first, last, today, categories):
        if category == ALL:
            out[kind][week] = int(people)
            out[kind][None] = out[kind].get(None, 0) + int(people)
        else:
            cat = out[f"{kind}_cat"]
            cat[category] = cat.get(category, 0) + int(people)
    return out


def weeks_of(period: Period) -> tuple[int, int]:
    """The first and last week the period touches."""
    return week_number(period.first), week_number(period.last)
