"""What every index backend shares: the synonyms and pins in force, and the read side. Each
read goes to the backend's current :class:`Engine` through ``_read``, which gives a default
(no results, nothing suggested) instead of an error when the index is missing, unreadable or
its database down."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from kb.core.search import overrides
from kb.core.search.normal import normalise
from kb.core.search.query import Engine, Hit, SearchResults
from kb.core.search.synonyms import Synonyms, Vocabulary

T = TypeVar("T")


class EngineReads:
    """Mixed into SearchIndex (Whoosh) and PgSearchIndex (PostgreSQL), which set
    ``vocabulary``, ``_lock`` and ``_engine``."""

    vocabulary: Vocabulary
    _lock: threading.RLock
    _engine: Engine | None

    @property
    def synonyms(self) -> Synonyms:
        return self.vocabulary.synonyms

    def use_overrides(self, version: object, groups: list[list[str]],
                      pins: dict[str, tuple[int, ...]]) -> None:
        """Search with these synonym groups beside the file's, and these pins, from the next
        query on (the searcher stays open: nothing is re-indexed)."""
        with self._lock:
            if self.vocabulary.use(version, groups, pins) and self._engine is not None:
                self._engine.use_vocabulary(self.synonyms, self.vocabulary.pins)

    def _read(self, fn: Callable[[Engine], T], default: T) -> T:
        raise NotImplementedError

    def search(self, q: str, *, category: str | None = None, page: int = 1, per_page: int = 10,
               include_internal: bool = False, exact: bool = False,
               show_all: bool = False) -> SearchResults:
        """``exact``: no spelling correction; ``show_all``: every article sharing a word."""
        return self._read(
            lambda e: e.search(q, category=category, page=page, per_page=per_page,
                               include_internal=include_internal, exact=exact,
                               show_all=show_all),
            Engine.nothing(q, category, page, per_page))

    def suggest(self, prefix: str, *, include_internal: bool = False,
                limit: int = 8) -> list[tuple[int, str]]:
        return self._read(
            lambda e: e.suggest(prefix, include_internal=include_internal, limit=limit), [])

    def related(self, article_id: int, *, include_internal: bool = False,
                limit: int = 5) -> list[Hit]:
        return self._read(
            lambda e: e.related(article_id, include_internal=include_internal, limit=limit), [])

    def doc_count(self) -> int:
        return self._read(lambda e: e.searcher.doc_count(), 0)

    def normalise(self, text: str, *, include_internal: bool = False) -> str:
        """The words of a search as the analysis groups them (see ``normal.normalise``),
        misspellings folded with this index's speller; without an index, not folded."""
        return self._read(
            lambda e: normalise(text, e.known, e.speller(include_internal)), normalise(text))

    def unknown_words(self, text: str) -> list[str]:
        """The words of ``text`` no article uses: what a synonym should name."""
        return self._read(lambda e: overrides.unknown_words(e, text), [])
