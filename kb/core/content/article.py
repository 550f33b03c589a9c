"""The Article value: one Markdown file with front matter, as the rest of the app sees it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

AUDIENCES = ("public", "internal")

_MD_NOISE = re.compile(
    r"(`{3}.*?`{3})|(!?\[([^\]]*)\]\([^)]*\))|[#>*_`|~]|^\s*[-+]\s|^\s*\d+\.\s"
    r"|^!!!.*$|^\?\?\?.*$",
    re.S | re.M,
)
_TAB = re.compile(r'^\s*===\+?\s+"([^"]*)"\s*$', re.M)  # a platform tab: keep its name


def _plain(markdown_text: str) -> str:
    """Markdown to plain words, for the index and readability scores (no HTML rendering)."""

    def keep(m: re.Match[str]) -> str:
        if m.group(1):
            return " "
        if m.group(2):
            return m.group(3) or ""
        return " "

    text = _TAB.sub(r"\1", markdown_text)
    return re.sub(r"[ \t]+", " ", _MD_NOISE.sub(keep, text)).strip()


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
    html: str = field(default="", repr=False)  # safe HTML, filled by the renderer
    notes_html: str = field(default="", repr=False)
    toc: list[dict[str, str]] = field(default_factory=list, repr=False)

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
