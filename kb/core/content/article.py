"""The Article value: one Markdown file with front matter, as the rest of the app sees it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

AUDIENCES = ("public", "internal")
Rendered = tuple[str, list[dict[str, str]], str]  # body HTML, table of contents, notes HTML

_MD_NOISE = re.compile(
    r"(`{3}.*?`{3})|(!?\[([^\]]*)\]\([^)]*\))|[#>*_`|~]|^\s*[-+]\s|^\s*\d+\.\s"
    r"|^!!!.*$|^\?\?\?.*$",
    re.S | re.M,
)


def _plain(markdown_text: str) -> str:
    """Markdown to plain words, for the index and readability scores (no HTML rendering)."""

    def keep(m: re.Match[str]) -> str:
        if m.group(1):
            return " "
        if m.group(2):
            return m.group(3) or ""
        return " "

    return re.sub(r"[ \t]+", " ", _MD_NOISE.sub(keep, markdown_text)).strip()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "article"


@dataclass
class Article:
    id: int
    title: str
    summary: str
    category: str
    body: str  # Markdown source, front matter removed
    tags: tuple[str, ...] = ()
    audience: str = "public"
    owner: str = ""
    reviewed: date | None = None
    review_every: int = 365
    internal_notes: str = ""  # Markdown shown to agents only
    path: Path | None = None
    digest: str = ""  # hash of the file's bytes: what the index compares to skip unchanged files
    body_line: int = 1  # line of the file where the body starts, for lint messages
    # Renders (safe HTML, table of contents, notes HTML) on first use, not at load: a process
    # that never shows an article (a `flask` command, a worker before its first view) never
    # pays for Markdown. Set by the library (kb.core.content.library).
    renderer: Callable[[Article], Rendered] | None = field(default=None, repr=False,
                                                            compare=False)
    _rendered: Rendered | None = field(default=None, repr=False, compare=False)

    def _output(self) -> Rendered:
        if self._rendered is None:
            self._rendered = self.renderer(self) if self.renderer else ("", [], "")
        return self._rendered

    @property
    def html(self) -> str:
        """The body as safe HTML."""
        return self._output()[0]

    @property
    def toc(self) -> list[dict[str, str]]:
        return self._output()[1]

    @property
    def notes_html(self) -> str:
        return self._output()[2]

    @property
    def kb_id(self) -> str:
        return f"KB-{self.id}"

    @property
    def is_public(self) -> bool:
        return self.audience == "public"

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def text(self) -> str:
        """Body as plain words (for indexing and reading-grade checks)."""
        return _plain(self.body)

    @property
    def review_due(self) -> date | None:
        if self.reviewed is None:
            return None
        return self.reviewed + timedelta(days=self.review_every)

    def overdue(self, today: date | None = None) -> bool:
        due = self.review_due
        return due is not None and due < (today or date.today())
