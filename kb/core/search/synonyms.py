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


def read_groups(path: Path | str | None) -> list[list[str]]:
    """The YAML list of groups as text; a missing or broken file means none (and a warning)."""
    groups: list[list[str]] = []
    if path is None:
        return groups
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
    return groups


def merge_groups(base: Iterable[Iterable[str]],
                 extra: Iterable[Iterable[str]]) -> list[list[str]]:
    """``base`` with each ``extra`` group joined to the first group sharing a member (in any
    case), else added: a synonym made from the worklist ("flurbo" = "outlook") widens the
    file's Outlook group instead of starting a rival one."""
    out = [list(g) for g in base]
    for group in extra:
        members = [str(m) for m in group]
        lowered = {" ".join(words(m)) for m in members}
        home = next((g for g in out if lowered & {" ".join(words(m)) for m in g}), None)
        if home is None:
            out.append(members)
        else:
            home.extend(m for m in members if " ".join(words(m)) not in
                        {" ".join(words(x)) for x in home})
    return out


def load_synonyms(path: Path | str | None, stem: Callable[[str], str]) -> Synonyms:
    """Read the YAML list of groups; a missing or broken file means no synonyms (and a warning)."""
    return Synonyms(read_groups(path), stem)


class Vocabulary:
    """The synonyms a searcher uses: the file's groups with those made from the worklist
    merged in, and the pins (normalised words -> articles shown first). ``version`` is the
    stamp of the overrides last given (kb.core.search_overrides compares it)."""

    def __init__(self, path: Path | str | None, stem: Callable[[str], str]):
        self.path, self._stem = path, stem
        self._file: list[list[str]] | None = None
        self._extra: list[list[str]] = []
        self._synonyms: Synonyms | None = None
        self.pins: dict[str, tuple[int, ...]] = {}
        self.version: object = None

    @property
    def synonyms(self) -> Synonyms:
        if self._synonyms is None:
            if self._file is None:
                self._file = read_groups(self.path)
            self._synonyms = Synonyms(merge_groups(self._file, self._extra), self._stem)
        return self._synonyms

    def use(self, version: object, groups: list[list[str]],
            pins: dict[str, tuple[int, ...]]) -> bool:
        """Take these overrides; False when ``version`` is the one already in use."""
        if version == self.version:
            return False
        self._extra = [list(g) for g in groups]
        self.pins, self._synonyms, self.version = dict(pins), None, version
        return True
