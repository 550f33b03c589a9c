"""Search and article aggregates, counted by the database (GROUP BY over one period), never
by loading rows. Public searches only: agents searching during calls and API clients are not
people helping themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, func, literal, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from kb.extensions import db
from kb.insights.period import Period
from kb.insights.sqltime import plus_seconds, week_start
from kb.insights.tables import Table, share, weekly
from kb.models import ArticleView, Feedback, SearchLog, Ticket

TOP = 20
TICKET_SOON = 30 * 60  # "followed by a ticket": from the same browser within 30 minutes
REASONS = 50  # "No" reasons listed, newest first
GROUP_COLUMNS = ["Search (one of the group)", "Grouped as", "Searches"]


def group_key() -> ColumnElement[str]:
    """The words a search is grouped by (older rows, logged before normalising, by text)."""
    return func.coalesce(SearchLog.normalised, func.lower(SearchLog.query))


def searches_in(period: Period) -> list[ColumnElement[bool]]:
    return [SearchLog.source == "public", SearchLog.created_at >= period.start,
            SearchLog.created_at < period.end]


def ticket_after(session: Any, when: Any, seconds: int) -> Any:
    """A ticket sent from the same browser within ``seconds`` after ``when``."""
    return exists().where(Ticket.session_key == session, Ticket.created_at >= when,
                          Ticket.created_at < plus_seconds(when, seconds))


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def search_summary(period: Period) -> dict[str, Any]:
    row = db.session.execute(select(
        func.count(),
        func.count(func.distinct(SearchLog.session_key)),
        _count_if(SearchLog.result_count == 0),
        _count_if(SearchLog.clicked_article_id.is_not(None)),
        func.avg(SearchLog.latency_ms),
    ).where(*searches_in(period))).one()
    total = int(row[0] or 0)
    return {"searches": total, "people": int(row[1] or 0), "no_results": int(row[2] or 0),
            "clicked": int(row[3] or 0), "no_result_share": share(row[2], total),
            "click_share": share(row[3], total),
            "latency_ms": round(float(row[4])) if row[4] is not None else None}


def search_groups(period: Period) -> list[Table]:
    """Top queries, no-result, not-confident and no-click groups from one grouping of the
    period's searches (one pass over the rows, four top lists of it)."""
    key = group_key()
    has = SearchLog.result_count > 0
    groups = select(
        key.label("words"),
        func.count().label("n"),
        _count_if(SearchLog.result_count == 0).label("none"),
        _count_if(and_(has, SearchLog.confident.is_(False))).label("weak"),
        _count_if(and_(has, SearchLog.clicked_article_id.is_(None))).label("unclicked"),
        func.min(SearchLog.query).label("example"),
    ).where(*searches_in(period)).group_by(key).cte("groups")
    lists = {"top": groups.c.n, "none": groups.c.none, "weak": groups.c.weak,
             "unclicked": groups.c.unclicked}
    parts = [select(literal(name).label("list"), groups).where(measure > 0)
             .order_by(measure.desc(), groups.c.words).limit(TOP).subquery()
             for name, measure in lists.items()]
    rows = db.session.execute(union_all(*[select(p) for p in parts])).all()
    picked: dict[str, list[Any]] = {name: [] for name in lists}
    for row in rows:
        picked[row.list].append(row)
    spark = _weekly_groups(period, [r.words for r in picked["top"]])
    return [
        Table("top-queries", "Top searches", ["Search (one of the group)", "Grouped as",
                                              "Searches", "No results", "Not opened %",
                                              "Weekly"],
              [[r.example, r.words, r.n, r.none, share(r.unclicked, r.n - r.none),
                spark.get(r.words)] for r in picked["top"]],
              "Searches grouped by their words: small words left out, endings and "
              "misspellings folded, so 'printers ofline' and 'printer offline' are one."),
        Table("no-results", "Searches that found nothing", GROUP_COLUMNS,
              [[r.example, r.words, r.none] for r in picked["none"]],
              "What people looked for that no article has: candidates for new articles "
              "or synonyms."),
        Table("not-confident", "Searches with only weak matches",
              GROUP_COLUMNS,
              [[r.example, r.words, r.weak] for r in picked["weak"]],
              "Results were shown, but the best one answered little of the request."),
        Table("no-click", "Results shown but none opened", GROUP_COLUMNS,
              [[r.example, r.words, r.unclicked] for r in picked["unclicked"]],
              "People saw results and opened none of them: the titles may not match "
              "what they meant."),
    ]


def _weekly_groups(period: Period, words: list[str]) -> dict[str, Any]:
    if not words:
        return {}
    key = group_key()
    week = week_start(SearchLog.created_at)
    counts: dict[str, dict[str, int]] = {}
    for w, wk, n in db.session.execute(
            select(key, week, func.count()).where(*searches_in(period), key.in_(words))
            .group_by(key, week)):
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


def followed_by_ticket(period: Period) -> tuple[int, Table]:
    """Searches followed by a ticket from the same browser within 30 minutes: the total,
    and the groups it happened to most."""
    key = group_key()
    led = ticket_after(SearchLog.session_key, SearchLog.created_at, TICKET_SOON)
    base = select(key.label("words"), func.count().label("n"), func.min(SearchLog.query)
                  .label("example")).where(*searches_in(period),
                                           SearchLog.session_key.is_not(None), led)
    total = db.session.scalar(select(func.count()).where(
        *searches_in(period), SearchLog.session_key.is_not(None), led)) or 0
    rows = db.session.execute(base.group_by(key).order_by(func.count().desc(), key)
                              .limit(TOP)).all()
    return int(total), Table(
        "search-then-ticket", "Searches followed by a ticket within 30 minutes",
        GROUP_COLUMNS, [[r.example, r.words, r.n] for r in rows],
        "The same browser sent a ticket less than 30 minutes after searching: the search "
        "did not help.")


# ---------------------------------------------------------------- articles
def views_in(period: Period) -> list[ColumnElement[bool]]:
    return [ArticleView.created_at >= period.start, ArticleView.created_at < period.end]


def article_views(period: Period) -> dict[int, dict[str, Any]]:
    """Per article: views, browsers, views followed by a ticket within 30 minutes, weekly."""
    out: dict[int, dict[str, Any]] = {}
    for aid, n, people in db.session.execute(
            select(ArticleView.article_id, func.count(),
                   func.count(func.distinct(ArticleView.session_key)))
            .where(*views_in(period)).group_by(ArticleView.article_id)):
        out[aid] = {"views": n, "people": people, "ticket": 0, "weeks": {}}
    led = ticket_after(ArticleView.session_key, ArticleView.created_at, TICKET_SOON)
    for aid, n in db.session.execute(
            select(ArticleView.article_id, func.count())
            .where(*views_in(period), ArticleView.session_key.is_not(None), led)
            .group_by(ArticleView.article_id)):
        out.setdefault(aid, {"views": 0, "people": 0, "ticket": 0, "weeks": {}})["ticket"] = n
    week = week_start(ArticleView.created_at)
    for aid, wk, n in db.session.execute(
            select(ArticleView.article_id, week, func.count()).where(*views_in(period))
            .group_by(ArticleView.article_id, week)):
        out[aid]["weeks"][wk] = n
    return out


def helpful_votes(period: Period) -> dict[int, tuple[int, int]]:
    """Per article: (yes, no) votes in the period."""
    rows = db.session.execute(
        select(Feedback.article_id, _count_if(Feedback.helpful.is_(True)),
               _count_if(Feedback.helpful.is_(False)))
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
