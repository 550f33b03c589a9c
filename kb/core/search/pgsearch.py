"""Queries on the PostgreSQL index (KB_SEARCH_BACKEND=postgres): the same request analysis,
coverage ranking, confidence, corrections and pins as the Whoosh engine, answered by SQL.

A concept's leaves become a tsquery on the weighted ``words`` column ("printer" in the title
or tags is ``'printer':A``, in the summary ``:B``, in the body ``:C``); the GIN index finds the
candidates, ``ts_rank`` stands in for BM25 to order equal coverage, ``ts_headline`` cuts the
snippet and pg_trgm finds close words for typos. Document numbers here are article ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, cast

from symspellpy.editdistance import DistanceAlgorithm, EditDistance
from whoosh import query as wq
from whoosh.reading import IndexReader

from kb.core.search.concepts import MAX_WORDS, NO_HINTS, Concepts
from kb.core.search.query import (
    BODY_SHARE,
    CANDIDATES,
    ENOUGH,
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    SYNONYM_SHARE,
    TIE,
    Engine,
    Hit,
    _clamp,
    _Match,
)
from kb.core.search.ranking import Leaf, TermLeaf
from kb.core.search.request import Hints, article_ids
from kb.core.search.schema import NEGATION, words
from kb.core.search.spelling import Speller, is_word, max_distance
from kb.core.search.synonyms import Synonyms

if TYPE_CHECKING:
    from kb.core.search.pgindex import Store

LABEL = {"title": "A", "tags": "A", "summary": "B", "body": "C"}  # tsvector weight per field
RANK_WEIGHTS = "{0.1, 0.333, 0.667, 1.0}"  # ts_rank's D, C, B, A: FIELD_BOOSTS 1 : 2 : 3
POOL = 4  # candidates re-ranked by coverage: this many times the Whoosh engine's CANDIDATES
START, STOP = "\ue000", "\ue001"  # ts_headline's marks, private-use characters (never in text)
HEADLINE = (f"StartSel={START}, StopSel={STOP}, MaxFragments=2, MaxWords=24, MinWords=10, "
            'FragmentDelimiter=" … "')


def lexeme(text: str) -> str:
    """A term as a quoted tsquery/tsvector lexeme (quotes doubled, backslashes escaped)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def leaf_query(leaf: Leaf) -> str:
    """One leaf as tsquery text: a stem in a field is the stem with that field's weight."""
    if isinstance(leaf, TermLeaf):
        return f"{lexeme(leaf.text)}:{LABEL.get(leaf.field, 'ABCD')}"
    q = leaf.query
    if isinstance(q, wq.Phrase):
        label = LABEL.get(q.fieldname, "ABCD")
        return "(" + " <-> ".join(f"{lexeme(w)}:{label}" for w in q.words) + ")"
    terms = [t for t in q.leaves() if isinstance(t, wq.Term)]
    return "(" + " & ".join(f"{lexeme(str(t.text))}:{LABEL.get(t.fieldname, 'ABCD')}"
                            for t in terms) + ")" if terms else ""


def group_query(leaves: Sequence[Leaf]) -> str:
    """Leaves of one concept (any matches) as one tsquery; "" when there are none."""
    parts = list(dict.fromkeys(p for p in (leaf_query(leaf) for leaf in leaves) if p))
    return " | ".join(parts)


class Scope(set[int]):
    """The article ids a search may return, remembering why, so SQL filters by the same."""

    def __init__(self, ids: Iterable[int], category: str | None, include_internal: bool):
        super().__init__(ids)
        self.category, self.include_internal = category, include_internal


class _Stats:
    """What ``Concepts`` reads from an index (document frequencies), from PostgreSQL."""

    def __init__(self, store: Store):
        self.store = store

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self.store.doc_frequency(text)

    def doc_count_all(self) -> int:
        return self.store.doc_count()


@dataclass
class _Lookup:
    """The two searcher calls the shared code makes (pins, the health check)."""

    store: Store

    def document_number(self, *, id: str) -> int | None:  # noqa: A002 (Whoosh's keyword)
        return int(id) if id.isdigit() and self.store.has(int(id)) else None

    def doc_count(self) -> int:
        return self.store.doc_count()


class PgSpeller(Speller):
    """Close words by trigram similarity (pg_trgm's GIN index), kept only within the same
    edit distance the SymSpell corrector allows, closest and most used first."""

    def __init__(self, store: Store, include_internal: bool):
        self.store, self.include_internal = store, include_internal
        self._distance = EditDistance(DistanceAlgorithm.DAMERAU_OSA)

    def candidates(self, word: str, limit: int = 3) -> list[str]:
        if is_word(word):
            return []
        most = max_distance(word)
        found = []
        for term, count in self.store.similar_words(word, self.include_internal):
            d = self._distance.compare(word, term, most)
            if 0 < d <= most:
                found.append((d, -count, term))
        return [t for _d, _c, t in sorted(found)][:limit]


