"""The loaded set of articles the site serves, with what went wrong while loading it."""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.core.content.article import Article, Rendered
from kb.core.content.facts import Facts
from kb.core.content.glossary import Glossary, load_glossary
from kb.core.content.loader import Category, load_articles, load_categories
from kb.core.content.problems import Problem
from kb.core.content.render import render

log = logging.getLogger(__name__)


def _read_parses(path: Path) -> dict[str, Any]:
    """The kept parses; nothing when the file is missing or unreadable (parsed again)."""
    try:
        with open(path, "rb") as fh:
            data = pickle.load(fh)  # in the owner-only instance folder, like instance/config.py
    except Exception:  # missing, truncated or from another version: parse the files again
        return {}
    return data if isinstance(data, dict) else {}


def _write_parses(path: Path, parsed: dict[str, Any]) -> None:
    """Written beside and swapped in, so a process reading it never sees half a file."""
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(parsed, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)
    except OSError:
        log.warning("could not keep the parsed articles in %s", path, exc_info=True)


@dataclass
class Library:
    articles: dict[int, Article] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    glossary: Glossary = field(default_factory=Glossary)
    problems: list[Problem] = field(default_factory=list)
    key_lines: dict[int, dict[str, int]] = field(default_factory=dict)
    facts: Facts | None = None  # the facts filled in (None: variables left as written)
    stamp: int = 0  # the articles folder's mtime when it was read (kb.core.services)
    # Worked out once per load (a library never changes once loaded): counts per category,
    # and each article's address (kb.public.routes.article_url) by the app's root path.
    _counts: dict[bool, dict[str, int]] = field(default_factory=dict, repr=False)
    urls: dict[tuple[str, int], str] = field(default_factory=dict, repr=False)
    _lowest: list[Article] | None = field(default=None, repr=False)
    lang: str = "en"
    translated: frozenset[int] = frozenset()  # ids written in ``lang`` (the rest: fallback)

    def get(self, article_id: int, *, include_internal: bool = False) -> Article | None:
        article = self.articles.get(article_id)
        if article is None or (not article.is_public and not include_internal):
            return None
        return article

    def visible(self, *, include_internal: bool = False) -> list[Article]:
        return [a for a in self.articles.values() if include_internal or a.is_public]

    def in_category(self, category: str, *, include_internal: bool = False) -> list[Article]:
        found = [a for a in self.visible(include_internal=include_internal)
                 if a.category == category]
        return sorted(found, key=lambda a: a.title.lower())

    def lowest_ids(self, count: int) -> list[Article]:
        """The public articles with the lowest ids (the popular list's top-up), sorted once."""
        if self._lowest is None:
            self._lowest = sorted(self.visible(), key=lambda a: a.id)
        return self._lowest[:count]

    def category_counts(self, *, include_internal: bool = False) -> dict[str, int]:
        if include_internal not in self._counts:
            counts: dict[str, int] = {}
            for a in self.visible(include_internal=include_internal):
                counts[a.category] = counts.get(a.category, 0) + 1
            self._counts[include_internal] = counts
        return dict(self._counts[include_internal])


# Rendered HTML by (file digest, glossary), for every app this process builds: a reload after
# an edit, or the many apps a test run makes, renders only the files that changed. The digest
# covers the values of the facts an article uses, and the glossary key its filled-in terms, so
# a changed fact renders again. Old versions stay: a few KB each.
_RENDERED: dict[tuple[str, int, str], Rendered] = {}


def load_library(config: Mapping[str, Any], facts: Facts | None = None,
                 kept: Path | None = None) -> Library:
    """Load categories, glossary and articles named in the app config, with the facts filled
    in; each article renders when it is first shown. ``kept``: a file of earlier YAML parses
    (by file hash), so a large KB loads in a second or two instead of a minute."""
    categories, problems = load_categories(Path(config["ARTICLES_DIR"]) / "_categories.yml")
    glossary, gloss_problems = load_glossary(Path(config["GLOSSARY_FILE"]), facts)
    problems += gloss_problems
    parsed = _read_parses(kept) if kept else None
    before = set(parsed or ())
    result = load_articles(Path(config["ARTICLES_DIR"]), categories or None, facts, parsed)
    if kept and parsed is not None and before != result.hashes:  # new or gone files
        _write_parses(kept, {k: v for k, v in parsed.items() if k in result.hashes})
    problems += result.problems
    _render_lazily(result.articles, glossary)
    return Library(
        articles={a.id: a for a in result.articles},
        categories=categories,
        glossary=glossary,
        problems=problems,
        key_lines=result.key_lines,
        facts=facts,
    )


def _link_title(lang: str) -> str:
    """The headings' "Link to this section" tooltip in the article's language."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    with force_locale(lang):
        return _("Link to this section")


def _render_lazily(articles: list[Article], glossary: Glossary, lang: str = "en") -> None:
    """Each article renders on its first view in this process (not at load), from the cache
    by file digest, glossary and language (the headings' tooltip)."""
    gloss_key = hash(tuple(sorted((t.term, t.meaning) for t in glossary.terms.values())))

    def rendered(article: Article) -> Rendered:
        key = (article.digest, gloss_key, lang)
        if key not in _RENDERED:
            html, toc = render(article.body, glossary, link_title=_link_title(lang))
            notes = render(article.internal_notes, glossary)[0] if article.internal_notes else ""
            _RENDERED[key] = (html, toc, notes)
        return _RENDERED[key]

    for article in articles:
        article.renderer = rendered
        article._rendered = None


def load_translation(config: Mapping[str, Any], base: Library, lang: str,
                     facts: Facts | None = None) -> Library:
    """The library as read in ``lang``: each article of ARTICLES_DIR/<lang>/ (same ids, same
    front matter) in place of the default language's, the others kept as they are (pages
    show a "not translated yet" notice for them). Its own _categories.yml and _glossary.yml
    give the topic names and glossary in that language; without them, the base's names and
    no glossary (an English meaning in a French sentence helps nobody)."""
    folder = Path(config["ARTICLES_DIR"]) / lang
    categories = dict(base.categories)
    problems: list[Problem] = []
    if (folder / "_categories.yml").is_file():
        names, problems = load_categories(folder / "_categories.yml")
        categories.update({cid: cat for cid, cat in names.items() if cid in categories})
    glossary = Glossary()
    if (folder / "_glossary.yml").is_file():
        glossary, gloss_problems = load_glossary(folder / "_glossary.yml", facts)
        problems += gloss_problems
    result = load_articles(folder, categories or None, facts)
    problems += result.problems
    articles = dict(base.articles)
    translated = []
    for article in result.articles:
        original = base.articles.get(article.id)
        if original is None or original.audience != article.audience:
            path = article.path or folder
            problems.append(Problem.at(path, result.key_lines[article.id].get("id", 1),
                                       f"KB-{article.id} has no {article.audience} article "
                                       "of that id in the default language: skipped"))
            continue
        article.lang = lang
        articles[article.id] = article
        translated.append(article)
    _render_lazily(translated, glossary, lang)
    return Library(articles=articles, categories=categories, glossary=glossary,
                   problems=problems, key_lines={**base.key_lines, **result.key_lines},
                   facts=facts, stamp=base.stamp, lang=lang,
                   translated=frozenset(a.id for a in translated))
