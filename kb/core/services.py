"""The app's shared, per-process objects: the article library, the search index and the
support configuration. Views reach them through these functions, never through globals."""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from whoosh.index import LockError

from kb.core.content.library import Library, load_library, load_translation
from kb.core.search import SearchIndex
from kb.core.search.backends import SearchBackend, open_index
from kb.core.search.ranking import Ranker
from kb.tickets.supportfile import SupportSettings, read_support

log = logging.getLogger(__name__)


def init_content(app: Flask) -> None:
    """Read support.yml and set up the library and the indexes, loading nothing yet: a
    `flask` command that never shows an article (``db upgrade``) costs the same at 20,000
    articles as at 50. The articles load, and the indexes are brought up to date (only
    changed articles re-indexed), on first use, or before gunicorn forks (``warm``)."""
    settings = SupportSettings(Path(app.config["SUPPORT_FILE"]),
                               Path(app.instance_path) / "support.last-good.yml",
                               Path(app.config["BRAND_DIR"]))
    settings.get()  # checked at start-up: every problem is logged with file:line:col
    app.extensions["kb_support"] = settings
    app.extensions["kb_library"] = None
    index = open_index(app.config)  # KB_SEARCH_BACKEND: fast, whoosh or postgres
    app.extensions["kb_search"] = index
    index.on_broken = _healer(app, index, lambda: app.extensions["kb_library"])
    _init_languages(app)


def warm(app: Flask, *, searcher: bool = True) -> None:
    """Load the articles and bring the indexes up to date now rather than on the first
    request: gunicorn's master calls this before forking (gunicorn.conf.py), so the workers
    share the articles and start ready; each worker then opens its own searcher."""
    with app.app_context():
        base_library()
        if searcher:
            search_index().doc_count()


def _init_languages(app: Flask) -> None:
    """One library and one index per other language: the index in its own folder beside the
    default one (``index-fr``), analysed with that language's stop words and stemmer. Each
    library loads on first use (``_translated``)."""
    from kb.core.i18n import languages

    app.extensions["kb_library_lang"] = {}
    app.extensions["kb_search_lang"] = {}
    base_dir = Path(app.config["INDEX_DIR"])
    for lang in languages(app)[1:]:
        folder = Path(app.config["ARTICLES_DIR"]) / lang
        synonyms = folder / "_synonyms.yml"
        # KB_SEARCH_BACKEND=whoosh ranks it the same way; postgres: still this Whoosh folder.
        ranker = getattr(app.extensions["kb_search"], "ranker", Ranker)
        index = SearchIndex(base_dir.with_name(f"{base_dir.name}-{lang}"),
                            synonyms if synonyms.is_file() else None, ranker=ranker, lang=lang)
        index.on_broken = _healer(app, index, functools.partial(_translated, app, lang))
        app.extensions["kb_search_lang"][lang] = index


def _start_indexes(app: Flask, lib: Library) -> None:
    """At the first load: every index brought up to date with its library."""
    _sync(app.extensions["kb_search"], lib)
    for lang, index in app.extensions["kb_search_lang"].items():
        _sync(index, _translated(app, lang, lib))


def _sync(index: SearchBackend, lib: Library) -> None:
    """Bring an index up to date; while another process builds it, wait for that build
    rather than serve an empty search (it may take minutes on a large KB)."""
    while True:
        try:
            index.sync(lib.visible(include_internal=True))
            return
        except LockError:
            log.warning("waiting for another process to finish the search index")
        except Exception:  # the site must come up even if the index cannot be written now
            log.exception("could not bring the search index up to date")
            return


def _translated(app: Flask, lang: str, base: Library | None = None) -> Library:
    """The library in ``lang``, read again when the default one or that folder changed."""
    base = base or app.extensions["kb_library"]
    cache: dict[str, tuple[Library, int, Library]] = app.extensions["kb_library_lang"]
    stamp = _folder_stamp(app, lang)
    hit = cache.get(lang)
    if hit is not None and hit[0] is base and hit[1] == stamp:
        return hit[2]
    lib = load_translation(app.config, base, lang, base.facts)
    for problem in lib.problems:
        log.warning("content problem (%s): %s", lang, problem)
    cache[lang] = (base, stamp, lib)
    if hit is not None:  # changed while running: the index follows
        try:
            app.extensions["kb_search_lang"][lang].sync(lib.visible(include_internal=True))
        except Exception:
            log.exception("could not bring the %s search index up to date", lang)
    return lib


