"""The index heals itself: a search that finds it corrupt or missing starts a rebuild in the
background, the page says so, and that search is not logged as a real no-result search."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from kb.core.search import SearchIndex
from kb.core.services import library, search_index
from kb.extensions import db
from kb.models import SearchLog

REBUILDING = "Search is being rebuilt, try again in a minute"


def wait_for_heal() -> None:
    """Join the background rebuild (waiting for an outcome, not timing it)."""
    for thread in threading.enumerate():
        if thread.name == "kb-index-heal":
            thread.join()


def logged(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(SearchLog.text)))


def corrupt(index_dir: Path) -> None:
    """Garbage in every file, written as new files: a process that has the old ones mapped
    keeps reading those (rewriting a mapped file in place would crash it, not test it)."""
    for f in index_dir.resolve().iterdir():
        if f.is_file():
            spare = f.with_name(f.name + ".new")
            spare.write_bytes(b"garbage")
            os.replace(spare, f)


def remove(index_dir: Path) -> None:
    shutil.rmtree(index_dir.resolve())
    index_dir.unlink()


@pytest.mark.parametrize("damage", [corrupt, remove], ids=["corrupt", "missing"])
def test_search_heals_a_broken_index(app_factory: Any, tmp_path: Path, damage: Any) -> None:
    index_dir = tmp_path / "own-index"
    app = app_factory(INDEX_DIR=str(index_dir))
    client = app.test_client()
    assert "articles found" in client.get("/search?q=printer").get_data(as_text=True)
    damage(index_dir)
    # A worker that opens the index only when searching (no sync at start) meets the damage.
    app = app_factory(INDEX_DIR=str(index_dir), INDEX_ON_START=False)
    client = app.test_client()

    html = client.get("/search?q=printer+offline").get_data(as_text=True)
    assert REBUILDING in html and "We could not find an article" not in html
    api = client.get("/api/v1/search?q=printer+offline").get_json()
    assert api["rebuilding"] is True
    wait_for_heal()

    html = client.get("/search?q=wifi").get_data(as_text=True)
    assert "articles found" in html and REBUILDING not in html
    assert logged(app) == ["wifi"]  # the searches during the rebuild are not kept
    with app.app_context():
        assert search_index().doc_count() == len(library().visible(include_internal=True))


def test_two_processes_one_builds_the_other_opens_it(app: Flask, tmp_path: Path) -> None:
    """Two SearchIndex objects stand for two workers (the lock is a file lock, held per
    open file, so they exclude each other as processes do): exactly one rebuilds."""
    with app.app_context():
        articles = library().visible(include_internal=True)
    index_dir = tmp_path / "fresh"
    workers = [SearchIndex(index_dir), SearchIndex(index_dir)]
    built: list[bool] = []
    threads = [threading.Thread(target=lambda w=w: built.append(w.heal(articles)))
               for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(built) == [False, True]
    assert [w.doc_count() for w in workers] == [len(articles)] * 2
    assert not any(w.broken for w in workers)
