"""BM25F ranking over concepts (a word, or a synonym group), with exact totals.

Whoosh's collectors count matches by re-running the query through generic matchers, which made
a query with one common word cost 100-900 ms. Here a concept is the union of its per-field
"leaves" (a term in one field). AND starts from the rarest concept and looks the others up only
at its documents; OR scores the rare concepts first. Common leaves are kept in memory with their
scores, and their best documents are found with the threshold algorithm instead of scoring every
document. Scores are Whoosh's BM25F with the same statistics, so the order matches Whoosh's own.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from math import log

from whoosh import query as wq
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from kb.core.search.postings import SegmentPostings

BIG = 2_000  # a leaf with more postings than this is "common": probed, cached, pruned
CACHE_POSTINGS = 2_000_000  # postings of leaves read whole kept per process (<= 32 MB)
PROBE_RATIO = 16  # probe a leaf on disk when it has this many times more postings than docs
CACHE_AFTER = 3  # a common leaf probed this often is worth reading whole and keeping
MEMO = 200_000  # per-leaf statistics remembered per searcher before starting afresh


@dataclass(frozen=True)
class TermLeaf:
    """One stemmed term in one field, weighted by the field's boost."""

    field: str
    text: str
    boost: float


@dataclass(frozen=True)
class QueryLeaf:
    """Any other Whoosh query (a phrase from a synonym group), scored by Whoosh itself."""

    query: wq.Query


Leaf = TermLeaf | QueryLeaf
Concept = list[Leaf]
Ranked = list[tuple[float, int]]  # (score, docnum), best first


@dataclass
class _Stats:
    df: int
    a: float  # boost * idf * (K1 + 1)
    c1: float  # K1 * (1 - B)
    c2: float  # K1 * B / average field length


class _Impacts:
    """A leaf's documents (sorted) with term frequencies; scores and the best documents are
    worked out on first need (a leaf only probed at a few documents never needs them all)."""

    __slots__ = ("ids", "tfs", "_score_all", "_scores", "_best")

    def __init__(self, ids: array, tfs: array, score_all: Callable[[array, array], array]):
        self.ids, self.tfs, self._score_all = ids, tfs, score_all
        self._scores: array | None = None
        self._best: array = array("i")  # compact: a common leaf's list can be long

    @property
    def scores(self) -> array:
        if self._scores is None:
            self._scores = self._score_all(self.ids, self.tfs)
        return self._scores

    def best(self, m: int) -> Sequence[int]:
        """Indexes of the ``m`` highest scores, best first."""
        m = min(m, len(self.ids))
        if len(self._best) < m:
            self._best = array("i", heapq.nlargest(max(m, 2 * len(self._best)),
                                                   range(len(self.ids)),
                                                   key=self.scores.__getitem__))
        return self._best[:m]

    def score_at(self, rank: int) -> float:
        """Score of the document at ``rank`` in best-first order (0 past the end)."""
        return self.scores[self.best(rank + 1)[rank]] if rank < len(self.ids) else 0.0

    def lookup(self, doc: int) -> float:
        """The document's score on this leaf (0 when the leaf does not match it)."""
        i = bisect_left(self.ids, doc)
        return self.scores[i] if i < len(self.ids) and self.ids[i] == doc else 0.0

    def tf(self, doc: int) -> float:
        i = bisect_left(self.ids, doc)
        return self.tfs[i] if i < len(self.ids) and self.ids[i] == doc else 0.0


