"""Search changes made from the content worklist, kept in the database so they work without
a deploy: synonyms ("flurbo" means "outlook") merged with articles/_synonyms.yml, and pins
(searches grouped as these words show this article first).

Per search this costs one soft-cached look at a version stamp (the highest id and the number
of removed rows, which every change moves): at most one tiny query each
FAIL_SOFT_CACHE_SECONDS per process, and the rows themselves only when it changed. A change
made in this process is seen at once (``changed``), other processes within those seconds.
With the database down, search keeps the overrides it had."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from kb.core.content.library import Library
from kb.core.content.problems import Problem
from kb.core.search.backends import SearchBackend
from kb.core.search.request import is_stop
from kb.core.search.schema import words
from kb.core.softcache import forget, rollback, soft
from kb.extensions import db
from kb.models import SearchOverride, utcnow
from kb.states import OverrideKind

log = logging.getLogger(__name__)
VERSION = "search overrides version"
MAX_WORDS = 6  # a synonym is a word or a short phrase, not a sentence
_SANE = re.compile(r"[\w' .-]+")


@dataclass(frozen=True)
class Active:
    """One override in force, as plain values."""

    id: int
    kind: OverrideKind
    words: str
    means: str | None
    article_id: int | None


def _version() -> tuple[int, int]:
    top, removed = db.session.execute(
        select(func.max(SearchOverride.id), func.count(SearchOverride.removed_at))).one()
    return int(top or 0), int(removed or 0)


def active() -> list[Active]:
    """Every override in force, oldest first."""
    return [Active(o.id, o.kind, o.words, o.means, o.article_id) for o in db.session.scalars(
        select(SearchOverride).where(SearchOverride.removed_at.is_(None))
        .order_by(SearchOverride.id))]


def refresh(index: SearchBackend) -> None:
    """Give ``index`` the overrides in force, when they changed since it last had them."""
    version = soft(VERSION, _version, None)
    if version is None or version == index.vocabulary.version:
        return
    try:
        rows = active()
    except SQLAlchemyError:
        rollback()
        log.warning("search overrides not read: the database is unavailable")
        return
    groups = [[o.words, o.means] for o in rows if o.kind == OverrideKind.SYNONYM and o.means]
    pins: dict[str, tuple[int, ...]] = {}
    for o in rows:
        if o.kind == OverrideKind.PIN and o.article_id is not None:
            pins[o.words] = (*pins.get(o.words, ()), o.article_id)
    index.use_overrides(version, groups, pins)


def changed() -> None:
    """After a change in this request: the next search in this process reads them again."""
    forget(VERSION)


def word_problems(text: str) -> str | None:
    """Why these words cannot be a synonym (in words for the form and for `flask kb check`),
    or None when they are sane: a word or a short phrase of letters and digits, with at
    least one word that is not a small word like "the"."""
    text = text.strip()
    if not text:
        return "Give the words."
    if len(text) > 100 or not _SANE.fullmatch(text):
        return "Use letters, digits and spaces only (100 characters at most)."
    found = words(text)
    if not found or len(found) > MAX_WORDS:
        return f"Use one word or a short phrase ({MAX_WORDS} words at most)."
    if all(is_stop(w) for w in found):
        return "Use a word that means something: small words like 'the' are left out."
    return None


def add_synonym(words_typed: str, means: str, agent_id: int | None) -> SearchOverride:
    """``words_typed`` now also finds what ``means`` finds (flushed; ValueError if not sane
    or the same words)."""
    for text in (words_typed, means):
        if (why := word_problems(text)) is not None:
            raise ValueError(why)
    if " ".join(words(words_typed)) == " ".join(words(means)):
        raise ValueError("The words and what they mean are the same.")
    row = SearchOverride(kind=OverrideKind.SYNONYM, words=words_typed.strip().lower(),
                         means=means.strip().lower(), created_by_id=agent_id)
    db.session.add(row)
    db.session.flush()
    return row


def add_pin(key: str, article_id: int, agent_id: int | None) -> SearchOverride:
    """Searches grouped as ``key`` (normalised words) show ``article_id`` first (flushed)."""
    row = SearchOverride(kind=OverrideKind.PIN, words=key[:200], article_id=article_id,
                         created_by_id=agent_id)
    db.session.add(row)
    db.session.flush()
    return row


def remove(override_id: int, agent_id: int | None) -> SearchOverride | None:
    row = db.session.get(SearchOverride, override_id)
    if row is None or row.removed_at is not None:
        return None
    row.removed_at = utcnow()
    row.removed_by_id = agent_id
    db.session.flush()
    return row


def check(library: Library) -> tuple[list[str], list[Problem]]:
    """For `flask kb check`: a line for each override in force, and its problems (a pin to
    an article that is gone or not public; words that are not sane). An unreachable or
    unmigrated database is one warning, not a failure: the files are what is checked."""
    lines: list[str] = []
    problems: list[Problem] = []
    try:
        rows = active()
    except SQLAlchemyError as exc:
        rollback()
        problems.append(Problem.at("database", 1, "search overrides not checked: the database "
                                   f"cannot be read ({exc.__class__.__name__}); run "
                                   "`flask db upgrade`", level="warning"))
        return lines, problems
    for o in rows:
        where = f"database:search_override#{o.id}"
        if o.kind == OverrideKind.PIN:
            art = library.articles.get(o.article_id or 0)
            lines.append(f"pin #{o.id}: searches for '{o.words}' show KB-{o.article_id} first")
            if art is None:
                problems.append(Problem.at(where, 1, f"pinned article KB-{o.article_id} does "
                                                     "not exist"))
            elif not art.is_public:
                problems.append(Problem.at(where, 1, f"pinned article KB-{o.article_id} is "
                                                     "internal: the public would never see it"))
            if not o.words.strip():
                problems.append(Problem.at(where, 1, "a pin needs the words it is for"))
            continue
        lines.append(f"synonym #{o.id}: '{o.words}' also finds '{o.means}'")
        for text in (o.words, o.means or ""):
            if (why := word_problems(text)) is not None:
                problems.append(Problem.at(where, 1, f"'{text}': {why}"))
    return lines, problems
