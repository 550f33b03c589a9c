"""The relevance table: realistic phrasings (everyday words, typos) and the article that
must be in the top 3. The table lives in tests/relevance.yml so the help desk can extend it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from kb.services import library, search_index

TABLE = yaml.safe_load((Path(__file__).parent.parent / "relevance.yml").read_text()) or []


def test_table_is_big_enough_and_points_at_public_articles(app: Flask) -> None:
    assert len(TABLE) >= 40
    with app.app_context():
        lib = library()
        missing = [row for row in TABLE if lib.get(int(row["expect"])) is None]
    assert missing == []


@pytest.mark.parametrize("row", TABLE, ids=[str(r["query"]) for r in TABLE])
def test_expected_article_in_top_three(app: Flask, row: dict[str, Any]) -> None:
    with app.app_context():
        results = search_index().search(str(row["query"]), per_page=3)
        top = [h.id for h in results.hits]
    assert int(row["expect"]) in top, f"{row['query']!r} gave {top}"
