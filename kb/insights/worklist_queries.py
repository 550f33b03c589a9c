"""The worklist's evidence, counted by the database: each kind of item is one GROUP BY over
the period (with its key as the group), plus a few examples per group picked by a window
function, never by loading rows. ``key`` narrows a query to one item (its own page)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from kb.extensions import db
from kb.insights.period import Period
from kb.insights.queries import count_if, searches_in
from kb.insights.wizard_queries import GENERAL, IDLE, TERMINAL
from kb.models import (
    ArticleFlag,
    ArticleView,
    Feedback,
    SearchLog,
    Ticket,
    TicketArticle,
    WizardEvent,
    utcnow,
)

TOP = 40  # groups read per kind: enough for 25 open ones once closed ones are set aside
EXAMPLES = 3
CLUSTER_MIN = 2  # tickets with the same words before they are a cluster


@dataclass
class Group:
    """One computed item's numbers: its key, counts, when the evidence was last seen, and a
    few examples (search texts, "No" reasons, flag notes, ticket ids)."""

    key: str
    count: int
    last: datetime | None
    other: int = 0  # a second count (weak searches, "Yes" votes, runs that reached a step)
    examples: list[Any] = field(default_factory=list)


def _ranked(partition: Any, order: Any) -> Any:
    return func.row_number().over(partition_by=partition, order_by=order).label("n")


def _by_key(rows: Any) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = defaultdict(list)
    for key, *rest in rows:
        out[key].append(rest[0] if len(rest) == 1 else tuple(rest))
    return out


# ---------------------------------------------------------------- searches
def _failed() -> ColumnElement[bool]:
    """The searches the worklist lists; with searches_in() the predicate of the partial
    index ix_search_log_failed (kb.models.logs.FAILED), so the database can use it."""
    return and_(SearchLog.normalised.is_not(None), SearchLog.normalised != "",
                (SearchLog.result_count == 0) | SearchLog.confident.is_(False))


def search_groups(period: Period, key: str | None = None) -> list[Group]:
    """Public searches that found nothing or only weak matches, grouped by their words:
    searches that found nothing, searches with weak matches, the last one, and the texts of
    the first and the last (read from ix_search_log_failed alone, then two rows a group)."""
    where = [*searches_in(period), _failed()]
    if key is not None:
        where.append(SearchLog.normalised == key)
    n = func.count()
    rows = db.session.execute(
        select(SearchLog.normalised, count_if(SearchLog.result_count == 0),
               count_if(SearchLog.result_count > 0), func.max(SearchLog.created_at),
               func.max(SearchLog.id), func.min(SearchLog.id))
        .where(*where).group_by(SearchLog.normalised)
        .order_by(n.desc(), SearchLog.normalised).limit(TOP)).all()
    ids = {i for r in rows for i in r[4:6]}
    texts = {i: t for i, t in db.session.execute(
        select(SearchLog.id, SearchLog.text).where(SearchLog.id.in_(ids)))} if ids else {}
    return [Group(str(k), int(none or 0), last, int(weak or 0),
                  list(dict.fromkeys(texts[i] for i in (newest, oldest) if i in texts)))
            for k, none, weak, last, newest, oldest in rows]


def group_exists(key: str) -> bool:
    """Some search was ever grouped as these words (a key typed in a URL may not be)."""
    return bool(db.session.scalar(select(exists().where(SearchLog.normalised == key))))


# ---------------------------------------------------------------- articles
def unhelpful(period: Period, key: int | None = None) -> list[Group]:
    """Articles voted "not helpful" in the period: No votes, Yes votes, the last No, and up
    to three of the newest reasons given."""
    where = [Feedback.created_at >= period.start, Feedback.created_at < period.end]
    if key is not None:
        where.append(Feedback.article_id == key)
    no = count_if(Feedback.helpful.is_(False))
    rows = db.session.execute(
        select(Feedback.article_id, no, count_if(Feedback.helpful.is_(True)),
               func.max(case((Feedback.helpful.is_(False), Feedback.created_at))))
        .where(*where).group_by(Feedback.article_id).having(no > 0)
        .order_by(no.desc(), Feedback.article_id).limit(TOP)).all()
    groups = [Group(str(a), int(n or 0), last, int(y or 0)) for a, n, y, last in rows]
    if groups:
        ids = [int(g.key) for g in groups]
        reasons = (select(Feedback.article_id.label("k"), Feedback.reason.label("r"),
                          _ranked(Feedback.article_id,
                                  (Feedback.created_at.desc(), Feedback.id.desc())))
                   .where(*where, Feedback.article_id.in_(ids), Feedback.helpful.is_(False),
                          Feedback.reason.is_not(None), Feedback.reason != "").subquery())
        found = _by_key(db.session.execute(
            select(reasons.c.k, reasons.c.r).where(reasons.c.n <= EXAMPLES)
            .order_by(reasons.c.k, reasons.c.n)))
        for g in groups:
            g.examples = found.get(int(g.key), [])
    return groups


def open_flags(key: int | None = None) -> list[Group]:
    """Articles with open flags (whenever raised): flags, the newest, and up to three of
    the newest (reason, note, ticket id)."""
    where: list[ColumnElement[bool]] = [ArticleFlag.open.is_(True)]
    if key is not None:
        where.append(ArticleFlag.article_id == key)
    n = func.count()
    rows = db.session.execute(
        select(ArticleFlag.article_id, n, func.max(ArticleFlag.created_at)).where(*where)
        .group_by(ArticleFlag.article_id).order_by(n.desc(), ArticleFlag.article_id)
        .limit(TOP)).all()
    groups = [Group(str(a), int(c), last) for a, c, last in rows]
    if groups:
        notes = (select(ArticleFlag.article_id.label("k"), ArticleFlag.reason.label("r"),
                        ArticleFlag.note.label("t"), ArticleFlag.ticket_id.label("tid"),
                        _ranked(ArticleFlag.article_id, ArticleFlag.id.desc()))
                 .where(*where, ArticleFlag.article_id.in_([int(g.key) for g in groups]))
                 .subquery())
        found = _by_key(db.session.execute(
            select(notes.c.k, notes.c.r, notes.c.t, notes.c.tid)
            .where(notes.c.n <= EXAMPLES).order_by(notes.c.k, notes.c.n)))
        for g in groups:
            g.examples = found.get(int(g.key), [])
    return groups


def views_of(period: Period, ids: list[int]) -> dict[int, int]:
    """Views in the period of these articles (how many read a stale one)."""
    if not ids:
        return {}
    return {a: int(n) for a, n in db.session.execute(
        select(ArticleView.article_id, func.count())
        .where(ArticleView.created_at >= period.start, ArticleView.created_at < period.end,
               ArticleView.article_id.in_(ids)).group_by(ArticleView.article_id))}


# ---------------------------------------------------------------- wizards
def drop_outs(period: Period, key: tuple[str, str] | None = None) -> list[Group]:
    """Wizard steps where runs stopped (last step in the period, unfinished, untouched for
    IDLE since), keyed "wizard/node": runs left there, the last time, runs that reached it."""
    where = [WizardEvent.created_at >= period.start, WizardEvent.created_at < period.end,
             WizardEvent.wizard_id != GENERAL]
    if key is not None:
        where += [WizardEvent.wizard_id == key[0]]
    last = (select(func.max(WizardEvent.id).label("id")).where(*where)
            .group_by(WizardEvent.run_id).subquery())
    n = func.count()
    # The period again outside: the last steps are in it, and it lets the database read
    # the period's rows by date instead of the whole table by id.
    left = [*where, WizardEvent.kind.not_in(TERMINAL), WizardEvent.created_at < utcnow() - IDLE]
    if key is not None:
        left.append(WizardEvent.node_id == key[1])
    rows = db.session.execute(
        select(WizardEvent.wizard_id, WizardEvent.node_id, n, func.max(WizardEvent.created_at))
        .join(last, last.c.id == WizardEvent.id).where(*left)
        .group_by(WizardEvent.wizard_id, WizardEvent.node_id)
        .order_by(n.desc(), WizardEvent.wizard_id, WizardEvent.node_id).limit(TOP)).all()
    groups = {(w, nid): Group(f"{w}/{nid}", int(c), t) for w, nid, c, t in rows}
    if groups:
        pairs = [and_(WizardEvent.wizard_id == w, WizardEvent.node_id == nid)
                 for w, nid in groups]
        for w, nid, reached in db.session.execute(
                select(WizardEvent.wizard_id, WizardEvent.node_id,
                       func.count(func.distinct(WizardEvent.run_id)))
                .where(*where, WizardEvent.kind == "visit", or_(*pairs))
                .group_by(WizardEvent.wizard_id, WizardEvent.node_id)):
            groups[(w, nid)].other = int(reached)
    return list(groups.values())


# ---------------------------------------------------------------- tickets
def clusters(period: Period, key: str | None = None) -> list[Group]:
    """Tickets in the period whose summaries have the same words and no linked article
    (merged duplicates left out): tickets, the newest, and the ids of up to five."""
    linked = exists().where(TicketArticle.ticket_id == Ticket.id)
    where = [Ticket.created_at >= period.start, Ticket.created_at < period.end,
             Ticket.summary_words.is_not(None), Ticket.summary_words != "",
             Ticket.merged_into_id.is_(None), ~linked]
    if key is not None:
        where.append(Ticket.summary_words == key)
    n = func.count()
    rows = db.session.execute(
        select(Ticket.summary_words, n, func.max(Ticket.created_at)).where(*where)
        .group_by(Ticket.summary_words).having(n >= CLUSTER_MIN)
        .order_by(n.desc(), Ticket.summary_words).limit(TOP)).all()
    groups = [Group(str(k), int(c), last) for k, c, last in rows]
    if groups:
        ids = (select(Ticket.summary_words.label("k"), Ticket.id.label("i"),
                      Ticket.summary.label("s"), _ranked(Ticket.summary_words, Ticket.id.desc()))
               .where(*where, Ticket.summary_words.in_([g.key for g in groups])).subquery())
        found = _by_key(db.session.execute(
            select(ids.c.k, ids.c.i, ids.c.s).where(ids.c.n <= 5).order_by(ids.c.k, ids.c.n)))
        for g in groups:
            g.examples = found.get(g.key, [])
    return groups


def cluster_exists(key: str) -> bool:
    return bool(db.session.scalar(select(exists().where(Ticket.summary_words == key))))
