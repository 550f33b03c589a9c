"""A search's words as the analysis groups them: "Printers ofline!" and "printer offline"
are one group. The same analyser as the index (words, small words dropped, Porter stems),
misspellings folded to the speller's correction, the stems sorted so word order does not
split a group. Stored with each search (kb.core.searchlog) and grouped on by kb/insights."""

from __future__ import annotations

from collections.abc import Callable

from kb.core.search.request import is_stop, is_stop_typo, without_ids
from kb.core.search.schema import word_keys, words
from kb.core.search.spelling import Speller, is_word

MAX_NORMALISED = 200  # the column's size


def normalise(text: str, known: Callable[[str], bool] | None = None,
              speller: Speller | None = None) -> str:
    """Sorted distinct stems of the content words; a non-word no article uses becomes the
    speller's closest index word ("ofline" → "offlin"), when a speller is given."""
    stems: set[str] = set()
    for word in words(without_ids(text)):
        if is_stop(word):
            continue
        if speller is not None and known is not None:
            if not known(word):  # a word no article uses: a misspelling, or a small word's
                fixed = speller.candidates(word, limit=1)
                if fixed:
                    word = fixed[0]
                elif is_stop_typo(word):  # "plese", "becuase": as little meaning as "please"
                    continue
        elif not is_word(word) and is_stop_typo(word):
            continue
        keys = word_keys(word)
        if keys:
            stems.add(keys[0])
    out = ""
    for stem in sorted(stems):  # whole stems only, never half a word at the cut
        if len(out) + len(stem) + 1 > MAX_NORMALISED:
            break
        out = f"{out} {stem}" if out else stem
    return out


# Words a ticket summary uses around the problem rather than for it: "Scanner makes a
# grinding noise" and "Grinding noise from the scanner" are the same problem.
FILLER = ("make makes made making say says said saying keep keeps kept keeping get gets got "
          "getting stop stops stopped stopping work works worked working again still anymore "
          "suddenly today now morning yesterday since issue issues problem problems help need "
          "needs please urgent asap thing things something anything really always never won "
          "wont dont doesnt cant cannot isnt")


def _filler() -> frozenset[str]:
    return frozenset(k[0] for w in FILLER.split() if (k := word_keys(w)))


_FILLER_STEMS: frozenset[str] | None = None


def cluster_key(normalised: str) -> str:
    """A normalised text without the words people put around a problem: the words tickets
    about the same problem share (the content worklist's ticket clusters)."""
    global _FILLER_STEMS
    if _FILLER_STEMS is None:
        _FILLER_STEMS = _filler()
    return " ".join(s for s in normalised.split() if s not in _FILLER_STEMS)