def _load(app: Flask, settings: SupportSettings) -> Library:
    stamp = _folder_stamp(app)  # before reading: a file added meanwhile is read next time
    lib = load_library(app.config, settings.facts, Path(app.instance_path) / "articles.parsed")
    lib.stamp = stamp
    for problem in lib.problems:
        log.warning("content problem: %s", problem)
    app.extensions["kb_library"] = lib
    return lib


def _folder_stamp(app: Flask, lang: str = "") -> int:
    """When a file was last added to or removed from the articles folder (one stat): an
    article published from the site (kb/agents/drafts.py) reaches every process."""
    try:
        return os.stat(Path(app.config["ARTICLES_DIR"]) / lang).st_mtime_ns
    except OSError:
        return 0


_RELOADING = threading.Lock()


def library() -> Library:
    """The articles in the visitor's language (kb.core.i18n; the default one outside a
    request and on agents' pages), the untranslated ones in the default language."""
    from kb.core.i18n import current_language, default_language

    lib = base_library()
    lang = current_language()
    if lang == default_language():
        return lib
    return _translated(current_app, lang, lib)


def library_in(lang: str) -> Library:
    """The articles as read in ``lang`` (the default language's library for that one)."""
    from kb.core.i18n import default_language

    lib = base_library()
    return lib if lang == default_language() else _translated(current_app, lang, lib)


def base_library() -> Library:
    """The articles, loaded on first use, and again (and re-indexed) when a fact in
    support.yml changed or a file was added to or removed from the articles folder."""
    app = current_app
    lib: Library | None = app.extensions["kb_library"]
    settings: SupportSettings = app.extensions["kb_support"]
    facts = settings.facts
    stamp = _folder_stamp(app)
    if lib is not None and lib.facts is not None and lib.facts.digest == facts.digest \
            and lib.stamp == stamp:
        return lib
    with _RELOADING:
        lib = app.extensions["kb_library"]
        if lib is None:
            lib = _load(app, settings)
            if app.config.get("INDEX_ON_START", True):
                _start_indexes(app, lib)
        elif lib.facts is None or lib.facts.digest != facts.digest or lib.stamp != stamp:
            log.warning("support.yml's facts or the articles folder changed: articles "
                        "loaded again")
            lib = _load(app, settings)
            try:
                app.extensions["kb_search"].sync(lib.visible(include_internal=True))
            except Exception:  # the pages already show the new facts; search catches up
                log.exception("could not bring the search index up to date")
    return lib


def search_index() -> SearchBackend:
    """The index, with the synonyms and pins made from the worklist in force (a soft-cached
    version check: kb.core.search_overrides)."""
    from kb.core import search_overrides
    from kb.core.i18n import current_language

    if current_app.extensions["kb_library"] is None:
        base_library()  # first use: the articles loaded and the indexes brought up to date
    index: SearchBackend = current_app.extensions["kb_search"]
    index = current_app.extensions["kb_search_lang"].get(current_language(), index)
    search_overrides.refresh(index)
    return index


def reload_content() -> Library:
    """Read the articles again (one was just published from the site) and bring this
    process's index up to date; other processes see the new article after their restart."""
    app = current_app
    with _RELOADING:
        lib = _load(app, app.extensions["kb_support"])
    app.extensions["kb_search"].sync(lib.visible(include_internal=True))
    return lib


def support() -> dict[str, Any]:
    """support.yml's settings (the last good ones if the file has problems)."""
    settings: SupportSettings = current_app.extensions["kb_support"]
    return settings.get()


def support_settings() -> SupportSettings:
    settings: SupportSettings = current_app.extensions["kb_support"]
    return settings


def load_support(path: Path) -> dict[str, Any]:
    """The settings of one support file, or nothing when it has problems (they are logged)."""
    data, problems = read_support(path)
    for problem in problems:
        log.error("support settings: %s", problem)
    return data or {}


def _healer(app: Flask, index: SearchBackend,
            articles_of: Callable[[], Library]) -> Callable[[], None]:
    """Called when a search finds the index missing or unreadable: rebuild it in a background
    thread, one at a time in this process; across processes ``heal`` takes the index lock, so
    one process builds and the others open its result."""
    running = threading.Lock()

    def rebuild() -> None:
        try:
            articles = articles_of().visible(include_internal=True)
            if index.heal(articles):
                log.warning("search index at %s was missing or unreadable: rebuilt",
                            getattr(index, "index_dir", "?"))
        except Exception:
            log.exception("could not rebuild the search index at %s",
                          getattr(index, "index_dir", "?"))
        finally:
            running.release()

    def heal() -> None:
        if running.acquire(blocking=False):
            threading.Thread(target=rebuild, name="kb-index-heal", daemon=True).start()

    return heal
