"""What a request says, as concepts to match: its content words and synonym groups, each with
the leaves (a stem in one field) that match it and a weight for how much it tells.

A word weighs by how rare it is in English and in the articles. Names, codes and small words
weigh little or nothing; the word naming what fails weighs double; a negation ("won't",
"isn't") is one more concept that only helps ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import log

from whoosh import query as wq
from whoosh.reading import IndexReader

from kb.core.search.ranking import Concept, QueryLeaf, TermLeaf
from kb.core.search.request import Hints, is_stop, is_stop_typo
from kb.core.search.schema import FIELD_BOOSTS, NEGATION, NEGATORS, word_keys
from kb.core.search.spelling import UNKNOWN_RARITY, english, rarity
from kb.core.search.synonyms import Phrase, Synonyms

MAX_WORDS = 32  # content words counted (small words never count: see request.is_stop)
PHRASE_FIELDS = ("title", "summary", "tags")  # fields with positions
STRONG_FIELDS = frozenset(PHRASE_FIELDS)  # a match here says the article is about the word
UNKNOWN_WEIGHT = 1.0  # weight of a word that is neither English nor in any article
OTHER_TOPIC = 1.6  # an English word no article uses weighs this times its rarity
IDF_FLOOR = 0.4  # a word in every article still weighs this share of its English rarity
RARITY_POWER = 0.6  # English rarity counts flattened: "new" and "order" still tell something
TYPICAL = 2.5 ** RARITY_POWER  # the weight of a typical telling word ("printer", rarity 2.5)
UNKNOWN_TOPIC = OTHER_TOPIC * UNKNOWN_RARITY  # what fails, when no article knows it
FOCUS = 2.0  # a word naming what fails ("the badge does not work") weighs this much more
FAILS = 1.0  # weight of "it does not work" (a negation), matched in titles, summaries and tags
NO_HINTS = Hints()


@dataclass
class Part:
    """One concept of the request: its leaves by field group, for the words as typed and
    for their synonyms, and how much the concept weighs."""

    strong: Concept
    body: Concept
    weight: float
    terms: set[str]
    strong_syn: Concept = field(default_factory=list)
    body_syn: Concept = field(default_factory=list)
    content: bool = True  # counts toward coverage (a negation only helps ranking)
    known: bool = True  # some article uses one of its words

    @property
    def leaves(self) -> Concept:
        return self.strong + self.body + self.strong_syn + self.body_syn


class Concepts:
    """Turns a request's words into weighted concepts for one index generation."""

    def __init__(self, reader: IndexReader, synonyms: Synonyms):
        self.reader = reader
        self.synonyms = synonyms
        self._weights: dict[str, float] = {}
        self._known: dict[str, bool] = {}

    def known(self, word: str) -> bool:
        """Some article has the word (small words count as known: they are never corrected).
        Memoised per searcher: a request asks about each of its words several times."""
        got = self._known.get(word)
        if got is None:
            if len(self._known) > 50_000:
                self._known.clear()
            keys = word_keys(word)
            got = self._known[word] = not keys or any(
                self.reader.doc_frequency(name, keys[0]) for name in FIELD_BOOSTS)
        return got

    def parts(self, query_words: list[str], said: Hints = NO_HINTS) -> list[Part]:
        """The request's concepts in order (a word said twice counts twice: people repeat
        what matters), each weighed by its most telling word; a name no article uses weighs
        little."""
        parts: list[Part] = []
        for alternatives in self.synonyms.expand(self.plain(query_words)):
            # Left out: small words, misspelt small words, and codes no article uses (asset
            # tags, ticket numbers, dates: "ATD-2ZYF593-N1", "INC0370982", "9/2/25").
            content = [w for w in alternatives[0] if not is_stop(w) and (self.known(w) or not (
                is_stop_typo(w) or any(ch.isdigit() for ch in w)))]
            if content:
                known = any(self.known(w) for a in alternatives for w in a if not is_stop(w))
                weight = max(UNKNOWN_WEIGHT if w in said.names and not self.known(w)
                             else self.weight(w) for w in content)
                if any(w in said.focus for w in content):
                    # What fails weighs more; when no article knows it, we likely have none
                    # (unless it is a typo or a verb: "recieved error", "getting errors").
                    topic = not known and any(w in said.names or not _typo_or_verb(w)
                                              for w in content)
                    weight = FOCUS * (max(weight, UNKNOWN_TOPIC) if topic else weight)
                parts.append(self.part(alternatives, weight))
                parts[-1].known = known
            if len(parts) >= MAX_WORDS:
                break
        if parts and any(w in NEGATORS for w in query_words):
            # "isn't working", "won't print": the articles about something failing.
            parts.append(Part([TermLeaf(name, NEGATION, FIELD_BOOSTS[name])
                               for name in PHRASE_FIELDS], [], FAILS, set(), content=False))
        return parts

    def plain(self, query_words: list[str]) -> list[str]:
        """Adverbs as their adjective when the articles use it ("slowly" is "slow"); other
        adverbs ("extremely", "incorrectly") say how, not what, and are left out."""
        out = []
        for w in query_words:
            if len(w) > 5 and w.endswith("ly") and not self.known(w):
                base = w[:-3] + "y" if w.endswith("ily") else w[:-2]
                if self.known(base):
                    out.append(base)
                    continue
                if len(base) >= 4 and base in english():
                    continue
            out.append(w)
        return out

    @staticmethod
    def part(alternatives: list[Phrase], weight: float) -> Part:
        """A word or synonym group as leaves: each stem in each text field, boosted per field;
        the words as typed apart from their synonyms (a synonym match counts a little less)."""
        part = Part([], [], weight, set())
        typed: set[str] = set()
        for number, phrase in enumerate(alternatives):
            stems = [keys[0] for w in phrase if (keys := word_keys(w))]
            if number == 0:
                typed = set(stems)
            # A member the request spells out inside its own phrase ("freeze" in "freeze up")
            # is what was typed, not a synonym.
            said = number == 0 or (bool(stems) and set(stems) <= typed)
            strong, body = (part.strong, part.body) if said else \
                (part.strong_syn, part.body_syn)
            part.terms.update(stems)
            if len(stems) == 1:
                for name, boost in FIELD_BOOSTS.items():
                    leaf = TermLeaf(name, stems[0], boost)
                    (strong if name in STRONG_FIELDS else body).append(leaf)
            elif stems:
                strong.extend(QueryLeaf(wq.Phrase(name, stems, boost=FIELD_BOOSTS[name]))
                              for name in PHRASE_FIELDS)
                body.append(QueryLeaf(wq.And([wq.Term("body", s) for s in stems])))
        return part

    def weight(self, word: str) -> float:
        """How much a word tells about the problem (memoised per searcher)."""
        got = self._weights.get(word)
        if got is None:
            if len(self._weights) > 50_000:
                self._weights.clear()
            got = self._weights[word] = self._compute_weight(word)
        return got

    def _compute_weight(self, word: str) -> float:
        """How much a word tells about the problem: rare in English and rare in the articles.

        A word no article uses keeps its full weight, so a request about a stapler is not
        answered by the paper-jam article just because "jammed" matched."""
        keys = word_keys(word)
        raw = max(0.3, rarity(word))
        common = raw ** RARITY_POWER
        df = max((self.reader.doc_frequency(name, keys[0]) for name in FIELD_BOOSTS),
                 default=0) if keys else 0
        if not df:
            # A name or code no article uses ("Pecos", "C8045") tells little; an English
            # word no article uses ("stapler") says the request is about something else.
            return UNKNOWN_WEIGHT if raw >= UNKNOWN_RARITY else common * OTHER_TOPIC
        n = max(2, self.reader.doc_count_all())
        return common * (IDF_FLOOR + (1 - IDF_FLOOR) * log(n / df) / log(n))


def _typo_or_verb(word: str) -> bool:
    """Not an English word (most often a typo), or a verb form ("receiving", "kicked")."""
    return rarity(word) >= UNKNOWN_RARITY or word.endswith(("ing", "ed"))
