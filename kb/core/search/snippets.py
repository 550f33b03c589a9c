"""Snippets: the best short passage of a hit's stored text with matched words in <mark>.

Whoosh's own highlighter re-runs the full analyzer over every hit's text and costs about a
millisecond per hit; this one only looks words up in a cached word-to-terms table, which is
several times cheaper and gives the same matches (same tokenizer, same stemmer).
"""

from __future__ import annotations

from html import escape

from kb.core.search.schema import WORD_RE, word_keys

WIDTH = 200  # characters of text in a snippet
LEAD = 40  # context shown before the first matched word
CHUNK = 1500  # characters of text looked at before checking whether every term was seen


def snippet(text: str, terms: frozenset[str], *, width: int = WIDTH) -> str | None:
    """Safe HTML for the window of ``text`` holding the most distinct matched terms, or None."""
    if not text or not terms:
        return None
    found = matches(text, terms)
    if not found:
        return None
    start_i = _best_window(found, width - LEAD)
    first = found[start_i][0]
    start = 0 if first <= LEAD else min(first, _word_start(text, first - LEAD))
    end = _word_end(text, max(start + width, found[start_i][1]))
    out = ["…" if start > 0 else ""]
    pos = start
    for s, e, _key in found:
        if s < start:
            continue
        if e > end:
            break
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out).strip()


def matches(text: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of each word of ``text`` that the index would file under a term.

    Only words starting like a term's stem are looked at (found with str.find, in C); stemming
    changes no more than a word's last three letters. Long texts are read a chunk at a time,
    stopping once every term has been seen.
    """
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two: offsets would shift
        low = "".join(ch.lower()[:1] or ch for ch in text)
    prefixes = {t[:max(3, len(t) - 3)] for t in terms}
    found: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    lo = 0
    while lo < len(low) and len(seen) < len(terms):
        hi = low.find(" ", lo + CHUNK)
        hi = len(low) if hi == -1 else hi
        for start, end, key in _scan(text, low, terms, prefixes, lo, hi):
            if not found or start >= found[-1][1]:
                found.append((start, end, key))
                seen.add(key)
        lo = hi
    return found


def _scan(text: str, low: str, terms: frozenset[str], prefixes: set[str], lo: int,
          hi: int) -> list[tuple[int, int, str]]:
    starts: set[int] = set()
    for prefix in prefixes:
        i = low.find(prefix, lo, hi)
        while i != -1:
            if i == 0 or not (low[i - 1].isalnum() or low[i - 1] == "_"):
                starts.add(i)
            i = low.find(prefix, i + 1, hi)
    for joiner in ".'’-":  # "Wi-Fi" is filed as "wifi": look at joined words too
        j = low.find(joiner, max(lo, 1), hi)
        while 0 < j < len(low) - 1:
            if low[j + 1].isalnum() and low[j - 1].isalnum():
                k = j - 1
                while k > 0 and (low[k - 1].isalnum() or low[k - 1] in "_.'’-"):
                    k -= 1
                starts.add(k)
            j = low.find(joiner, j + 1, hi)
    found: list[tuple[int, int, str]] = []
    last = 0
    for i in sorted(starts):
        if i < last or (i >= 2 and low[i - 1] in ".'’-" and low[i - 2].isalnum()):
            continue  # inside a word already looked at, or the second half of "wi-fi"
        word = WORD_RE.match(text, i)
        if word is None:
            continue
        last = word.end()
        for key in word_keys(low[i:last]):
            if key in terms:
                found.append((i, last, key))
                break
    return found


def _best_window(matches: list[tuple[int, int, str]], span: int) -> int:
    """Index of the match starting the window with the most distinct, then most, matches."""
    best, best_score, j = 0, (0, 0), 0
    for i in range(len(matches)):
        limit = matches[i][0] + span
        j = max(j, i)
        while j + 1 < len(matches) and matches[j + 1][1] <= limit:
            j += 1
        window = matches[i:j + 1]
        score = (len({k for _s, _e, k in window}), len(window))
        if score > best_score:
            best, best_score = i, score
    return best


def _word_start(text: str, pos: int) -> int:
    """First word start at or after ``pos`` (so a snippet never opens mid-word)."""
    space = text.find(" ", pos)
    return pos if space == -1 else space + 1


def _word_end(text: str, pos: int) -> int:
    """Last word end at or before ``pos``."""
    if pos >= len(text):
        return len(text)
    space = text.rfind(" ", 0, pos)
    return pos if space == -1 else space
