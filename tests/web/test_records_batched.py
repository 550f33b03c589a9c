"""Records of what visitors do cost the page little: article views wait in memory and are
written together, and search records are committed without waiting for the disk, while
every other commit still does."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select, text

from kb.core.searchlog import VIEW_BATCH, flush_views
from kb.core.services import library
from kb.extensions import db
from kb.models import ArticleView, SearchLog


def views(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ArticleView)) or 0


def test_views_are_written_together(app_factory: Any) -> None:
    app = app_factory(FAIL_SOFT_CACHE_SECONDS=60)
    with app.app_context():
        art = next(a for a in library().articles.values() if a.is_public)
    client = app.test_client()
    url = f"/articles/{art.id}-{art.slug}"
    for _ in range(3):
        assert client.get(url).status_code == 200
    assert views(app) == 0  # waiting in memory
    with app.app_context():
        flush_views()
    assert views(app) == 3
    for _ in range(VIEW_BATCH):
        client.get(url)
    assert views(app) == 3 + VIEW_BATCH  # a full batch is written at once
    with app.app_context():
        keys = set(db.session.scalars(select(ArticleView.session_key)))
    assert len(keys) == 1 and None not in keys  # one browser, keyed


def test_a_search_record_leaves_the_connection_durable(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/search?q=printer+offline").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchLog)) == 1
        if db.engine.dialect.name == "sqlite":  # 2 = FULL: commits wait for the disk again
            assert db.session.scalar(text("PRAGMA synchronous")) == 2
        else:
            assert db.session.scalar(text("SHOW synchronous_commit")) == "on"
