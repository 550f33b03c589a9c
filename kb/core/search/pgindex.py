"""The PostgreSQL search index (KB_SEARCH_BACKEND=postgres): one shared index for several nodes.

The rows of ``search_document`` and ``search_word`` (kb/models/search.py, made by the
migrations) are filled from the article files by ``sync``, as the Whoosh index is: only changed
articles are written, under an advisory lock so two nodes starting together do not race. Every
node reads the same rows; a process notices another's changes within CHECK_SECONDS.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa

from kb.core.content.article import Article
from kb.core.search.pgsearch import (
    HEADLINE,
    RANK_WEIGHTS,
    START,
    STOP,
    PgEngine,
    lexeme,
    matched_columns,
    scope_filter,
)
from kb.core.search.query import Engine
from kb.core.search.reads import EngineReads
from kb.core.search.schema import article_digest, plain_analyzer, stem_word, text_analyzer
from kb.core.search.synonyms import Vocabulary

log = logging.getLogger(__name__)
T = TypeVar("T")

CHECK_SECONDS = 1.0  # how stale a process's view of the shared rows may be
LOCK_KEY = 0x6B627365  # pg_advisory_xact_lock key serialising writers ("kbse")
STARTS = (("title", "A", 0), ("tags", "A", 1000), ("summary", "B", 2000), ("body", "C", 4000))
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS = 255  # positions kept per lexeme (PostgreSQL keeps at most 256)
RANK = f"ts_rank('{RANK_WEIGHTS}'::float4[], words, to_tsquery('simple', :q), 1)"


def tsvector(fields: Iterable[tuple[str, str, int]], analyzer: Any) -> str:
    """A tsvector literal of our own analysis (the Whoosh index's stems, negations and
    joined words), so both backends match the same words; ``(text, weight, first position)``."""
    found: dict[str, dict[int, str]] = {}
    for text, weight, start in fields:
        for t in analyzer(text, positions=True):
            if 0 < len(t.text) <= 200:
                spots = found.setdefault(t.text, {})
                if len(spots) < MAX_POSITIONS:
                    spots.setdefault(min(start + t.pos + 1, MAX_POSITION), weight)
    return " ".join(lexeme(term) + ":" + ",".join(f"{p}{w}" for p, w in sorted(spots.items()))
                    for term, spots in found.items())


def row(article: Article) -> dict[str, Any]:
    clean = {"title": article.title, "summary": article.summary, "tags": " ".join(article.tags),
             "body": article.text.replace(START, " ").replace(STOP, " ")}
    return {"article_id": article.id, "digest": article_digest(article),
            "category": article.category or "", "audience": article.audience or "", **clean,
            "words": tsvector(((clean[f], w, s) for f, w, s in STARTS), text_analyzer()),
            "title_words": tsvector([(article.title, "D", 0)], plain_analyzer())}


UPSERT = sa.text("""
INSERT INTO search_document (article_id, digest, title, summary, tags, body, category, audience,
                             words, title_words)
VALUES (:article_id, :digest, :title, :summary, :tags, :body, :category, :audience,
        CAST(:words AS tsvector), CAST(:title_words AS tsvector))
