"""Known errors where people look: the public search page and wizard steps show the
workaround of a known error whose words match what was typed, and the agent's ticket page
shows the known errors a ticket's words match. Read-only, shared by those areas; kb/problems
records and changes them.

A known error's words are its title and each line of its symptoms (one way people say it a
line), as stems (kb.core.search.normal). A text matches a line when they share two stems (or
the line's one), and those are at least half of the text's or half of the line's: "outlook
keeps asking for my password" matches the line "Outlook asks for the password again"; the
word "password" alone matches nothing. Fetched once per FAIL_SOFT_CACHE_SECONDS and shown
from memory while the database is down, like the outage banners."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from kb.core.search.normal import normalise
from kb.core.services import library
from kb.core.softcache import forget, soft
from kb.extensions import db
from kb.models import KnownError, KnownErrorTicket
from kb.states import KnownErrorStatus

CACHE = "known errors"


@dataclass(frozen=True)
class Known:
    """What the pages show of a known error that is not fixed: plain values, safe to keep
    between requests."""

    id: int
    title: str
    status: str
    article_id: int | None
    lines: tuple[frozenset[str], ...]

    @property
    def reference(self) -> str:
        return f"KE-{self.id}"


@dataclass(frozen=True)
class Notice:
    """The public notice: the known error's title and its public workaround article."""

    id: int
    title: str
    status: str
    article_id: int
    article_title: str


def stems(text: str) -> frozenset[str]:
    return frozenset(normalise(text or "").split())


def symptom_lines(title: str, symptoms: str) -> tuple[frozenset[str], ...]:
    found = [stems(title), *(stems(line) for line in (symptoms or "").splitlines())]
    return tuple(s for s in found if s)


def active() -> list[Known]:
    """Known errors not fixed yet, newest first (soft-cached)."""
    def fetch() -> list[Known]:
        return [Known(k.id, k.title, k.status, k.workaround_article_id,
                      symptom_lines(k.title, k.symptoms))
                for k in db.session.scalars(
                    select(KnownError).where(KnownError.status != KnownErrorStatus.FIXED)
                    .order_by(KnownError.id.desc()))]

    return soft(CACHE, fetch, [])


def changed() -> None:
    """After a change in this request: the next page in this process reads them again."""
    forget(CACHE)


def matches(known: Known, words: frozenset[str]) -> bool:
    for line in known.lines:
        shared = len(words & line)
        if shared >= min(2, len(line)) and (2 * shared >= len(words) or
                                            2 * shared >= len(line)):
            return True
    return False


def matching(text: str) -> list[Known]:
    """Known errors not fixed whose words match ``text``."""
    words = stems(text)
    return [k for k in active() if words and matches(k, words)] if words else []


def public_notices(text: str | None) -> list[Notice]:
    """What the public pages show for ``text``: matching known errors with a public
    workaround article (an internal or missing one is never shown to the public)."""
    out = []
    lib = library()
    for k in matching(text or ""):
        art = lib.get(k.article_id) if k.article_id else None
        if art is not None:
            out.append(Notice(k.id, k.title, k.status, art.id, art.title))
    return out


def linked_to(ticket_id: int) -> list[KnownError]:
    """The known errors a ticket is linked to (any status)."""
    return list(db.session.scalars(
        select(KnownError).join(KnownErrorTicket)
        .where(KnownErrorTicket.ticket_id == ticket_id).order_by(KnownError.id)))
