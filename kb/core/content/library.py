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
    gloss_key = hash(tuple(sorted((t.term, t.meaning) for t in glossary.terms.values())))
    for article in result.articles:
        key = (article.digest, gloss_key)
        if key not in _RENDERED:
            html, toc = render(article.body, glossary)
            notes = render(article.internal_notes, glossary)[0] if article.internal_notes else ""
            _RENDERED[key] = (html, toc, notes)
        article.html, article.toc, article.notes_html = _RENDERED[key]
    return Library(
        articles={a.id: a for a in result.articles},
        categories=categories,
        glossary=glossary,
        problems=problems,
        key_lines=result.key_lines,
        facts=facts,
    )
