"""The Article value: one Markdown file with front matter, as the rest of the app sees it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from kb.core.content.platforms import TAB_LINE

AUDIENCES = ("public", "internal")
Rendered = tuple[str, list[dict[str, str]], str]  # body HTML, table of contents, notes HTML

_MD_NOISE = re.compile(
    r"(`{3}.*?`{3})|(!?\[([^\]]*)\]\([^)]*\))|[#>*_`|~]|^\s*[-+]\s|^\s*\d+\.\s"
    r"|^!!!.*$|^\?\?\?.*$",
    re.S | re.M,
)
_TAB = re.compile(r'^\s*===\+?\s+"([^"]*)"\s*$', re.M)  # a platform tab: keep its name
_WORD = re.compile(r"[^\W_][\w'-]*")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


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


def _tabs_once(markdown_text: str) -> str:
    """A set of platform tabs counts once for search: the first tab in full, then from the
    others only the names of what they show (the capitalised words in **bold**) that the
    text lacks, each once. Four copies of nearly the same steps would otherwise weigh four
    times, and their everyday words ("turn", "connect", "restart") pull unrelated requests to
    this article."""
    keep: list[str] = []
    extra: list[str] = []
    in_set, first = False, False
    for line in markdown_text.splitlines():
        m = TAB_LINE.match(line)
        if m and not m.group("indent"):
            first = not in_set or bool(m.group("plus"))
            in_set = True
            keep.append(m.group("name"))
            continue
        if in_set and (not line.strip() or line.startswith(("    ", "\t"))):
            (keep if first else extra).append(line[4:] if line.startswith("    ") else line[1:])
            continue
        in_set = False
        keep.append(line)
    if not extra:
        return markdown_text
    text = "\n".join(keep)
    seen = {w.lower() for w in _WORD.findall(_plain(text))}
    added: dict[str, str] = {}
    for word in _WORD.findall(" ".join(_BOLD.findall("\n".join(extra)))):
        if word[0].isupper() and word.lower() not in seen:
            added.setdefault(word.lower(), word)
    return text + "\n\n" + " ".join(added.values())


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
    lang: str = "en"  # the language it is written in (articles/<lang>/ for the others)
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
        """Body as plain words, for the index (platform tabs counted once)."""
        return _plain(_tabs_once(self.body))

    @property
    def review_due(self) -> date | None:
        if self.reviewed is None:
            return None
        return self.reviewed + timedelta(days=self.review_every)

    def overdue(self, today: date | None = None) -> bool:
        due = self.review_due
        return due is not None and due < (today or date.today())