class PgEngine(Engine):
    """The Whoosh engine's request handling with its index reads answered by PostgreSQL;
    lives as long as one generation of the table (its memos are per generation)."""

    def __init__(self, store: Store, synonyms: Synonyms,
                 pins: dict[str, tuple[int, ...]] | None = None):
        self.store = store
        self.searcher = cast(Any, _Lookup(store))
        self.reader = cast(IndexReader, _Stats(store))
        self.synonyms = synonyms
        self.pins = pins or {}
        self.concepts = Concepts(self.reader, synonyms)
        self._allowed: dict[tuple[str | None, bool], set[int] | None] = {}
        self._spellers: dict[bool, Speller] = {}
        self._related: dict[tuple[int, bool, int], list[Hit]] = {}

    def allowed(self, category: str | None, include_internal: bool) -> set[int] | None:
        key = (category, include_internal)
        if key not in self._allowed:
            if include_internal and category is None:
                self._allowed[key] = None
            else:
                if len(self._allowed) > 256:
                    self._allowed.clear()
                ids = self.store.ids(category, include_internal)
                self._allowed[key] = Scope(ids, category, include_internal)
        return self._allowed[key]

    def _match(self, query_words: list[str], allow: set[int] | None, need: int,
               said: Hints = NO_HINTS) -> _Match:
        parts = self.concepts.parts(query_words, said)
        groups = [[group_query(g) for g in (p.strong, p.strong_syn, p.body, p.body_syn)]
                  for p in parts]
        anyq = [" | ".join(g for g in gs if g) for gs in groups]
        if not any(anyq):
            return _Match()
        limit = max(POOL * CANDIDATES, need)
        concepts = [f"({q})" for q in anyq if q]
        flat = [g for gs in groups for g in gs]
        total_any, rows = self.store.match(" & ".join(concepts), flat, allow, limit)
        if total_any < ENOUGH and len(concepts) > 1:
            total_any, rows = self.store.match(" | ".join(concepts), flat, allow, limit)
        if not rows:
            return _Match(total_any=total_any)
        shares = (1.0, SYNONYM_SHARE, BODY_SHARE, BODY_SHARE * SYNONYM_SHARE)
        weight = sum(p.weight for p in parts if p.content) or 1.0
        every = sum(p.weight for p in parts if p.known) or 1.0
        top_rank = max(r for _d, r, _m in rows) or 1.0
        ranked, firm = [], {}
        for doc, rank, matched in rows:
            cover = extra = strong = 0.0
            for i, part in enumerate(parts):
                share = next((s for j, s in enumerate(shares) if matched[4 * i + j]), 0.0)
                if not part.content:
                    extra += share * part.weight
                    continue
                cover += share * part.weight
                strong += share * part.weight if share >= SYNONYM_SHARE else 0.0
            firm[doc] = strong
            ranked.append(((1 - TIE) * (cover + extra) / every + TIE * rank / top_rank,
                           cover / weight, doc))
        ranked.sort(key=lambda r: (-r[0], r[2]))
        terms = frozenset(t for p in parts for t in p.terms)
        unknown = sum(p.weight for p in parts if p.content and not p.known) / weight
        best = firm[ranked[0][2]]
        return _Match(ranked, total_any, terms, best, sum(p.content for p in parts), unknown,
                      best / weight)

    def speller(self, include_internal: bool) -> Speller:
        got = self._spellers.get(include_internal)
        if got is None:
            got = self._spellers[include_internal] = PgSpeller(self.store, include_internal)
        return got

    def _named(self, text: str, allow: set[int] | None, *, bare: bool) -> list[int]:
        return [i for i in article_ids(text, bare=bare)
                if self.store.has(i) and (allow is None or i in allow)]

    def _hit(self, docnum: int, score: float, terms: frozenset[str] | None,
             coverage: float = 1.0) -> Hit:
        doc = self.store.document(docnum, " or ".join(sorted(t for t in terms or ()
                                                           if t != NEGATION)))
        summary = doc["summary"]
        headline = doc.get("headline") or ""
        marked = marks(headline) if START in headline else None
        return Hit(id=docnum, title=doc["title"], summary=summary, category=doc["category"],
                   audience=doc["audience"], snippet=marked or escape(summary),
                   score=float(score), coverage=coverage)

    def suggest(self, prefix: Any, *, include_internal: bool, limit: Any) -> list[tuple[int, str]]:
        text = prefix if isinstance(prefix, str) else ""
        limit = _clamp(limit, 0, MAX_PER_PAGE, 8)
        typed = []
        for w in words(text[:MAX_QUERY_CHARS])[:MAX_WORDS]:
            joined = "".join(ch for ch in w if ch not in ".'’-")
            if len(joined) >= 2:
                typed.append(f"{lexeme(joined)}:*")
        if not typed or not limit:
            return []
        return self.store.titles(" & ".join(typed), include_internal, limit)

    def _more_like(self, article_id: int, include_internal: bool, limit: int) -> list[Hit]:
        if not limit or not self.store.has(article_id):
            return []
        return [self._hit(d, score, None)
                for d, score in self.store.alike(article_id, include_internal, limit)]


def marks(headline: str) -> str:
    """ts_headline's text made safe: everything escaped, then its marks as <mark> tags (an
    unclosed mark is closed, so the snippet never leaves a tag open)."""
    out, open_ = [], False
    for i, piece in enumerate(escape(headline).split(START)):
        inner = piece.split(STOP)
        if i > 0:
            out.append("<mark>")
            open_ = True
        for j, bit in enumerate(inner):
            if j > 0 and open_:
                out.append("</mark>")
                open_ = False
            out.append(bit)
    if open_:
        out.append("</mark>")
    return "".join(out)


def matched_columns(groups: list[str]) -> tuple[list[str], dict[str, Any]]:
    """One boolean column per group query (does the document match it), with its parameters."""
    cols, params = [], {}
    for i, g in enumerate(groups):
        if g:
            params[f"g{i}"] = g
            cols.append(f"words @@ to_tsquery('simple', :g{i})")
        else:
            cols.append("false")
    return cols, params


def scope_filter(allow: set[int] | None, params: dict[str, Any]) -> str:
    """SQL restricting a query to what a search may show (public only, a category)."""
    if allow is None:
        return ""
    if isinstance(allow, Scope):
        out = "" if allow.include_internal else " AND audience = 'public'"
        if allow.category is not None:
            params["category"] = allow.category
            out += " AND category = :category"
        return out
    params["ids"] = sorted(allow)
    return " AND article_id = ANY(:ids)"

