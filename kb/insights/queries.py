"""Search and article aggregates, counted by the database (GROUP BY over one period), never
by loading rows. Public searches only: agents searching during calls and API clients are not
people helping themselves. "Followed by a ticket" reads ``ticket_after_s``, which a new
ticket writes on the same browser's visits of the day before (kb.core.searchlog)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String, and_, case, cast, func, literal, null, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from kb.core.sqltime import week_start
from kb.extensions import db
from kb.insights.period import Period
from kb.insights.tables import Table, share, weekly
from kb.models import ArticleView, Feedback, SearchLog

TOP = 20
SOON = 30 * 60  # "followed by a ticket": from the same browser within 30 minutes
REASONS = 50  # "No" reasons listed, newest first
GROUP_COLUMNS = ["Search (one of the group)", "Grouped as", "Searches"]


def searches_in(period: Period) -> list[ColumnElement[bool]]:
    return [SearchLog.source == "public", SearchLog.created_at >= period.start,
            SearchLog.created_at < period.end]


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def soon(column: Any) -> ColumnElement[bool]:
    return and_(column.is_not(None), column < SOON)


LISTS = ("top", "none", "weak", "unclicked", "soon")


def search_groups(period: Period) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """One pass over the period's searches, grouped by their words: the totals, and the top
    groups by searches, by no results, by weak results, by none opened, by a ticket soon
    after. Each group comes with the id of its latest search (for an example text)."""
    has = SearchLog.result_count > 0
    groups = select(
        SearchLog.normalised.label("words"),
        func.count().label("top"),
        count_if(SearchLog.result_count == 0).label("none"),
        count_if(and_(has, SearchLog.confident.is_(False))).label("weak"),
        count_if(and_(has, SearchLog.clicked_position.is_(None))).label("unclicked"),
        count_if(soon(SearchLog.ticket_after_s)).label("soon"),
        count_if(SearchLog.clicked_position.is_not(None)).label("clicked"),
        func.sum(SearchLog.latency_ms).label("latency"),
        func.count(SearchLog.latency_ms).label("timed"),
        func.max(SearchLog.id).label("last_id"),
    ).where(*searches_in(period)).group_by(SearchLog.normalised).cte("groups")
    c = groups.c
    parts = [select(literal(name, String).label("list"), c.words, c.top, c.none, c.weak,
                    c.unclicked, c.soon, c.clicked, c.latency, c.timed, c.last_id)
             .where(c[name] > 0).order_by(c[name].desc(), c.words).limit(TOP).subquery()
             for name in LISTS]
    # PostgreSQL's sum of a bigint is a numeric: cast back, or the union makes all numeric.
    total = select(literal("total", String), null(),
                   *[cast(func.sum(c[k]), BigInteger) for k in (
                       "top", "none", "weak", "unclicked", "soon", "clicked", "latency",
                       "timed")], null())
    picked: dict[str, list[Any]] = {name: [] for name in LISTS}
    totals: dict[str, Any] = {}
    rows: list[Any] = list(db.session.execute(union_all(*[select(p) for p in parts], total)))
    for row in rows:
        if row[0] == "total":
            totals = {k: int(v or 0) for k, v in zip(
                ("searches", "none", "weak", "unclicked", "soon", "clicked", "latency",
                 "timed"), row[2:10], strict=True)}
        else:
            picked[row[0]].append(row)
    return totals, picked


def examples(ids: set[int]) -> dict[int, str]:
    """The text of a few searches, by id (one example for each group shown)."""
    if not ids:
        return {}
    return {i: q for i, q in db.session.execute(
        select(SearchLog.id, SearchLog.query).where(SearchLog.id.in_(ids)))}


def weekly_groups(period: Period, words: list[str]) -> dict[str, Any]:
    """A sparkline for each of these groups: its searches each week."""
    if not words:
        return {}
    week = week_start(SearchLog.created_at)
    counts: dict[str | None, dict[str, int]] = {}
    for w, wk, n in db.session.execute(
            select(SearchLog.normalised, week, func.count())
            .where(*searches_in(period), SearchLog.normalised.in_(words))
            .group_by(SearchLog.normalised, week)):
        counts.setdefault(w, {})[wk] = n
    weeks = period.weeks()
    return {w: weekly(weeks, counts.get(w, {})) for w in words}


def click_positions(period: Period) -> Table:
    """Of searches with results, how many opened the result at each position."""
    rows = db.session.execute(
        select(SearchLog.clicked_position, func.count())
        .where(*searches_in(period), SearchLog.result_count > 0)
        .group_by(SearchLog.clicked_position)).all()
    total = sum(n for _p, n in rows)
    by = {p: n for p, n in rows}
    positions = sorted(p for p in by if p is not None)
    out = [[f"Result {p}", by[p], share(by[p], total)] for p in positions]
    out.append(["Nothing opened", by.get(None, 0), share(by.get(None, 0), total)])
    return Table("click-position", "Which result people opened",
                 ["Position", "Searches", "Share %"], out,
                 "Searches that showed results, by the position of the result opened first.")


def search_tables(period: Period) -> tuple[dict[str, Any], list[Table]]:
    totals, picked = search_groups(period)
    texts = examples({r.last_id for rows in picked.values() for r in rows})
    spark = weekly_groups(period, [r.words for r in picked["top"]])

    def text(r: Any) -> str:
        return texts.get(r.last_id, r.words)

    top = [[text(r), r.words, r.top, r.none, share(r.unclicked, r.top - r.none),
            spark.get(r.words)] for r in picked["top"]]
    tables = [
        Table("top-queries", "Top searches", [*GROUP_COLUMNS, "No results", "Not opened %",
                                              "Weekly"], top,
              "Searches grouped by their words: small words left out, endings and "
              "misspellings folded, so 'printers ofline' and 'printer offline' are one."),
        Table("no-results", "Searches that found nothing", GROUP_COLUMNS,
              [[text(r), r.words, r.none] for r in picked["none"]],
              "What people looked for that no article has: candidates for new articles "
              "or synonyms."),
        Table("not-confident", "Searches with only weak matches", GROUP_COLUMNS,
              [[text(r), r.words, r.weak] for r in picked["weak"]],
              "Results were shown, but the best one answered little of the request."),
        Table("no-click", "Results shown but none opened", GROUP_COLUMNS,
              [[text(r), r.words, r.unclicked] for r in picked["unclicked"]],
              "People saw results and opened none of them: the titles may not match "
              "what they meant."),
        click_positions(period),
        Table("search-then-ticket", "Searches followed by a ticket within 30 minutes",
              GROUP_COLUMNS, [[text(r), r.words, r.soon] for r in picked["soon"]],
              "The same browser sent a ticket less than 30 minutes after searching: the "
              "search did not help."),
    ]
    return totals, tables


# ---------------------------------------------------------------- articles
def views_in(period: Period) -> list[ColumnElement[bool]]:
    return [ArticleView.created_at >= period.start, ArticleView.created_at < period.end]


def article_views(period: Period) -> dict[int, dict[str, Any]]:
    """Per article, in one pass: views, views followed by a ticket within 30 minutes, views
    with no ticket in the next 24 hours, and views each week."""
    week = week_start(ArticleView.created_at)
    out: dict[int, dict[str, Any]] = {}
    for aid, wk, n, led, calm in db.session.execute(
            select(ArticleView.article_id, week, func.count(),
                   count_if(soon(ArticleView.ticket_after_s)),
                   count_if(ArticleView.ticket_after_s.is_(None)))
            .where(*views_in(period)).group_by(ArticleView.article_id, week)):
        got = out.setdefault(aid, {"views": 0, "ticket": 0, "calm": 0, "weeks": {}})
        got["views"] += n
        got["ticket"] += int(led or 0)
        got["calm"] += int(calm or 0)
        got["weeks"][wk] = n
    return out


def helpful_votes(period: Period) -> dict[int, tuple[int, int]]:
    """Per article: (yes, no) votes in the period."""
    rows = db.session.execute(
        select(Feedback.article_id, count_if(Feedback.helpful.is_(True)),
               count_if(Feedback.helpful.is_(False)))
        .where(Feedback.created_at >= period.start, Feedback.created_at < period.end)
        .group_by(Feedback.article_id)).all()
    return {aid: (int(yes or 0), int(no or 0)) for aid, yes, no in rows}


def no_reasons(period: Period) -> list[Any]:
    """The newest "No" votes that said why (listed, not counted)."""
    stmt = (
        select(Feedback.article_id, Feedback.reason, Feedback.created_at)
        .where(Feedback.created_at >= period.start, Feedback.created_at < period.end,
               Feedback.helpful.is_(False), Feedback.reason.is_not(None),
               Feedback.reason != "")
        .order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(REASONS))
    return list(db.session.execute(stmt).all())
