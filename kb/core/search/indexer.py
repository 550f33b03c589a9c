"""The on-disk index: building, atomic swaps, incremental sync, and the per-process searcher.

Layout: ``index_dir`` is a symlink to a versioned folder beside it (``.<name>.v<random>``). A
rebuild fills a new folder and swaps the link with ``os.replace``, so readers in other processes
never see a half-built index; they notice the new link target on their next search.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from whoosh import index
from whoosh.index import Index
from whoosh.writing import SegmentWriter

from kb.core.content.article import Article
from kb.core.search import schema
from kb.core.search.folders import swap_lock, swap_to
from kb.core.search.query import Engine
from kb.core.search.ranking import Ranker
from kb.core.search.reads import EngineReads
from kb.core.search.schema import article_digest, build_schema, document, field_names, stem_word
from kb.core.search.synonyms import Vocabulary
from kb.core.search.writer import FastWriter, codec

log = logging.getLogger(__name__)
T = TypeVar("T")

LOCK_TIMEOUT = 30.0  # seconds a writer waits for another process's writer
REBUILD_SHARE = 0.5  # sync rebuilds from scratch when more than this share of articles changed


class SearchIndex(EngineReads):
    """One index folder; cheap to create (opens lazily), one searcher per process."""

    def __init__(self, index_dir: Path | str, synonyms_file: Path | str | None = None,
                 ranker: type[Ranker] = Ranker, lang: str = "en"):
        self.index_dir, self.ranker = Path(index_dir), ranker  # fast, or reference.WhooshRanker
        self.synonyms_file = synonyms_file
        self.lang = lang  # its stop words and stemmer (one index per language, own folder)
        # The file's synonyms, and those and the pins made from the content worklist
        # (kb.core.search_overrides), given to every searcher.
        self.vocabulary = Vocabulary(synonyms_file, lambda word: stem_word(word, lang))
        self._lock = threading.RLock()
        self._ix: Index | None = None
        self._target: str | None = None
        self._engine: Engine | None = None
        self._pid = os.getpid()
        self._failed: str | None = None  # index version already reported as broken
        # Set while the last read found the index missing or unreadable; ``on_broken`` is then
        # called (the app starts a rebuild in the background) and pages say so.
        self.broken = False
        self.on_broken: Callable[[], None] | None = None

    # -- opening -------------------------------------------------------------------------------

    def _link_target(self) -> str | None:
        try:
            return os.readlink(self.index_dir)
        except FileNotFoundError:
            return None
        except OSError:  # a plain folder (made by hand or an older layout)
            return "" if self.index_dir.is_dir() else None

    def _open(self) -> Index | None:
        """The current index, reopened when another process swapped in a new folder."""
        if self._pid != os.getpid():  # forked (e.g. gunicorn --preload): never share file offsets
            self._ix, self._target, self._engine, self._pid = None, None, None, os.getpid()
        target = self._link_target()
        if target is None:
            self._close()
            return None
        if self._ix is None or target != self._target:
            self._close()
            self._ix = index.open_dir(str(self.index_dir))
            self._target = target
        return self._ix

    def _close(self) -> None:
        if self._engine is not None:
            self._engine.searcher.close()
        self._ix, self._target, self._engine = None, None, None

    def _current(self) -> Engine | None:
        """The process's searcher, refreshed only when the index changed; None if no index."""
        try:
            ix = self._open()
            if ix is None:
                self._mark_broken()
                return None
            if self._engine is None:
                self._engine = Engine(ix.searcher(), self.synonyms, self.vocabulary.pins,
                                      self.ranker)
            elif not self._engine.searcher.up_to_date():
                # Not searcher.refresh(): Whoosh 2.7 reuses its open segment readers there,
                # and a reused reader misses documents deleted from its segment since.
                self._engine.searcher.close()
                self._engine = Engine(ix.searcher(), self.synonyms, self.vocabulary.pins,
                                      self.ranker)
            self._failed = None
            self.broken = False
            return self._engine
        except Exception:  # unreadable index: searching finds nothing until it is rebuilt
            self._complain("cannot be opened")
            self._close()
            self._mark_broken()
            return None

    def _mark_broken(self) -> None:
        self.broken = True
        if self.on_broken is not None:
            self.on_broken()

    def _complain(self, what: str) -> None:
        """Log a broken index once per index version, not on every search."""
        version = str(self._link_target())
        if self._failed != version:
            self._failed = version
            log.exception("search index at %s %s", self.index_dir, what)

    def _read(self, fn: Callable[[Engine], T], default: T) -> T:
        """Run a read on the current searcher; a damaged index gives ``default``, never a 500."""
        with self._lock:
            engine = self._current()
            if engine is None:
                return default
            token = schema.LANG.set(self.lang)  # queries stem as this index's analyser did
            try:
                return fn(engine)
            except Exception:
                self._complain("failed a search")
                self._close()
                self._mark_broken()
                return default
            finally:
                schema.LANG.reset(token)

    # -- writing -------------------------------------------------------------------------------

    def rebuild(self, articles: Iterable[Article]) -> int:
        """Build a fresh index in a new folder beside index_dir, then swap it in atomically."""
        self.index_dir.parent.mkdir(parents=True, exist_ok=True)
        with self._swap_lock():
            count = self._build(articles)
        with self._lock:
            self._close()
        return count

    def heal(self, articles: Iterable[Article]) -> bool:
        """Rebuild a missing or unreadable index, unless another process did while this one
        waited for the lock: then its result is opened. True when this process rebuilt it."""
        self.index_dir.parent.mkdir(parents=True, exist_ok=True)
        with self._swap_lock():
            built = not self._readable()
            if built:
                self._build(articles)
        with self._lock:
            self._close()
        return built

    def _readable(self) -> bool:
        try:
            ix = index.open_dir(str(self.index_dir))
            try:
                with ix.searcher() as searcher:
                    searcher.doc_count()
            finally:
                ix.close()
            return True
        except Exception:
            return False

    def _build(self, articles: Iterable[Article]) -> int:
        """A new index folder filled and swapped in (the caller holds the swap lock)."""
        parent = self.index_dir.parent
        folder = Path(tempfile.mkdtemp(prefix=f".{self.index_dir.name}.v", dir=parent))
        try:
            ix = index.create_in(str(folder), build_schema(self.lang))
            writer = FastWriter(ix, codec=codec())
            count = 0
            try:
                for doc in _documents(articles):
                    writer.add_document(**doc)
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            ix.close()
            swap_to(self.index_dir, folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return count

    def sync(self, articles: Iterable[Article]) -> int:
        """Re-index changed articles and delete vanished ones; returns how many docs that was.

        A missing, unreadable or outdated index is rebuilt instead (and never raises for that).
        """
        wanted = {a.id: a for a in articles}
        try:
            with self._lock:
                ix = self._open()
                stored = self._stored_digests(ix) if ix is not None else None
        except Exception:
            log.warning("search index at %s is unreadable; rebuilding", self.index_dir,
                        exc_info=True)
            stored = None
        if stored is None:
            # Missing or unreadable: one process rebuilds; another one starting at the same
            # time waits for it, opens the result and carries on from there.
            if self.heal(wanted.values()):
                return len(wanted)
            with self._lock:
                ix = self._open()
                stored = self._stored_digests(ix) if ix is not None else None
            if stored is None:  # readable but of an older schema
                return self.rebuild(wanted.values())
        changed = [a for i, a in wanted.items() if stored.get(i) != article_digest(a)]
        gone = [i for i in stored if i not in wanted]
        if not changed and not gone:
            return 0
        if len(changed) + len(gone) > REBUILD_SHARE * max(len(wanted), 1) and len(wanted) > 50:
            self.rebuild(wanted.values())
            return len(changed) + len(gone)
        try:
            with self._writer() as writer:
                for doc in _documents(changed):
                    writer.update_document(**doc)
                for article_id in gone:
                    writer.delete_by_term("id", str(article_id))
        except index.LockError:
            raise
        except Exception:
            log.warning("incremental update of %s failed; rebuilding", self.index_dir,
                        exc_info=True)
            self.rebuild(wanted.values())
        return len(changed) + len(gone)

    def is_stale(self, articles: Iterable[Article]) -> bool:
        """True when sync would change something (or the index is missing or unreadable)."""
        try:
            with self._lock:
                ix = self._open()
                stored = self._stored_digests(ix) if ix is not None else None
        except Exception:
            return True
        if stored is None:
            return True
        wanted = {a.id: article_digest(a) for a in articles}
        return wanted != stored

    def add(self, article: Article) -> None:
        """Index (or re-index) one article now, e.g. after an edit.

        With no readable index this starts a new one holding just this article; the next
        sync() puts the others back."""
        self._ensure_exists()
        with self._writer() as writer:
            writer.update_document(**document(article))

    def remove(self, article_id: int) -> None:
        """Drop one article from the index (no error if it was not there)."""
        if self._link_target() is None:
            return
        with self._writer() as writer:
            writer.delete_by_term("id", str(article_id))

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _stored_digests(ix: Index) -> dict[int, str] | None:
        """id -> stored digest of every live document, read from columns (no stored bodies)."""
        if frozenset(ix.schema.names()) != field_names():
            return None
        with ix.reader() as reader:
            ids = reader.column_reader("id")
            digests = reader.column_reader("digest")
            return {int(ids[n]): digests[n] for n in reader.all_doc_ids()}

    @contextmanager
    def _writer(self) -> Iterator[SegmentWriter]:
        """A writer that waits up to LOCK_TIMEOUT for other writers; commits or cancels."""
        with self._lock:
            ix = self._open()
            if ix is None:
                raise index.EmptyIndexError(f"no search index at {self.index_dir}")
            writer = FastWriter(ix, timeout=LOCK_TIMEOUT, delay=0.05, codec=codec())
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def _ensure_exists(self) -> None:
        try:
            with self._lock:
                if self._open() is not None:
                    return
        except Exception:
            log.warning("search index at %s is unreadable; rebuilding", self.index_dir)
        self.rebuild([])

    def _swap_lock(self) -> AbstractContextManager[None]:
        return swap_lock(self.index_dir, LOCK_TIMEOUT)

def _documents(articles: Iterable[Article]) -> Iterator[dict[str, Any]]:
    seen: set[int] = set()
    for article in articles:
        if article.id not in seen:
            seen.add(article.id)
            yield document(article)
