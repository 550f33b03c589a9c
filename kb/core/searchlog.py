"""Running a search and recording it, shared by the public pages, the API and agents.

Every first-page search is logged for analysis (kb/insights): the text (redacted: people do
paste passwords into search boxes), its normalised words, the ids shown in order, the
position later opened, how long it took, whether it was confident, and the browser's
anonymous key (kb.core.visitor). Article views are recorded the same way.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Integer, cast, insert, literal, text, update
from sqlalchemy.exc import SQLAlchemyError

from kb.core.privacy import redact
from kb.core.search import SearchResults
from kb.core.services import library, search_index
from kb.core.softcache import rollback
from kb.core.sqltime import seconds_between
from kb.core.visitor import session_key
from kb.extensions import db
from kb.models import ArticleView, SearchLog, WizardEvent, utcnow

log = logging.getLogger(__name__)
MAX_QUERY = 1000  # what a search box accepts: two or three pasted sentences
FOLLOW_WINDOW = timedelta(hours=24)  # a ticket this soon after a visit says it did not help
KEYED_SOURCES = ("public",)  # API clients and agents are not people helping themselves


def shown(results: SearchResults) -> str:
    """The ids shown on the first page, in order ("12,4,7"), within the column's size."""
    out = ""
    for hit in results.hits:
        part = f"{out},{hit.id}" if out else str(hit.id)
        if len(part) > 200:
            break
        out = part
    return out


def run_search(q: str, category: str | None, page: int, source: str, *,
               include_internal: bool = False, exact: bool = False,
               show_all: bool = False) -> tuple[SearchResults, int | None]:
    """Search and record it (query, words, ids shown, confidence, time; later the click)."""
    index = search_index()
    started = time.perf_counter()
    results = index.search(q, category=category, page=page,
                           per_page=int(current_app.config["SEARCH_PER_PAGE"]),
                           include_internal=include_internal, exact=exact,
                           show_all=show_all)
    latency = round((time.perf_counter() - started) * 1000)
    log_id = None
    # While the index is being rebuilt "no results" says nothing about the articles.
    if q.strip() and page == 1 and not show_all and not index.broken:
        text = redact(q.strip()).text
        words = index.normalise(results.did_you_mean or text, include_internal=include_internal)
        topic = results.hits[0].category if results.hits else category
        entry = SearchLog(text=text[:200], normalised=words, category=category, topic=topic,
                          result_count=results.total, shown_ids=shown(results),
                          did_you_mean=results.did_you_mean, confident=results.confident,
                          latency_ms=latency, source=source,
                          session_key=session_key() if source in KEYED_SOURCES else None)
        try:
            db.session.add(entry)
            commit_unhurried()
            log_id = entry.id
        except SQLAlchemyError:  # the results matter more than the record of them
            rollback()
            log.warning("search not logged: the database is unavailable")
    return results, log_id


def commit_unhurried() -> None:
    """Commit a record of what someone did (a search, a view) without waiting for the disk:
    the row and its id exist at once, and a power cut may lose the last moment of records,
    while waiting for fsync cost every search 5-20 ms here. PostgreSQL: synchronous_commit
    off for this transaction (its documented use); SQLite in WAL mode: synchronous NORMAL
    for this commit only (set back when the connection returns to the pool, kb/__init__.py)."""
    from kb import UNHURRIED

    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit = off"))
    elif connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:  # pysqlite begins at the first write
            raw.execute("PRAGMA synchronous=NORMAL")
            connection.connection.info[UNHURRIED] = True
    db.session.commit()


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="search-click")


def click_token(log_id: int | None, article_id: int) -> str | None:
    """What a result link carries: this search and this article, signed, so only a real
    click on a result shown counts toward "Popular" (a bare log id could be guessed)."""
    return _signer().dumps([log_id, article_id]) if log_id else None


def _clicked_search(token: str | None, article_id: int) -> int | None:
    """The logged search a signed result link came from, if it is one for this article."""
    if not token or len(token) > 200:
        return None
    try:
        log_id, clicked = _signer().loads(token)
    except (BadData, TypeError, ValueError):
        return None
    if clicked != article_id or not isinstance(log_id, int):
        return None
    return log_id


