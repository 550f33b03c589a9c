"""Search and article aggregates, counted by the database (GROUP BY over one period), never
by loading rows. Public searches only: agents searching during calls and API clients are not
people helping themselves. "Followed by a ticket" reads ``ticket_after_s``, which a new
ticket writes on the same browser's visits of the day before (kb.core.searchlog)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from kb.core.sqltime import week_index
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
MEASURES = ("top", "none", "weak", "unclicked", "soon", "latency", "timed")


def _sum(column: Any) -> ColumnElement[int]:
    """A sum that stays an integer (PostgreSQL sums bigints as numeric: a union would make
    every column numeric)."""
    return cast(func.sum(column), BigInteger)


def search_rows(period: Period) -> dict[str, Any]:
    """Everything the search section counts, in one statement and one pass over the
    period's searches: grouped by words, week and the position opened; from that the top
    groups by searches, by no results, by weak results, by none opened and by a ticket soon
    after (each with the id of its latest search, for an example text), the weekly counts
    of the top groups, the searches per position opened, and the totals."""
    has = SearchLog.result_count > 0
    week = week_index(SearchLog.created_at)
    gw = select(
        SearchLog.normalised.label("words"), week.label("wk"),
        SearchLog.clicked_position.label("pos"),
        func.count().label("top"),
        count_if(SearchLog.result_count == 0).label("none"),
        count_if(and_(has, SearchLog.confident.is_(False))).label("weak"),
        count_if(and_(has, SearchLog.clicked_position.is_(None))).label("unclicked"),
        count_if(soon(SearchLog.ticket_after_s)).label("soon"),
        func.sum(SearchLog.latency_ms).label("latency"),
        func.count(SearchLog.latency_ms).label("timed"),
        func.max(SearchLog.id).label("last_id"),
    ).where(*searches_in(period)).group_by(SearchLog.normalised, week,
                                           SearchLog.clicked_position).cte("gw")
    g = gw.c
    groups = select(g.words, *[_sum(g[m]).label(m) for m in MEASURES],
                    func.max(g.last_id).label("last_id")).group_by(g.words).cte("groups")
    c = groups.c

    def row(name: str, words: Any, wk: Any, pos: Any, values: list[Any], last: Any) -> Any:
        """One shape for every part of the union; NULLs typed, or PostgreSQL reads them
        from a subquery as text."""
        def typed(value: Any, kind: Any) -> Any:
            return cast(null(), kind) if value is None else value

        return [literal(name, String).label("list"), typed(words, String),
                typed(wk, Integer), typed(pos, Integer),
                *[typed(v, BigInteger) for v in values], typed(last, Integer)]

    tops = [select(*row(name, c.words, None, None, [c[m] for m in MEASURES], c.last_id))
            .where(c[name] > 0).order_by(c[name].desc(), c.words).limit(TOP).subquery()
            for name in LISTS]
    top_words = select(tops[0].c.words)
    spark = (select(*row("week", g.words, g.wk, None, [_sum(g.top), *[None] * 6], None))
             .where(g.words.in_(top_words)).group_by(g.words, g.wk))
    positions = (select(*row("position", None, None, g.pos, [_sum(g.top), *[None] * 6], None))
                 .where(g.pos.is_not(None)).group_by(g.pos))
    total = select(*row("total", None, None, None, [_sum(g[m]) for m in MEASURES], None))
    out: dict[str, Any] = {name: [] for name in LISTS}
    out.update(week={}, position={}, total={})
    for r in db.session.execute(union_all(*[select(t) for t in tops], spark, positions,
                                          total)).all():
        kind, words, wk, pos, values, last = r[0], r[1], r[2], r[3], r[4:11], r[11]
        got = dict(zip(MEASURES, (int(v or 0) for v in values), strict=True))
        if kind in LISTS:
            out[kind].append({"words": words or "", "last_id": last, **got})
        elif kind == "week":
            out["week"].setdefault(words, {})[wk] = got["top"]
        elif kind == "position":
            out["position"][pos] = got["top"]
        else:
            out["total"] = got
    return out


def examples(ids: set[int]) -> dict[int, str]:
    """The text of a few searches, by id (one example for each group shown)."""
    if not ids:
        return {}
    return {i: q for i, q in db.session.execute(
        select(SearchLog.id, SearchLog.text).where(SearchLog.id.in_(ids)))}


def search_tables(period: Period) -> tuple[dict[str, int], list[Table]]:
    got = search_rows(period)
    totals: dict[str, int] = got["total"]
    texts = examples({r["last_id"] for name in LISTS for r in got[name]})
    weeks = period.weeks()

    def text(r: dict[str, Any]) -> str:
        return texts.get(r["last_id"], r["words"])

    def listed(name: str) -> list[list[Any]]:
        return [[text(r), r["words"], r[name]] for r in got[name]]

    top = [[text(r), r["words"], r["top"], r["none"],
            share(r["unclicked"], r["top"] - r["none"]),
            weekly(weeks, got["week"].get(r["words"], {}))] for r in got["top"]]
    with_results = totals.get("top", 0) - totals.get("none", 0)
    positions = [[f"Result {p}", n, share(n, with_results)]
                 for p, n in sorted(got["position"].items())]
    positions.append(["Nothing opened", totals.get("unclicked", 0),
                      share(totals.get("unclicked", 0), with_results)])
    totals["clicked"] = sum(got["position"].values())
    totals["searches"] = totals.get("top", 0)
    tables = [
        Table("top-queries", "Top searches", [*GROUP_COLUMNS, "No results", "Not opened %",
                                              "Weekly"], top,
              "Searches grouped by their words: small words left out, endings and "
              "misspellings folded, so 'printers ofline' and 'printer offline' are one."),
        Table("no-results", "Searches that found nothing", GROUP_COLUMNS, listed("none"),
              "What people looked for that no article has: candidates for new articles "
              "or synonyms."),
        Table("not-confident", "Searches with only weak matches", GROUP_COLUMNS,
              listed("weak"),
              "Results were shown, but the best one answered little of the request."),
        Table("no-click", "Results shown but none opened", GROUP_COLUMNS, listed("unclicked"),
              "People saw results and opened none of them: the titles may not match "
              "what they meant."),
        Table("click-position", "Which result people opened", ["Position", "Searches",
                                                               "Share %"], positions,
              "Searches that showed results, by the position of the result opened first."),
        Table("search-then-ticket", "Searches followed by a ticket within 30 minutes",
              GROUP_COLUMNS, listed("soon"),
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
    week = week_index(ArticleView.created_at)
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
