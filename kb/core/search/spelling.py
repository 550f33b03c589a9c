"""Correct only what is misspelt.

A word found in the English dictionary that ships with symspellpy (82,765 words with their
frequencies in a large English corpus) is a real word: it is never "corrected" into a word of
the index, however close ("unable" is not "untile"). Only non-words are corrected, to words the
articles really use, found with SymSpell's symmetric-delete lookup over the index's own words.

The same frequencies say how ordinary a word is in English, which the ranking uses to weigh a
request's words: "toner" tells more about a problem than "computer".
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from math import log10

from symspellpy import SymSpell, Verbosity

DICTIONARY = "frequency_dictionary_en_82_765.txt"
THE = 23_135_851_162  # the count of "the", the most frequent word in the dictionary
UNKNOWN_RARITY = 5.5  # a word not in the dictionary: rarer than its rarest (300,000 uses)
MIN_LENGTH = 4  # shorter words are too ambiguous to correct ("wfi" could be many things)


@lru_cache(maxsize=1)
def english() -> dict[str, int]:
    """Word -> count, read once per process (about 40 ms)."""
    out: dict[str, int] = {}
    text = resources.files("symspellpy").joinpath(DICTIONARY).read_text(encoding="utf-8")
    for line in text.splitlines():
        word, _, count = line.partition(" ")
        if count.isdigit():
            out[word] = int(count)
    return out


def is_word(word: str) -> bool:
    """A real English word, or something that is not a typo of one (a code, a number)."""
    plain = word.replace("'", "").replace("’", "")
    if not plain.isalpha() or len(plain) < MIN_LENGTH:
        return True
    return plain in english()


def rarity(word: str) -> float:
    """0 for "the", about 2.5 for "printer", 3.3 for "toner", UNKNOWN_RARITY when unknown."""
    count = english().get(word.replace("’", "'")) or english().get(word.replace("'", ""))
    if not count:
        return UNKNOWN_RARITY
    return log10(THE / count)


def max_distance(word: str) -> int:
    """Edits allowed: one for short words, two from six letters up."""
    return 1 if len(word) < 6 else 2


class Speller:
    """Close words of one index generation (built on first need, then kept with the searcher)."""

    def __init__(self, vocabulary: dict[str, int], sym: SymSpell | None = None):
        self.counts = vocabulary
        if sym is None:
            sym = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
            for word, count in vocabulary.items():
                sym.create_dictionary_entry(word, count)
        self._sym = sym

    def among(self, vocabulary: dict[str, int]) -> Speller:
        """The same corrections limited to these words (a subset), ranked by their counts:
        what a speller of those words alone suggests, without a second structure in memory."""
        return Speller(vocabulary, self._sym)

    def candidates(self, word: str, limit: int = 3) -> list[str]:
        """Index words within the allowed edits of a non-word, closest and most used first."""
        if is_word(word):
            return []
        found = self._sym.lookup(word, Verbosity.ALL, max_edit_distance=max_distance(word))
        counts = self.counts
        ranked = sorted((s for s in found if s.term in counts),
                        key=lambda s: (s.distance, -counts[s.term], s.term))
        return [s.term for s in ranked if s.term != word][:limit]