def record_view(token: str | None, article_id: int) -> None:
    """An article page opened: the view, and the first click on a result of a logged search
    (its position among the ids shown; the article's category becomes the search's topic).
    A view that is not a click waits in memory with others (``flush_views``)."""
    log_id = _clicked_search(token, article_id)
    if log_id is None:
        _buffer_view(article_id)
        return
    try:
        entry = db.session.get(SearchLog, log_id)
        if entry is not None and entry.clicked_article_id is None:
            entry.clicked_article_id = article_id
            ids = (entry.shown_ids or "").split(",")
            entry.clicked_position = (ids.index(str(article_id)) + 1
                                      if str(article_id) in ids else None)
            article = library().get(article_id, include_internal=True)
            entry.topic = article.category if article else entry.topic
        db.session.add(ArticleView(article_id=article_id,
                                   search_id=entry.id if entry is not None else None,
                                   session_key=session_key()))
        commit_unhurried()
    except SQLAlchemyError:  # the article matters more than counting the view
        rollback()
        log.warning("view not recorded: the database is unavailable")


_VIEWS = "kb_pending_views"
VIEW_BATCH = 50  # views written in one statement; sooner after FAIL_SOFT_CACHE_SECONDS
_VIEWS_LOCK = threading.Lock()


def _buffer_view(article_id: int) -> None:
    """Views are written 50 at a time, or once the oldest waited FAIL_SOFT_CACHE_SECONDS
    (0: at once), so most article pages send no SQL at all."""
    pending: list[dict[str, Any]] = current_app.extensions.setdefault(_VIEWS, [])
    row = {"article_id": article_id, "search_id": None, "session_key": session_key(),
           "created_at": utcnow()}
    wait = timedelta(seconds=float(current_app.config.get("FAIL_SOFT_CACHE_SECONDS", 10)))
    with _VIEWS_LOCK:
        if not pending:
            atexit_flush(current_app._get_current_object())  # type: ignore[attr-defined]
        pending.append(row)
        due = len(pending) >= VIEW_BATCH or row["created_at"] - pending[0]["created_at"] >= wait
    if due:
        flush_views()


def flush_views(*, commit: bool = True, quiet: bool = False) -> None:
    """Write the views waiting in memory (the batch is full, or the process exits; without
    ``commit`` into the request's transaction, when a ticket is about to look for them).
    Never raises: the page matters more than the count."""
    pending: list[dict[str, Any]] = current_app.extensions.setdefault(_VIEWS, [])
    with _VIEWS_LOCK:
        rows, pending[:] = list(pending), []
    if not rows:
        return
    try:
        db.session.execute(insert(ArticleView), rows)
        if commit:
            commit_unhurried()
    except SQLAlchemyError:
        rollback()
        if not quiet:  # at exit the log's streams may already be closed
            log.warning("%d views not recorded: the database is unavailable", len(rows))


_EXIT_HOOKED: set[int] = set()


def atexit_flush(app: Flask) -> None:
    """Once per app: write what is still waiting when the process ends (a gunicorn worker
    stopping, a restart)."""
    if id(app) in _EXIT_HOOKED:
        return
    _EXIT_HOOKED.add(id(app))

    def flush() -> None:
        try:
            with app.app_context():
                flush_views(quiet=True)
        except Exception:  # the process is ending: nothing left to tell
            return

    atexit.register(flush)


def mark_followed(key: int | None, when: datetime) -> None:
    """A ticket was sent from this browser at ``when``: its searches, article views and
    wizard steps of the 24 hours before that no ticket followed yet get the seconds to it,
    so the insights count "followed by a ticket" by reading one column. Commits nothing."""
    if not key:
        return
    flush_views(commit=False)  # into this transaction, so the update below sees them
    for model in (SearchLog, ArticleView, WizardEvent):
        db.session.execute(
            update(model)
            .where(model.session_key == key, model.created_at >= when - FOLLOW_WINDOW,
                   model.created_at <= when, model.ticket_after_s.is_(None))
            .values(ticket_after_s=cast(seconds_between(model.created_at, literal(when)),
                                        Integer))
            .execution_options(synchronize_session=False))
