"""Writing index segments for less CPU, in Whoosh's own W3 format.

Whoosh's SegmentWriter sends every posting through a sorting pool (a tuple per posting, sorted,
spilled to temporary files and merged back) and then through four Python calls per posting,
one of them reading the document's field length back from disk. Half of an index build went
there. This writer keeps each term's postings in arrays as documents are added (they arrive in
document order, so nothing needs sorting but the terms), reads each field's lengths once, and
hands Whoosh's postings writer whole blocks. The files are the same bytes Whoosh would write
(tests/unit/test_search_build.py compares both writers' segments); it relies on internals of
whoosh-reloaded 2.7.5's W3 codec, pinned in pyproject.toml.
"""

from __future__ import annotations

import sys
from array import array
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3TermInfo,
    _lenfield,
)
from whoosh.formats import Frequency
from whoosh.system import pack_int, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.numlists import delta_encode
from whoosh.writing import SegmentWriter

from kb.core.search.schema import FastText

_LENGTHS = [byte_to_length(b) for b in range(256)]


def codec() -> W3Codec:
    """Whoosh's codec with posting blocks left uncompressed: searches read them 2.5x faster
    (no zlib per block) and building is faster too; the index is about 40 % bigger."""
    return W3Codec(compression=0)


class _Postings:
    """One term's postings in document order."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self) -> None:
        self.ids = array("I")
        self.weights = array("d")
        self.values: list[bytes | None] = []


class _Freqs:
    """One term's postings in a field without positions written by FastText: the weight is the
    frequency and the value its 4-byte encoding, so only frequencies are kept."""

    __slots__ = ("ids", "freqs")

    def __init__(self) -> None:
        self.ids = array("I")
        self.freqs = array("I")

    def postings(self) -> _Postings:
        p = _Postings()
        p.ids.extend(self.ids)
        p.weights.extend(map(float, self.freqs))
        p.values = [pack_uint(f) for f in self.freqs]
        return p


class TermPool:
    """Stands in for Whoosh's PostingPool: (field, term) -> postings, nothing written to disk."""

    def __init__(self) -> None:
        self.by_field: dict[str, dict[bytes, Any]] = {}  # _Postings or _Freqs
        self.unsorted: set[tuple[str, bytes]] = set()  # terms whose docnums came out of order

    @property
    def fieldnames(self) -> set[str]:
        return set(self.by_field)

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, btext, docnum, weight, vbytes = item
        terms = self.by_field.setdefault(fieldname, {})
        got = terms.get(btext)
        if got is None:
            got = terms[btext] = _Postings()
        elif type(got) is _Freqs:
            got = terms[btext] = got.postings()
        if docnum <= got.ids[-1]:
            self.unsorted.add((fieldname, btext))
        got.ids.append(docnum)
        got.weights.append(weight)
        got.values.append(vbytes)

    def iter_postings(self) -> Any:
        """Whoosh's order: field, term, document (for code that asks the pool directly)."""
        for fieldname, btext in sorted((f, t) for f, ts in self.by_field.items() for t in ts):
            p = self.by_field[fieldname][btext]
            if type(p) is _Freqs:
                p = p.postings()
            for docnum, weight, vbytes in sorted(zip(p.ids, p.weights, p.values,
                                                     strict=True)):
                yield fieldname, btext, docnum, weight, vbytes

    def cleanup(self) -> None:
        self.by_field.clear()


class FastWriter(SegmentWriter):
    """A SegmentWriter whose new segment's postings are written a block at a time."""

    def __init__(self, ix: Any, **kwargs: Any):
        # Segment files apart, not in one compound file: Whoosh reads a compound file's parts
        # through BytesIO copies, which put the whole postings file in every worker's memory;
        # plain files are read through the page cache that all workers share.
        kwargs.setdefault("compound", False)
        super().__init__(ix, **kwargs)
        self.pool: Any = TermPool()

    def add_document(self, **fields: Any) -> None:
        """Whoosh's add_document for plain fields, with postings put straight in the pool."""
        schema = self.schema
        names = sorted(name for name in fields if not name.startswith("_"))
        if any(name.startswith("_") for name in fields) or any(
                schema[n].separate_spelling() or schema[n].vector for n in names if n in schema):
            super().add_document(**fields)  # boosts, spelling, vectors: Whoosh's own way
            return
        self._check_state()
        self._check_fields(schema, names)
        perdoc, docnum, pool = self.perdocwriter, self.docnum, self.pool
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    terms = pool.by_field.get(name)
                    if terms is None:
                        terms = pool.by_field[name] = {}
                    if type(field) is FastText and type(field.format) is Frequency:
                        counts = field.counts(value)
                        length = sum(counts.values())
                        for tbytes, freq in counts.items():
                            fq = terms.get(tbytes)
                            if fq is None:
                                fq = terms[tbytes] = _Freqs()
                            fq.ids.append(docnum)
                            fq.freqs.append(freq)
                        perdoc.add_field(name, field, value if field.stored else None, length)
                        continue
                    items = list(field.index(value))
                    if field.scorable:
                        length = sum(item[1] for item in items)
                    for tbytes, _freq, weight, vbytes in items:
                        got = terms.get(tbytes)
                        if got is None:
                            got = terms[tbytes] = _Postings()
                        got.ids.append(docnum)
                        got.weights.append(weight)
                        got.values.append(vbytes)
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type,
                                            field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader()
        fw = self.fieldwriter
        pool: TermPool = self.pool
        if not isinstance(fw, W3FieldWriter):  # another codec: Whoosh's own path
            fw.add_postings(self.schema, pdr, pool.iter_postings())
        else:
            size = self.docnum
            by_field = pool.by_field
            for fieldname in sorted(by_field):
                fieldobj = self.schema[fieldname]
                lengths = _field_lengths(pdr, fieldname, size) if fieldobj.scorable else None
                fw.start_field(fieldname, fieldobj)
                terms = by_field[fieldname]
                for btext in sorted(terms):
                    p = terms[btext]
                    if (fieldname, btext) in pool.unsorted:
                        p = _sorted(p.postings() if type(p) is _Freqs else p)
                    _write_term(fw, btext, p, lengths)
                fw.finish_field()
        fw.close()
        pdr.close()


