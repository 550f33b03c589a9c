"""The loaded set of articles the site serves, with what went wrong while loading it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.core.content.article import Article
from kb.core.content.facts import Facts
from kb.core.content.glossary import Glossary, load_glossary
from kb.core.content.loader import Category, load_articles, load_categories
from kb.core.content.problems import Problem
from kb.core.content.render import render


@dataclass
class Library:
    articles: dict[int, Article] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    glossary: Glossary = field(default_factory=Glossary)
    problems: list[Problem] = field(default_factory=list)
    key_lines: dict[int, dict[str, int]] = field(default_factory=dict)
    facts: Facts | None = None  # the facts filled in (None: variables left as written)
    stamp: int = 0  # the articles folder's mtime when it was read (kb.core.services)
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

    def category_counts(self, *, include_internal: bool = False) -> dict[str, int]:
        counts: dict[str, int] = {}
        for a in self.visible(include_internal=include_internal):
            counts[a.category] = counts.get(a.category, 0) + 1
        return counts


# Rendered HTML by (file digest, glossary), for every app this process builds: a reload after
# an edit, or the many apps a test run makes, renders only the files that changed. The digest
# covers the values of the facts an article uses, and the glossary key its filled-in terms, so
# a changed fact renders again. Old versions stay: a few KB each.
_RENDERED: dict[tuple[str, int], tuple[str, list[dict[str, str]], str]] = {}


def load_library(config: Mapping[str, Any], facts: Facts | None = None) -> Library:
    """Load categories, glossary and articles named in the app config, with the facts filled
    in, rendering each article."""
    categories, problems = load_categories(Path(config["ARTICLES_DIR"]) / "_categories.yml")
    glossary, gloss_problems = load_glossary(Path(config["GLOSSARY_FILE"]), facts)
    problems += gloss_problems
    result = load_articles(Path(config["ARTICLES_DIR"]), categories or None, facts)
    problems += result.problems
    _render_all(result.articles, glossary)
    return Library(
        articles={a.id: a for a in result.articles},
        categories=categories,
        glossary=glossary,
        problems=problems,
        key_lines=result.key_lines,
        facts=facts,
    )


def _render_all(articles: list[Article], glossary: Glossary) -> None:
    gloss_key = hash(tuple(sorted((t.term, t.meaning) for t in glossary.terms.values())))
    for article in articles:
        key = (article.digest, gloss_key)
        if key not in _RENDERED:
            html, toc = render(article.body, glossary)
            notes = render(article.internal_notes, glossary)[0] if article.internal_notes else ""
            _RENDERED[key] = (html, toc, notes)
        article.html, article.toc, article.notes_html = _RENDERED[key]


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
    _render_all(translated, glossary)
    return Library(articles=articles, categories=categories, glossary=glossary,
                   problems=problems, key_lines={**base.key_lines, **result.key_lines},
                   facts=facts, stamp=base.stamp, lang=lang,
                   translated=frozenset(a.id for a in translated))
