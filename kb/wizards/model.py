"""The wizard as the rest of the app sees it: plain dataclasses built from a checked file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

NODE_TYPES = ("open", "choice", "step", "article", "resolved", "handoff", "goto")
TERMINAL_TYPES = ("resolved", "handoff", "goto")
QUESTION_TYPES = ("open", "choice", "step", "article")


@dataclass
class Option:
    label: str
    next: str
    says: str = ""  # the answer as a plain sentence, for "Here's what we understood"
    sets: dict[str, str] = field(default_factory=dict)  # impact / urgency / category
    words: tuple[str, ...] = ()  # the open answer saying any of these answers the question

    @property
    def not_sure(self) -> bool:
        return is_not_sure(self.label)


@dataclass
class Route:
    words: tuple[str, ...]
    next: str


@dataclass
class Node:
    id: str
    type: str
    text: str = ""
    title: str = ""
    hint: str = ""
    check: str = ""  # "How do I check?" help for a choice
    kind: str = ""  # step: workaround | fix
    options: list[Option] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    next: str = ""
    yes: str = ""
    no: str = ""
    article: int | None = None
    category: str = ""
    impact: str = ""
    urgency: str = ""
    wizard: str = ""
    show_articles: bool = False
    line: int = 1
    incomplete: bool = False  # a link is missing (already reported)

    def targets(self) -> list[str]:
        """Node ids this node can lead to."""
        out = [o.next for o in self.options] + [r.next for r in self.routes]
        out += [t for t in (self.next, self.yes, self.no) if t]
        return out


@dataclass
class Wizard:
    id: str
    title: str = ""
    summary: str = ""
    category: str = ""
    keywords: tuple[str, ...] = ()
    related: tuple[int, ...] = ()
    nodes: dict[str, Node] = field(default_factory=dict)
    path: Path | None = None
    version: str = ""  # a short digest of the file: wizard events carry it (kb/insights)
    errors: list[str] = field(default_factory=list)  # plain reasons it cannot run

    @property
    def available(self) -> bool:
        return not self.errors and bool(self.nodes)

    @property
    def start(self) -> str:
        return next(iter(self.nodes))

    def question_number(self, path: list[str], node_id: str) -> int:
        """1-based position of ``node_id`` among the questions asked so far."""
        asked = [n for n in path if n in self.nodes and self.nodes[n].type in QUESTION_TYPES]
        return asked.index(node_id) + 1 if node_id in asked else len(asked) + 1


def is_not_sure(label: str) -> bool:
    lowered = label.lower().replace("’", "'")
    # English, and French for wizards/fr/ ("Je ne sais pas", "Pas sûr").
    return any(words in lowered for words in ("not sure", "don't know", "ne sais pas",
                                              "pas sûr"))