class Ranker:
    """Scores concepts on one searcher generation; caches common leaves."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self.segments = [SegmentPostings(sub.reader(), offset)
                         for sub, offset in searcher.leaf_searchers()]
        self._stats: dict[TermLeaf, _Stats] = {}
        self._constants: dict[str, tuple[float, float, float]] = {}
        self._lengths: dict[str, list[int]] = {}
        self._cache: OrderedDict[TermLeaf, _Impacts] = OrderedDict()
        self._cached = 0
        self._uses: dict[TermLeaf, int] = {}
        self._counts: dict[tuple[object, int], tuple[set[int] | None, int]] = {}

    # -- leaves --------------------------------------------------------------------------------

    def stats(self, leaf: TermLeaf) -> _Stats:
        """Whoosh's BM25F constants for a leaf, from one term-info lookup (cached)."""
        st = self._stats.get(leaf)
        if st is None:
            s = self.searcher
            try:
                info = s.term_info(leaf.field, leaf.text)
            except TermNotFound:
                info = None
            if info is None or not info.doc_frequency():
                st = _Stats(0, 0.0, 0.0, 0.0)
            else:
                df = info.doc_frequency()
                k1, b, avgfl = self._field_constants(leaf.field)
                a = leaf.boost * (log(s.doc_count_all() / (df + 1)) + 1) * (k1 + 1)
                st = _Stats(df, a, k1 * (1 - b), k1 * b / avgfl)
            if len(self._stats) > MEMO:
                self._stats.clear()
                self._uses.clear()
            self._stats[leaf] = st
        return st

    def _field_constants(self, field: str) -> tuple[float, float, float]:
        """(K1, B, average length) of a field under the searcher's BM25F weighting."""
        got = self._constants.get(field)
        if got is None:
            w = self.searcher.weighting
            b = getattr(w, "_field_B", {}).get(field, getattr(w, "B", 0.75))
            got = (getattr(w, "K1", 1.2), b, self.searcher.avg_field_length(field) or 1.0)
            self._constants[field] = got
        return got

    def lengths(self, field: str) -> list[int]:
        got = self._lengths.get(field)
        if got is None:
            got = []
            for seg in self.segments:
                got.extend(seg.lengths(field))
            self._lengths[field] = got
        return got

    def _score(self, leaf: TermLeaf, pairs: Iterable[tuple[int, float]]) -> Iterator[
            tuple[int, float]]:
        """(doc, score) from (doc, term frequency)."""
        st, lengths = self.stats(leaf), self.lengths(leaf.field)
        a, c1, c2 = st.a, st.c1, st.c2
        return ((d, a * tf / (tf + c1 + c2 * lengths[d])) for d, tf in pairs)

    def impacts(self, leaf: TermLeaf) -> _Impacts:
        """Every document of a leaf; kept in a per-process LRU bounded by CACHE_POSTINGS."""
        hit = self._cache.get(leaf)
        if hit is not None:
            self._cache.move_to_end(leaf)
            return hit
        ids, tfs = array("i"), array("f")
        for seg in self.segments:
            seg.read(leaf.field, leaf.text, ids, tfs)
        st, lengths = self.stats(leaf), self.lengths(leaf.field)
        a, c1, c2 = st.a, st.c1, st.c2

        def score_all(ids: array, tfs: array) -> array:
            return array("d", [a * tf / (tf + c1 + c2 * lengths[d])
                               for d, tf in zip(ids, tfs, strict=True)])

        got = self._cache[leaf] = _Impacts(ids, tfs, score_all)
        self._cached += len(ids)
        while self._cached > CACHE_POSTINGS and len(self._cache) > 1:
            _old, old = self._cache.popitem(last=False)
            self._cached -= len(old.ids)
        return got

    def _at(self, leaf: TermLeaf, docs: Sequence[int]) -> Iterable[tuple[int, float]]:
        """(doc, score) for those of ``docs`` (sorted) the leaf matches."""
        uses = self._uses[leaf] = self._uses.get(leaf, 0) + 1
        df = self.stats(leaf).df
        if leaf in self._cache or df <= PROBE_RATIO * len(docs) or (
                df > BIG and uses >= CACHE_AFTER):
            imp = self.impacts(leaf)
            if len(docs) * 8 < len(imp.ids):
                return self._score(leaf, ((d, tf) for d in docs if (tf := imp.tf(d))))
            wanted = set(docs)
            return self._score(leaf, ((d, tf) for d, tf in zip(imp.ids, imp.tfs, strict=True)
                                      if d in wanted))
        found: dict[int, float] = {}
        for seg in self.segments:
            found.update(seg.probe(leaf.field, leaf.text, docs))
        return self._score(leaf, found.items())

    # -- concepts ------------------------------------------------------------------------------

    def estimate(self, concept: Concept) -> int:
        reader = self.searcher.reader()
        return sum(self.stats(leaf).df if isinstance(leaf, TermLeaf)
                   else leaf.query.estimate_size(reader) for leaf in concept)

    def scores(self, concept: Concept, docs: Sequence[int] | None = None) -> dict[int, float]:
        """Concept score per matching document (only among ``docs``, sorted, when given)."""
        acc: dict[int, float] = {}
        get = acc.get
        for leaf in concept:
            if isinstance(leaf, QueryLeaf):
                wanted = None if docs is None else set(docs)
                for d, score in self._query_scores(leaf.query):
                    if wanted is None or d in wanted:
                        acc[d] = get(d, 0.0) + score
                continue
            if not self.stats(leaf).df:
                continue
            if docs is None:
                imp = self.impacts(leaf)
                pairs: Iterable[tuple[int, float]] = zip(imp.ids, imp.scores, strict=True)
            else:
                pairs = self._at(leaf, docs)
            for d, s in pairs:
                acc[d] = get(d, 0.0) + s
        return acc

    def _query_scores(self, q: wq.Query) -> Iterator[tuple[int, float]]:
        for sub, offset in self.searcher.leaf_searchers():
            m = q.matcher(sub, sub.context())
            while m.is_active():
                yield m.id() + offset, m.score()
                m.next()

    def doc_ids(self, concepts: list[Concept]) -> set[int]:
        """Every document matching any of the concepts (for exact OR totals)."""
        out: set[int] = set()
        for concept in concepts:
            for leaf in concept:
                if isinstance(leaf, QueryLeaf):
                    out.update(d for d, _s in self._query_scores(leaf.query))
                elif self.stats(leaf).df:
                    out.update(self.impacts(leaf).ids)
        return out

    def best(self, leaves: list[Leaf], limit: int, allow: set[int] | None,
             skip: dict[int, float] | None = None) -> Ranked:
        """Top documents by the sum of the leaves' scores (the threshold algorithm).

        Only each leaf's best-scoring documents are looked at, widening until no unseen
        document can beat the ``limit``-th best. Documents in ``skip`` are left out.
        """
        terms = [leaf for leaf in leaves if isinstance(leaf, TermLeaf) and self.stats(leaf).df]
        if len(terms) < len(leaves) or not terms:
            acc = _allowed(self.scores(leaves), allow)
            return _top({d: s for d, s in acc.items() if not skip or d not in skip}, limit)
        imps = [self.impacts(leaf) for leaf in terms]
        depth = max(4 * limit, 32)
        while True:
            seen: set[int] = set()
            for imp in imps:
                seen.update(imp.ids[i] for i in imp.best(depth))
            acc = {d: sum(imp.lookup(d) for imp in imps) for d in seen
                   if (allow is None or d in allow) and (not skip or d not in skip)}
            top = _top(acc, limit)
            bound = sum(imp.score_at(depth) for imp in imps)
            if (len(top) >= limit and top[-1][0] >= bound) or all(
                    depth >= len(imp.ids) for imp in imps):
                return top
            depth *= 4

    # -- queries -------------------------------------------------------------------------------

    def conjunctive(self, concepts: list[Concept], allow: set[int] | None,
                    limit: int) -> tuple[int, Ranked]:
        """Documents matching every concept: exact total and the top ``limit``."""
        order = sorted(concepts, key=self.estimate)
        if len(order) == 1 and self.estimate(order[0]) > BIG:
            return self._count(order, allow), self.best(order[0], limit, allow)
        acc = _allowed(self.scores(order[0]), allow)
        for concept in order[1:]:
            if not acc:
                break
            part = self.scores(concept, sorted(acc))
            acc = {d: s + part[d] for d, s in acc.items() if d in part}
        return len(acc), _top(acc, limit)

    def disjunctive(self, concepts: list[Concept], allow: set[int] | None,
                    limit: int) -> tuple[int, Ranked]:
        """Documents matching any concept: exact total and the top ``limit``."""
        rare = [c for c in concepts if self.estimate(c) <= BIG]
        common = [c for c in concepts if self.estimate(c) > BIG]
        acc: dict[int, float] = {}
        for concept in rare:
            for d, s in self.scores(concept).items():
                acc[d] = acc.get(d, 0.0) + s
        acc = _allowed(acc, allow)
        if not common:
            return len(acc), _top(acc, limit)
        docs = sorted(acc)
        for concept in common:
            for d, s in self.scores(concept, docs).items():
                acc[d] += s
        # Documents with common words only: their best, from the cached common leaves.
        rest = self.best([leaf for c in common for leaf in c], limit, allow, skip=acc)
        top = heapq.nlargest(limit, _top(acc, limit) + rest, key=lambda p: (p[0], -p[1]))
        leaves = [leaf for c in common for leaf in c]
        if all(isinstance(leaf, TermLeaf) for leaf in leaves):
            # |acc ∪ common| = |common| (counted once, cached) + acc documents outside it.
            imps = [self.impacts(leaf) for leaf in leaves if isinstance(leaf, TermLeaf)
                    and self.stats(leaf).df]
            outside = sum(1 for d in acc if not any(imp.tf(d) for imp in imps))
            return self._count(common, allow) + outside, top
        everyone = self.doc_ids(common)
        if allow is not None:
            everyone &= allow
        return len(everyone.union(acc)), top

    def _count(self, concepts: list[Concept], allow: set[int] | None) -> int:
        """How many allowed documents match any of the concepts (cached per searcher)."""
        key = (tuple(tuple(c) for c in concepts), id(allow))
        hit = self._counts.get(key)
        if hit is not None and hit[0] is allow:  # holding ``allow`` keeps its id() unique
            return hit[1]
        docs = self.doc_ids(concepts)
        count = len(docs if allow is None else docs & allow)
        if len(self._counts) > 4096:
            self._counts.clear()
        self._counts[key] = (allow, count)
        return count


def _allowed(acc: dict[int, float], allow: set[int] | None) -> dict[int, float]:
    if allow is None:
        return acc
    return {d: s for d, s in acc.items() if d in allow}


def _top(acc: dict[int, float], limit: int) -> Ranked:
    """Best ``limit`` by score, ties by lower docnum (Whoosh's order)."""
    best = heapq.nlargest(limit, acc.items(), key=lambda p: (p[1], -p[0]))
    return [(s, d) for d, s in best]
