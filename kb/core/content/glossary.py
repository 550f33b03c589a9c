"""Glossary: the first use of a term in an article gets its plain meaning beside it, as
visible text (works without JavaScript, is read by screen readers and printed)."""

from __future__ import annotations

import html as html_mod
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.core import yamlsafe
from kb.core.content.facts import Facts
from kb.core.content.problems import Problem

# Text inside these is left alone: headings, links, code, and our own markup.
_SKIP = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "dfn", "summary", "kbd"}
_TAG = re.compile(r"(<[^>]+>)")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z0-9]+)")


@dataclass(frozen=True)
class Term:
    term: str
    meaning: str

    @property
    def is_acronym(self) -> bool:
        return sum(c.isupper() for c in self.term) >= 2


class Glossary:
    def __init__(self, terms: list[Term] | None = None) -> None:
        self.terms = {t.term: t for t in terms or []}
        self._lower = {t.term.lower(): t for t in terms or [] if not t.is_acronym}
        names = sorted(self.terms, key=len, reverse=True)
        # Acronyms match exactly (IT is not "it"); plain words match in any case.
        self._pattern = (
            re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])", re.I)
            if names else None
        )

    def lookup(self, word: str) -> Term | None:
        return self.terms.get(word) or self._lower.get(word.lower())

    def __contains__(self, word: str) -> bool:
        return self.lookup(word) is not None

    def mark_first_uses(self, html: str) -> str:
        """Wrap the first use of each term in <dfn> with its meaning in brackets."""
        if self._pattern is None:
            return html
        seen: set[str] = set()
        depth = 0
        out: list[str] = []
        for part in _TAG.split(html):
            if part.startswith("<"):
                m = _TAG_NAME.match(part)
                if m and m.group(1).lower() in _SKIP and not part.endswith("/>"):
                    depth += -1 if part.startswith("</") else 1
                out.append(part)
                continue
            if depth > 0 or not part:
                out.append(part)
                continue
            out.append(self._pattern.sub(lambda m: self._mark(m, seen), part))
        return "".join(out)

    def _mark(self, m: re.Match[str], seen: set[str]) -> str:
        word = m.group(1)
        term = self.lookup(word)
        if term is None or (term.is_acronym and word != term.term) or term.term in seen:
            return word
        seen.add(term.term)
        meaning = html_mod.escape(term.meaning)
        return (f'<dfn class="gloss">{word}<span class="gloss-meaning"> ({meaning})</span></dfn>')


def load_glossary(path: Path, facts: Facts | None = None) -> tuple[Glossary, list[Problem]]:
    """The terms of ``_glossary.yml``; a term can be a fact (``"{{ facts.vpn.name }}"``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yamlsafe.load(text) or []
    except FileNotFoundError:
        return Glossary(), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        return Glossary(), [Problem.at(path, mark.line + 1 if mark else 1,
                                       f"not valid YAML: {exc.problem}",
                                       mark.column + 1 if mark else 1)]
    terms: list[Term] = []
    problems = facts.problems(path, text) if facts is not None else []
    fill = facts.fill if facts is not None else str
    for i, item in enumerate(data if isinstance(data, list) else []):
        if isinstance(item, dict) and item.get("term") and item.get("meaning"):
            terms.append(Term(fill(str(item["term"])), fill(str(item["meaning"]).strip())))
        else:
            problems.append(Problem.at(path, 1, f"entry {i + 1} needs 'term' and 'meaning'"))
    return Glossary(terms), problems
