"""The self-service score's counts, rolled up once a week is final.

Counting people means de-duplicating browsers over hundreds of thousands of searches; doing
that on every page view cost most of the page's time. A week is final two days after its
Sunday (no ticket can still mark its visits: they look 24 hours ahead), so each final week's
counts are made once, in SQL, into a few rows (``ScoreWeek``: people per category and in
all), the first time a period that holds the week is shown. Weeks not final yet are counted
from the logs on each view. Both ways run the same query (:func:`counts`), so they agree
(tested). Weeks are whole: Monday to Sunday, in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, case, cast, func, insert, literal, literal_column, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from kb.core.sqltime import monday, week_index, week_number
from kb.extensions import db
from kb.models import RolledUpWeek, ScoreWeek, SearchLog, Ticket, WizardEvent

FINAL_AFTER = timedelta(days=2)
NONE = "none"  # a search that found nothing, with no category filter
ALL = "*"  # every category together (a browser counted once)
GENERAL = "_general"  # kb.wizards.runs.GENERAL


def last_final_week(today: date) -> int:
    """The latest week whose Sunday was at least two days ago."""
    return week_number(today - FINAL_AFTER - timedelta(days=6))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def wizard_category(categories: dict[str, str]) -> ColumnElement[str]:
    """A wizard event's category, from the wizard files (the database does not hold it).
    Written as quoted SQL literals, not bound values, so that PostgreSQL sees the same
    expression in the SELECT and the GROUP BY."""
    none: ColumnElement[str] = literal_column(_quote(NONE))
    if not categories:
        return none
    return case({literal_column(_quote(w)): literal_column(_quote(c))
                 for w, c in categories.items()}, value=WizardEvent.wizard_id, else_=none)


def ticket_person() -> ColumnElement[int]:
    """The browser key, or the ticket itself when it has none (a negative number: browser
    keys are positive)."""
    return func.coalesce(Ticket.session_key, -Ticket.id)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def counts(first: int, last: int, categories: dict[str, str]) -> Any:
    """(week, category, kind, people) for weeks ``first``..``last``: browsers that helped
    themselves (a search or wizard visit that week, in that category, that no ticket from
    the same browser followed within 24 hours) and browsers that sent a ticket, per category
    and in all ("*", each browser once)."""
    start, end = _midnight(monday(first)), _midnight(monday(last + 1))
    topic = func.coalesce(SearchLog.topic, literal_column(_quote(NONE)))
    calm_searches = select(week_index(SearchLog.created_at).label("week"),
                           topic.label("category"), SearchLog.session_key.label("who")).where(
        SearchLog.source == "public", SearchLog.created_at >= start,
        SearchLog.created_at < end, SearchLog.session_key.is_not(None),
        SearchLog.ticket_after_s.is_(None))
    calm_visits = select(week_index(WizardEvent.created_at), wizard_category(categories),
                         WizardEvent.session_key).where(
        WizardEvent.kind == "visit", WizardEvent.wizard_id != GENERAL,
        WizardEvent.created_at >= start, WizardEvent.created_at < end,
        WizardEvent.session_key.is_not(None), WizardEvent.ticket_after_s.is_(None))
    helped = union_all(calm_searches, calm_visits).cte("helped")
    tickets = select(week_index(Ticket.created_at).label("week"),
                     Ticket.category.label("category"), ticket_person().label("who")).where(
        Ticket.created_at >= start, Ticket.created_at < end).cte("tickets")
    parts = []
    for kind, rows in (("helped", helped), ("tickets", tickets)):
        c = rows.c
        people = cast(func.count(func.distinct(c.who)), ScoreWeek.people.type)
        parts.append(select(c.week, cast(c.category, String), literal(kind, String), people)
                     .group_by(c.week, c.category))
        parts.append(select(c.week, literal(ALL, String), literal(kind, String), people)
                     .group_by(c.week))
    return union_all(*parts)


def roll_up(first: int, last: int, today: date, categories: dict[str, str]) -> int:
    """Make the rows of the final weeks of ``first``..``last`` not made yet; how many weeks
    were made. Flushes; the caller commits. Another request rolling up the same week at the
    same moment is fine: the first one's rows stand."""
    last = min(last, last_final_week(today))
    if first > last:
        return 0
    done = set(db.session.scalars(select(RolledUpWeek.week).where(
        RolledUpWeek.week >= first, RolledUpWeek.week <= last)))
    missing = [w for w in range(first, last + 1) if w not in done]
    for a, b in _runs(missing):
        try:
            with db.session.begin_nested():
                db.session.execute(insert(ScoreWeek).from_select(
                    ["week", "category", "kind", "people"], counts(a, b, categories)))
                db.session.add_all(RolledUpWeek(week=w) for w in range(a, b + 1))
        except IntegrityError:  # made by another request meanwhile
            continue
    return len(missing)


def _runs(weeks: list[int]) -> list[tuple[int, int]]:
    """Consecutive week numbers as (first, last) pairs."""
    out: list[tuple[int, int]] = []
    for week in weeks:
        if out and out[-1][1] + 1 == week:
            out[-1] = (out[-1][0], week)
        else:
            out.append((week, week))
    return out


def week_counts(first: int, last: int, today: date, categories: dict[str, str]) -> list[Any]:
    """(week, category, kind, people) for the weeks: final ones rolled up (made now if they
    were not yet), the others counted from the logs."""
    roll_up(first, last, today, categories)
    final = min(last, last_final_week(today))
    rows = list(db.session.execute(
        select(ScoreWeek.week, ScoreWeek.category, ScoreWeek.kind, ScoreWeek.people)
        .where(ScoreWeek.week >= first, ScoreWeek.week <= final)))
    if final < last:
        rows += list(db.session.execute(counts(max(first, final + 1), last, categories)))
    return rows
