"""Running a search and recording it, shared by the public pages, the API and agents.

Every first-page search is logged with its result count, whether it was confident and the
correction used, so the help desk can see what people look for and do not find. The query is
redacted before it is stored: people do paste passwords into search boxes.
"""

from __future__ import annotations

import logging

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy.exc import SQLAlchemyError

from kb.core.privacy import redact
from kb.core.search import SearchResults
from kb.core.services import search_index
from kb.core.softcache import rollback
from kb.extensions import db
from kb.models import SearchLog

log = logging.getLogger(__name__)
MAX_QUERY = 1000  # what a search box accepts: two or three pasted sentences


def run_search(q: str, category: str | None, page: int, source: str, *,
               include_internal: bool = False, exact: bool = False,
               show_all: bool = False) -> tuple[SearchResults, int | None]:
    """Search and record it (query, count, confidence; later the click)."""
    results = search_index().search(q, category=category, page=page,
                                    per_page=int(current_app.config["SEARCH_PER_PAGE"]),
                                    include_internal=include_internal, exact=exact,
                                    show_all=show_all)
    log_id = None
    # While the index is being rebuilt "no results" says nothing about the articles.
    if q.strip() and page == 1 and not show_all and not search_index().broken:
        entry = SearchLog(text=redact(q.strip()).text[:200], category=category,
                          result_count=results.total, did_you_mean=results.did_you_mean,
                          confident=results.confident, source=source)
        try:
            db.session.add(entry)
            db.session.commit()
            log_id = entry.id
        except SQLAlchemyError:  # the results matter more than the record of them
            rollback()
            log.warning("search not logged: the database is unavailable")
    return results, log_id


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="search-click")


def click_token(log_id: int | None, article_id: int) -> str | None:
    """What a result link carries: this search and this article, signed, so only a real
    click on a result shown counts toward "Popular" (a bare log id could be guessed)."""
    return _signer().dumps([log_id, article_id]) if log_id else None


def record_click(token: str | None, article_id: int) -> None:
    """The first click on a result of a logged search; anything else is ignored."""
    if not token or len(token) > 200:
        return
    try:
        log_id, clicked = _signer().loads(token)
    except (BadData, TypeError, ValueError):
        return
    if clicked != article_id or not isinstance(log_id, int):
        return
    try:
        entry = db.session.get(SearchLog, log_id)
        if entry is not None and entry.clicked_article_id is None:
            entry.clicked_article_id = article_id
            db.session.commit()
    except SQLAlchemyError:  # the article matters more than counting the click
        rollback()
        log.warning("click not recorded: the database is unavailable")
