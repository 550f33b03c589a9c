"""The one interface search is used through, and the backends behind it, chosen by
KB_SEARCH_BACKEND:

- ``fast`` (default): the Whoosh index on disk, ranked by our own posting reads (ranking.py);
- ``whoosh``: the same index ranked by Whoosh's own search (reference.py), the reference the
  fast ranker is tested against;
- ``postgres``: one index in PostgreSQL shared by every node (pgindex.py, pgsearch.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from kb.core.content.article import Article
from kb.core.search.indexer import SearchIndex
from kb.core.search.query import Hit, SearchResults
from kb.core.search.ranking import Ranker
from kb.core.search.reference import WhooshRanker
from kb.core.search.synonyms import Synonyms, Vocabulary

log = logging.getLogger(__name__)
BACKENDS = ("fast", "whoosh", "postgres")


class SearchBackend(Protocol):
    """What the site calls: every backend answers the same way (kb.core.search.Hit etc.)."""

    broken: bool  # the last read found no usable index (a rebuild was started)
    on_broken: Callable[[], None] | None
    vocabulary: Vocabulary

    @property
    def synonyms(self) -> Synonyms: ...

    def use_overrides(self, version: object, groups: list[list[str]],
                      pins: dict[str, tuple[int, ...]]) -> None: ...

    def search(self, q: str, *, category: str | None = None, page: int = 1, per_page: int = 10,
               include_internal: bool = False, exact: bool = False,
               show_all: bool = False) -> SearchResults: ...

    def suggest(self, prefix: str, *, include_internal: bool = False,
                limit: int = 8) -> list[tuple[int, str]]: ...

    def related(self, article_id: int, *, include_internal: bool = False,
                limit: int = 5) -> list[Hit]: ...

    def doc_count(self) -> int: ...

    def normalise(self, text: str, *, include_internal: bool = False) -> str: ...

    def unknown_words(self, text: str) -> list[str]: ...

    def sync(self, articles: Iterable[Article]) -> int: ...

    def rebuild(self, articles: Iterable[Article]) -> int: ...

    def heal(self, articles: Iterable[Article]) -> bool: ...

    def is_stale(self, articles: Iterable[Article]) -> bool: ...

    def add(self, article: Article) -> None: ...

    def remove(self, article_id: int) -> None: ...


def open_index(config: Mapping[str, Any]) -> SearchBackend:
    """The backend the settings ask for (nothing is opened or read until first use)."""
    name = str(config.get("SEARCH_BACKEND") or "fast").strip().lower()
    synonyms = config.get("SYNONYMS_FILE")
    if name == "postgres":
        url = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
        if url.startswith("postgresql"):
            from kb.core.search.pgindex import PgSearchIndex

            return PgSearchIndex(url, synonyms)
        log.error("KB_SEARCH_BACKEND=postgres needs KB_DATABASE_URL on PostgreSQL: "
                  "searching the Whoosh index instead")
    elif name not in BACKENDS:
        log.error("KB_SEARCH_BACKEND=%r is none of %s: using fast", name, ", ".join(BACKENDS))
    ranker: type[Ranker] = WhooshRanker if name == "whoosh" else Ranker
    return SearchIndex(config["INDEX_DIR"], synonyms, ranker=ranker)