ON CONFLICT (article_id) DO UPDATE SET digest = excluded.digest, title = excluded.title,
  summary = excluded.summary, tags = excluded.tags, body = excluded.body,
  category = excluded.category, audience = excluded.audience, words = excluded.words,
  title_words = excluded.title_words""")


class Store:
    """Reads of one generation of the rows, memoised for as long as that generation lasts."""

    def __init__(self, db: sa.Engine):
        self.db = db
        self._df: dict[str, int] = {}
        self._ids: set[int] | None = None

    def _all(self, sql: str, **params: Any) -> list[Any]:
        with self.db.connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def doc_count(self) -> int:
        return len(self.all_ids())

    def all_ids(self) -> set[int]:
        if self._ids is None:
            self._ids = {r[0] for r in self._all("SELECT article_id FROM search_document")}
        return self._ids

    def has(self, article_id: int) -> bool:
        return article_id in self.all_ids()

    def doc_frequency(self, stem: str) -> int:
        got = self._df.get(stem)
        if got is None:
            if len(self._df) > 50_000:
                self._df.clear()
            got = self._df[stem] = self._all(
                "SELECT count(*) FROM search_document WHERE words @@ to_tsquery('simple', :q)",
                q=lexeme(stem))[0][0]
        return got

    def ids(self, category: str | None, include_internal: bool) -> set[int]:
        params: dict[str, Any] = {"c": category}
        sql = "SELECT article_id FROM search_document WHERE true"
        if not include_internal:
            sql += " AND audience = 'public'"
        if category is not None:
            sql += " AND category = :c"
        return {r[0] for r in self._all(sql, **params)}

    def match(self, q: str, groups: list[str], allow: set[int] | None,
              limit: int) -> tuple[int, list[tuple[int, float, tuple[bool, ...]]]]:
        """Documents matching tsquery ``q``: how many, and the best ``limit`` by ts_rank with
        whether each matches each of ``groups``."""
        cols, params = matched_columns(groups)
        params.update(q=q, limit=limit)
        where = scope_filter(allow, params)
        found = self._all(
            f"SELECT article_id, {RANK} AS rank, count(*) OVER () AS total, "
            f"{', '.join(cols)} FROM search_document "
            f"WHERE words @@ to_tsquery('simple', :q){where} "
            "ORDER BY rank DESC, article_id LIMIT :limit", **params)
        total = found[0][2] if found else 0
        return total, [(r[0], float(r[1]), tuple(bool(x) for x in r[3:])) for r in found]

    def document(self, article_id: int, terms: str) -> dict[str, Any]:
        """What a result shows; ``headline``: the body's best passages with ``terms`` marked."""
        found = self._all(
            "SELECT title, summary, category, audience, CASE WHEN :w = '' THEN '' ELSE "
            "ts_headline('english', body, websearch_to_tsquery('english', :w), :opts) END "
            "FROM search_document WHERE article_id = :id", id=article_id, w=terms, opts=HEADLINE)
        if not found:
            return {"title": "", "summary": "", "category": "", "audience": "", "headline": ""}
        r = found[0]
        return {"title": r[0], "summary": r[1], "category": r[2], "audience": r[3],
                "headline": r[4]}

    def similar_words(self, word: str, include_internal: bool) -> list[tuple[str, int]]:
        count = "all_docs" if include_internal else "public_docs"
        return [(r[0], r[1]) for r in self._all(
            f"SELECT word, {count} FROM search_word WHERE word % :w AND {count} > 0 "
            "ORDER BY similarity(word, :w) DESC, word LIMIT 20", w=word)]

    def titles(self, q: str, include_internal: bool, limit: int) -> list[tuple[int, str]]:
        public = "" if include_internal else " AND audience = 'public'"
        return [(r[0], r[1]) for r in self._all(
            "SELECT article_id, title FROM search_document "
            f"WHERE title_words @@ to_tsquery('simple', :q){public} "
            "ORDER BY ts_rank(title_words, to_tsquery('simple', :q)) DESC, article_id "
            "LIMIT :limit", q=q, limit=limit)]

    def alike(self, article_id: int, include_internal: bool,
              limit: int) -> list[tuple[int, float]]:
        """Articles sharing the words of this one's title, tags and summary, best first."""
        public = "" if include_internal else " AND d.audience = 'public'"
        return [(r[0], float(r[1])) for r in self._all(
            "WITH keys AS (SELECT u.lexeme FROM search_document d, unnest(d.words) u "
            "  WHERE d.article_id = :id AND u.weights && ARRAY['A', 'B'] AND u.lexeme <> 'xnot'),"
            " k AS (SELECT to_tsquery('simple', string_agg("
            "  '''' || replace(lexeme, '''', '''''') || '''', ' | ')) AS q FROM keys) "
            f"SELECT d.article_id, ts_rank('{RANK_WEIGHTS}'::float4[], d.words, k.q, 1) AS r "
            f"FROM search_document d, k WHERE d.article_id <> :id AND d.words @@ k.q{public} "
            "ORDER BY r DESC, d.article_id LIMIT :limit", id=article_id, limit=limit)]


