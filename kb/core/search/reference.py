"""Whoosh's own search behind the ranker's interface: the reference the fast ranker
(``ranking.Ranker``) is tested against, and a backend of its own (``KB_SEARCH_BACKEND=whoosh``)
for when the fast path is in doubt. Same concepts, same BM25F, scored by Whoosh's matchers and
collectors instead of our posting reads, so it is slower on common words but has no shortcuts.
"""

from __future__ import annotations

from collections.abc import Sequence

from whoosh import query as wq
from whoosh.query.compound import DefaultOr

from kb.core.search.ranking import Concept, Leaf, Ranked, Ranker, TermLeaf


def as_query(leaves: Sequence[Leaf]) -> wq.Query:
    """A concept (its leaves summed, as Whoosh's OR sums its subqueries) as one Whoosh query."""
    parts: list[wq.Query] = [wq.Term(leaf.field, leaf.text, boost=leaf.boost)
                             if isinstance(leaf, TermLeaf) else leaf.query for leaf in leaves]
    return parts[0] if len(parts) == 1 else DefaultOr(parts)


class WhooshRanker(Ranker):
    """The ranker's queries answered by ``Searcher.search`` (exact totals, Whoosh's order)."""

    def _run(self, q: wq.Query, allow: set[int] | None, limit: int | None) -> tuple[int, Ranked]:
        results = self.searcher.search(q, limit=limit, filter=allow)
        return len(results), [(hit.score, hit.docnum) for hit in results]

    def scores(self, concept: Concept, docs: Sequence[int] | None = None) -> dict[int, float]:
        if not concept:
            return {}
        results = self.searcher.search(as_query(concept), limit=None,
                                       filter=None if docs is None else set(docs))
        return {hit.docnum: hit.score for hit in results}

    def best(self, leaves: list[Leaf], limit: int, allow: set[int] | None,
             skip: dict[int, float] | None = None) -> Ranked:
        if not leaves:
            return []
        results = self.searcher.search(as_query(leaves), limit=None, filter=allow,
                                       mask=set(skip) if skip else None)
        return [(hit.score, hit.docnum) for hit in results[:limit]]

    def conjunctive(self, concepts: list[Concept], allow: set[int] | None,
                    limit: int) -> tuple[int, Ranked]:
        ors = [as_query(c) for c in concepts if c]
        if len(ors) < len(concepts) or not ors:
            return 0, []
        total, top = self._run(wq.And(ors) if len(ors) > 1 else ors[0], allow, None)
        return total, top[:limit]

    def disjunctive(self, concepts: list[Concept], allow: set[int] | None,
                    limit: int) -> tuple[int, Ranked]:
        ors = [as_query(c) for c in concepts if c]
        if not ors:
            return 0, []
        total, top = self._run(DefaultOr(ors) if len(ors) > 1 else ors[0], allow, None)
        return total, top[:limit]
