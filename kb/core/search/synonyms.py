"""Synonym groups from articles/_synonyms.yml: people describe one problem in many words."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

from kb.core import yamlsafe
from kb.core.search.schema import words

log = logging.getLogger(__name__)

Phrase = tuple[str, ...]  # lower-cased words of one way to say a thing


class Synonyms:
    """Finds group members (single words or phrases) in a query's words, longest match first.

    Keys compare stemmed words, so "spinning wheels" still matches the member "spinning wheel".
    """

    def __init__(self, groups: Iterable[Iterable[str]], stem: Callable[[str], str]):
        self._stem = stem
        self.groups: list[list[Phrase]] = []
        self._index: dict[Phrase, int] = {}
        self.longest = 0
        for raw in groups:
            members: list[Phrase] = []
            for text in raw:
                phrase = tuple(words(str(text)))
                if phrase and phrase not in members:
                    members.append(phrase)
            if len(members) < 2:
                continue
            number = len(self.groups)
            self.groups.append(members)
            for phrase in members:
                self._index.setdefault(self._key(phrase), number)
                self.longest = max(self.longest, len(phrase))

    def _key(self, phrase: Phrase) -> Phrase:
        return tuple(self._stem(w) for w in phrase)

    def __len__(self) -> int:
        return len(self.groups)

    def expand(self, query_words: list[str]) -> list[list[Phrase]]:
        """Each query word (or matched phrase) becomes a concept: the list of its alternatives."""
        concepts: list[list[Phrase]] = []
        i = 0
        while i < len(query_words):
            for size in range(min(self.longest, len(query_words) - i), 0, -1):
                span = tuple(query_words[i:i + size])
                number = self._index.get(self._key(span))
                if number is not None:
                    members = self.groups[number]
                    concepts.append([span, *(m for m in members if m != span)])
                    i += size
                    break
            else:
                concepts.append([(query_words[i],)])
                i += 1
        return concepts


def load_synonyms(path: Path | str | None, stem: Callable[[str], str]) -> Synonyms:
    """Read the YAML list of groups; a missing or broken file means no synonyms (and a warning)."""
    groups: list[list[str]] = []
    if path is not None:
        try:
            data = yamlsafe.load(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = None
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            log.warning("synonyms file %s ignored: %s", path, exc)
            data = None
        for item in data if isinstance(data, list) else []:
            if isinstance(item, list):
                groups.append([str(x) for x in item if isinstance(x, str | int | float)])
    return Synonyms(groups, stem)