class PgSearchIndex(EngineReads):
    """SearchIndex's interface over the shared PostgreSQL rows (see kb.core.search.backends)."""

    def __init__(self, url: str, synonyms_file: str | None = None):
        self.url = url
        self.index_dir = "the search_document table"  # where, for log lines
        self.vocabulary = Vocabulary(synonyms_file, stem_word)
        self._lock = threading.RLock()
        self._db: sa.Engine | None = None
        self._pid = os.getpid()
        self._engine: PgEngine | None = None
        self._generation: tuple[int, int] | None = None
        self._checked = 0.0
        self._failed = False
        self.broken = False
        self.on_broken: Callable[[], None] | None = None

    def database(self) -> sa.Engine:
        """This process's connection pool (made on first use, made again after a fork)."""
        if self._db is None or self._pid != os.getpid():
            if self._db is not None:
                self._db.dispose(close=False)
            self._db = sa.create_engine(self.url, pool_pre_ping=True, pool_size=2,
                                        max_overflow=4, connect_args={"connect_timeout": 5})
            self._pid, self._engine, self._generation = os.getpid(), None, None
        return self._db

    def _current(self) -> PgEngine | None:
        now = time.monotonic()
        db = self.database()
        if self._engine is not None and now - self._checked < CHECK_SECONDS:
            return self._engine
        with db.connect() as conn:
            count, digest_sum = conn.execute(sa.text(
                "SELECT count(*), coalesce(sum(hashtext(digest)), 0) FROM search_document")).one()
        self._checked = now
        if not count:
            self._mark_broken()
            return None
        if self._engine is None or self._generation != (count, digest_sum):
            self._engine = PgEngine(Store(db), self.synonyms, self.vocabulary.pins)
            self._generation = (count, digest_sum)
        self._failed = self.broken = False
        return self._engine

    def _mark_broken(self) -> None:
        self.broken = True
        if self.on_broken is not None:
            self.on_broken()

    def _read(self, fn: Callable[[Engine], T], default: T) -> T:
        """A read on the current rows; the database unreachable or the table missing gives
        ``default`` (logged once until a read works again), never a 500."""
        with self._lock:
            try:
                engine = self._current()
                return default if engine is None else fn(engine)
            except Exception:
                if not self._failed:
                    log.exception("search in PostgreSQL failed")
                self._failed = True
                self._engine = None
                self._mark_broken()
                return default

    # -- writing -------------------------------------------------------------------------------

    def _write(self, fn: Callable[[sa.Connection], int]) -> int:
        with self.database().begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
            count = fn(conn)
        with self._lock:
            self._engine, self._checked = None, 0.0
        return count

    def sync(self, articles: Iterable[Article]) -> int:
        """Write changed articles and delete vanished ones; returns how many that was."""
        wanted = {a.id: a for a in articles}

        def apply(conn: sa.Connection) -> int:
            stored: dict[int, str] = {r[0]: r[1] for r in conn.execute(sa.text(
                "SELECT article_id, digest FROM search_document"))}
            changed = [a for i, a in wanted.items() if stored.get(i) != article_digest(a)]
            gone = [i for i in stored if i not in wanted]
            if changed:
                conn.execute(UPSERT, [row(a) for a in changed])
            if gone:
                conn.execute(sa.text("DELETE FROM search_document WHERE article_id = ANY(:ids)"),
                             {"ids": gone})
            if changed or gone:
                _count_words(conn)
            return len(changed) + len(gone)

        return self._write(apply)

    def rebuild(self, articles: Iterable[Article]) -> int:
        wanted = list({a.id: a for a in articles}.values())

        def apply(conn: sa.Connection) -> int:
            conn.execute(sa.text("DELETE FROM search_document"))
            if wanted:
                conn.execute(UPSERT, [row(a) for a in wanted])
            _count_words(conn)
            return len(wanted)

        return self._write(apply)

    def heal(self, articles: Iterable[Article]) -> bool:
        """Fill an empty table, unless another node did while this one waited for the lock."""
        empty = self._write(lambda conn: int(not conn.execute(sa.text(
            "SELECT count(*) FROM search_document")).scalar()))
        if empty:
            self.sync(articles)
        return bool(empty)

    def is_stale(self, articles: Iterable[Article]) -> bool:
        with self.database().connect() as conn:
            stored: dict[int, str] = {r[0]: r[1] for r in conn.execute(sa.text(
                "SELECT article_id, digest FROM search_document"))}
        return stored != {a.id: article_digest(a) for a in articles}

    def add(self, article: Article) -> None:
        def apply(conn: sa.Connection) -> int:
            conn.execute(UPSERT, [row(article)])
            _count_words(conn)
            return 1

        self._write(apply)

    def remove(self, article_id: int) -> None:
        def apply(conn: sa.Connection) -> int:
            conn.execute(sa.text("DELETE FROM search_document WHERE article_id = :i"),
                         {"i": article_id})
            _count_words(conn)
            return 1

        self._write(apply)


def _count_words(conn: sa.Connection) -> None:
    """The spelling corrector's words (as the Whoosh index's spell_public/spell_internal fields):
    the words of titles, summaries and tags, with how many public / all articles use them."""
    public: dict[str, int] = {}
    every: dict[str, int] = {}
    analyzer = plain_analyzer()
    for title, summary, tags, audience in conn.execute(sa.text(
            "SELECT title, summary, tags, audience FROM search_document")):
        seen = {t.text for t in analyzer(f"{title}\n{summary}\n{tags}")}
        for w in seen:
            if 3 <= len(w) <= 100 and w.isalpha():
                every[w] = every.get(w, 0) + 1
                if audience == "public":
                    public[w] = public.get(w, 0) + 1
    conn.execute(sa.text("DELETE FROM search_word"))
    if every:
        conn.execute(sa.text("INSERT INTO search_word (word, public_docs, all_docs) "
                             "VALUES (:w, :p, :a)"),
                     [{"w": w, "p": public.get(w, 0), "a": n} for w, n in every.items()])