def _field_lengths(pdr: Any, fieldname: str, size: int) -> list[int]:
    """Every document's length in the field as Whoosh stored it (one byte, decoded)."""
    try:
        column = pdr._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return [0] * size
        raw = bytes(column._dbfile.get(column._basepos, min(column._count, size)))
        table = _LENGTHS
        return [table[b] for b in raw] + [0] * (size - len(raw))
    except AttributeError:  # another column layout: one document at a time
        length = pdr.doc_field_length
        return [length(d, fieldname, 0) or 0 for d in range(size)]


def _sorted(p: _Postings) -> _Postings:
    rows = sorted(zip(p.ids, p.weights, p.values, strict=True))
    out = _Postings()
    out.ids.extend(r[0] for r in rows)
    out.weights.extend(r[1] for r in rows)
    out.values = [r[2] for r in rows]
    return out


def _write_term(fw: W3FieldWriter, btext: bytes, p: _Postings, lengths: list[int] | None) -> None:
    """What FieldWriter.add_postings does for one term, a block instead of a posting at a time."""
    pw: Any = fw._postwriter
    limit = pw._blocklimit
    n = len(p.ids)
    if pw._inlinelimit <= n <= limit and pw._compression == 0:
        _write_single(fw, pw, btext, p, lengths)
        return
    if type(p) is _Freqs:
        p = p.postings()
    ids, weights, values = p.ids, p.weights, p.values
    fw.start_term(btext)
    for start in range(0, n, limit):
        if start:
            pw._write_block()
        end = start + limit
        pw._ids = ids[start:end]
        chunk = weights[start:end]
        pw._weights = array("f", chunk)
        pw._values = [v for v in values[start:end] if v]
        pw._maxweight = max(0, max(chunk))
        if lengths is not None:
            block = [x for x in (lengths[d] for d in pw._ids) if x]
            pw._minlength = min(block) if block else None
            pw._maxlength = max(block) if block else 0
    fw.finish_term()


def _write_single(fw: Any, pw: Any, btext: bytes, p: _Postings | _Freqs,
                  lengths: list[int] | None) -> None:
    """A term of one uncompressed block (most terms): start_postings, _write_block(last=True),
    finish_postings and finish_term of W3PostingsWriter/W3FieldWriter in one go."""
    ids, n = p.ids, len(p.ids)
    if isinstance(p, _Freqs):
        weights = array("f", p.freqs)
        big = array("I", p.freqs)
        if sys.byteorder == "little":
            big.byteswap()
        values: list[bytes] = [big.tobytes()]  # pack_uint of each, joined
        maxweight = max(0, float(max(p.freqs)))
    else:
        weights = array("f", p.weights)
        values = [v for v in p.values if v]
        maxweight = max(0, max(p.weights))
    minlength, maxlength = None, 0
    if lengths is not None:
        block = [x for x in (lengths[d] for d in ids) if x]
        if block:
            minlength, maxlength = min(block), max(block)
    info = W3TermInfo(weight=sum(weights), df=n, minlength=minlength, maxlength=maxlength,
                      maxweight=maxweight, minid=ids[0], maxid=ids[-1])
    if all(w == 1.0 for w in weights):
        mini_weights: Any = None
    elif all(w == weights[0] for w in weights):
        mini_weights = weights[0]
    else:
        mini_weights = tuple(weights)
    fixed = fw._format.fixed_value_size()
    if fixed is None or fixed < 0:
        mini_values: Any = tuple(values)
    elif fixed == 0:
        mini_values = None
    else:
        mini_values = b"".join(values)
    data = dumps((tuple(delta_encode(ids)), mini_weights, mini_values), 2)
    head = dumps((n, ids[-1], maxweight, 0, length_to_byte(minlength),
                  length_to_byte(maxlength)), 2)
    postfile = pw._postfile
    start = postfile.tell()
    postfile.write(WHOOSH3_HEADER_MAGIC + pack_int(-(len(head) + len(data))) + head + data)
    info.set_extent(start, postfile.tell() - start)
    fw._tindex.add(pack_ushort(fw._fieldid) + btext, info.to_bytes())
