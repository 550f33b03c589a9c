"""Fast reads of one index segment's posting lists and field lengths.

Going through Whoosh's generic matchers costs a Python call or three per posting, which is
what makes OR queries over common words slow. For the W3 codec (the only one Whoosh 2.7 writes)
this module reads whole posting blocks at once and bisects inside a block when probing. It
relies on W3LeafMatcher internals of whoosh-reloaded 2.7.5 (pinned in pyproject.toml); any other
matcher type takes the slower public API, so results are the same either way.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate, repeat
from typing import Any

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, TermNotFound
from whoosh.util.numeric import byte_to_length

_W3_FIELDS = ("_ids", "_weights", "_data", "_byteids", "_i", "_blocklength", "_maxid",
              "_read_data", "_read_weights", "_next_block")
_LENGTHS = [byte_to_length(b) for b in range(256)]


class SegmentPostings:
    """Bulk and probing access to one segment's postings; docnums are global (offset added)."""

    def __init__(self, reader: IndexReader, offset: int):
        self.reader = reader
        self.offset = offset
        self.size = reader.doc_count_all()
        deleted = getattr(reader, "deleted_docs_set", None)
        self.deleted: frozenset[int] = frozenset(deleted) if deleted else frozenset()

    def _matcher(self, field: str, text: str) -> Matcher | None:
        try:
            m = self.reader.postings(field, text)
        except TermNotFound:
            return None
        if isinstance(m, FilterMatcher):  # deletions: filtered by self.deleted instead
            m = m.child
        return m

    def read(self, field: str, text: str, ids: array, tfs: array) -> None:
        """Append every (docnum, term frequency) of the term to ``ids`` and ``tfs``."""
        m = self._matcher(field, text)
        if m is None:
            return
        start = len(ids)
        if _is_w3(m):
            w3: Any = m
            while w3.is_active():
                if w3._ids is None and not w3._byteids:
                    if w3._data is None:
                        w3._read_data()
                    ids.extend(accumulate(w3._data[0]))
                else:
                    ids.extend(_block_ids(w3))
                weights = w3._data[1]
                if weights is None or isinstance(weights, float):
                    tfs.extend(repeat(weights or 1.0, w3._blocklength))
                else:
                    tfs.extend(weights)
                w3._next_block()
        else:
            while m.is_active():
                ids.append(m.id())
                tfs.append(m.weight())
                m.next()
        offset, deleted = self.offset, self.deleted
        if deleted:
            kept = [(d, w) for d, w in zip(ids[start:], tfs[start:], strict=True)
                    if d not in deleted]
            del ids[start:], tfs[start:]
            ids.extend(d + offset for d, _w in kept)
            tfs.extend(w for _d, w in kept)
        elif offset:
            ids[start:] = array("i", (d + offset for d in ids[start:]))

    def probe(self, field: str, text: str, docs: Sequence[int]) -> dict[int, float]:
        """Term frequency of the term in each of ``docs`` (sorted, global) that contains it."""
        found: dict[int, float] = {}
        m = self._matcher(field, text)
        if m is None:
            return found
        offset, deleted = self.offset, self.deleted
        local = [d - offset for d in docs if 0 <= d - offset < self.size and
                 d - offset not in deleted]
        if _is_w3(m):
            w3: Any = m
            for d in local:
                if d > w3._maxid:
                    while w3.is_active() and d > w3._maxid:
                        w3._next_block()
                if not w3.is_active():
                    break
                i = bisect_left(_block_ids(w3), d, w3._i)
                w3._i = i
                if i < w3._blocklength and w3._ids[i] == d:
                    if w3._weights is None:
                        w3._read_weights()
                    found[d + offset] = w3._weights[i]
        else:
            for d in local:
                if not m.is_active():
                    break
                m.skip_to(d)
                if m.is_active() and m.id() == d:
                    found[d + offset] = m.weight()
        return found

    def lengths(self, field: str) -> list[int]:
        """Length (in terms) of ``field`` in every document of the segment, as scoring sees it."""
        raw = _raw_lengths(self.reader, field, self.size)
        if raw is not None:
            table = _LENGTHS
            return [table[b] for b in raw]
        length = self.reader.doc_field_length
        return [length(d, field, 0) for d in range(self.size)]


def _block_ids(w3: Any) -> Sequence[int]:
    """The current block's docnums, decoded with itertools (Whoosh decodes in a Python loop)."""
    if w3._ids is None:
        if w3._data is None:
            w3._read_data()
        raw = w3._data[0]
        w3._ids = raw if w3._byteids else list(accumulate(raw))
    return w3._ids


def _is_w3(m: Matcher) -> bool:
    return type(m) is W3LeafMatcher and all(hasattr(m, name) for name in _W3_FIELDS)


def _raw_lengths(reader: IndexReader, field: str, size: int) -> bytes | None:
    """The W3 length column's bytes in one read (None when the layout is not the expected one)."""
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        column: Any = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        if column is None:
            return bytes(size)
        count = min(column._count, size)
        data = bytes(column._dbfile.get(column._basepos, count))
        return data + bytes(size - count)
    except (AttributeError, TypeError, ImportError):
        return None
