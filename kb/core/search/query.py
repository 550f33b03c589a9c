"""Turning what people type into ranked, filtered, highlighted results.

User text never reaches Whoosh's query parser: it is cut into plain words, so quotes, ``AND(``
or ``*`` are just words and nothing can raise. Results are ranked by how much of the request
they answer (its content words, weighted by how telling each is), and only those close to the
best are listed; the rest sit behind "show all". A weak best match makes ``confident`` false.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from html import escape
from typing import Any

from whoosh.searching import Searcher

from kb.core.search.concepts import MAX_WORDS, NO_HINTS, TYPICAL, Concepts
from kb.core.search.overrides import pinned_docs
from kb.core.search.ranking import Concept, Ranker, TermLeaf
from kb.core.search.request import Hints, article_ids, hints, is_stop, normalize, without_ids
from kb.core.search.schema import FIELD_BOOSTS, words
from kb.core.search.snippets import snippet
from kb.core.search.spelling import Speller
from kb.core.search.synonyms import Synonyms

MAX_QUERY_CHARS = 1000  # two or three pasted sentences; longer input is cut (bounds the work)
MAX_PER_PAGE = 100
MAX_PAGE = 1000
PREFIX_TERMS = 64  # title words one typed prefix may expand to in suggestions
BODY_SHARE = 0.35  # a word found only in the body counts about a third of one in title or tags
SYNONYM_SHARE = 0.7  # a match through a synonym counts a little less than the word typed
CANDIDATES = 15  # best BM25 documents re-ranked by how much of the request they answer
ENOUGH = 3  # fewer documents with every word than this, and those with any word are ranked
WIDE = 6  # fewer than this, and the best with any word join them (a minor word may be missing)
TIE = 0.25  # share of the score given to BM25, so equal coverage is ordered by it
CUT = 0.6  # results scoring below this share of the best one are "show all" only
CONFIDENT = 0.55  # the best result answers at least this share of the request, or ...
FIRM, FIRM_COVER = 1.4, 0.1  # ... matches this many typical words in title/tags, this share
FIRM_UNKNOWN = 0.4  # ... plus this many per share of the request no article knows
FIRM_WORDS = 3  # ... of a request this long (short ones must be mostly answered), or ...
LONE_COVER = 0.15  # ... answers this share of one that long and is alone above the cut-off,
LONE_UNKNOWN = 0.6  # ... when less than this share of the request is in words no article knows
BETTER = 0.1  # a corrected query must answer this much more of the request to be used


@dataclass
class Hit:
    id: int
    title: str
    summary: str
    category: str
    audience: str
    snippet: str  # safe HTML: escaped text, matched words in <mark>; else the escaped summary
    score: float
    coverage: float = 1.0  # share of the request (weighted content words) this article answers


@dataclass
class SearchResults:
    query: str
    total: int  # results that really match (above the cut-off relative to the best)
    page: int
    pages: int
    per_page: int
    hits: list[Hit]
    did_you_mean: str | None  # the corrected query the results are for, when one was used
    category: str | None
    confident: bool = False  # false when nothing matches or the best match is weak
    total_all: int = 0  # every article sharing a word with the request ("show all N")
    show_all: bool = False
    looked_up: bool = False  # an article id ("KB-42") was named and put first
    coverage: float = 0.0  # share of the request the best result answers
    firm: float = 0.0  # weight of telling words the best result has in title, summary or tags
    words: int = 0  # concepts (content words or synonym groups) the request has
    unknown: float = 0.0  # share of the request's weight in words no article uses
    strong: float = 0.0  # share of it the best result answers in title, summary or tags


@dataclass
class _Match:
    """The request run once: (score, coverage, docnum) best first, and the terms to mark."""

    ranked: list[tuple[float, float, int]] = field(default_factory=list)
    total_any: int = 0
    terms: frozenset[str] = frozenset()
    firm: float = 0.0  # weight the best result matches in its title, summary or tags
    words: int = 0  # concepts in the request
    unknown: float = 0.0  # share of the request's weight in words no article uses
    strong: float = 0.0  # share of it the best result answers in title, summary or tags

    @property
    def confident(self) -> bool:
        """The best result answers most of the request, or its title and tags match several
        telling words of a long one (long requests carry names, dates and places too): the
        more of the request no article knows, the more they must match. Or, for a long one, it
        stands alone: every other article scores below the cut-off (a clear winner on part of
        the request, where several close ones mean none is really about it)."""
        return self.top >= CONFIDENT or self.words >= FIRM_WORDS and (
            self.top >= FIRM_COVER
            and self.firm >= (FIRM + FIRM_UNKNOWN * self.unknown) * TYPICAL
            or self.top >= LONE_COVER and self.unknown < LONE_UNKNOWN and self.alone)

    @property
    def alone(self) -> bool:
        """No other candidate scores within the cut-off of the best."""
        return bool(self.ranked) and (
            len(self.ranked) < 2 or self.ranked[1][0] <= CUT * self.ranked[0][0])

    @property
    def top(self) -> float:
        return self.ranked[0][1] if self.ranked else 0.0


class Engine:
    """Runs queries on one Whoosh searcher; lives as long as that searcher (caches with it)."""

    def __init__(self, searcher: Searcher, synonyms: Synonyms,
                 pins: dict[str, tuple[int, ...]] | None = None,
                 ranker: type[Ranker] = Ranker):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.synonyms = synonyms
        self.pins = pins or {}  # normalised words -> articles a lead pointed them at
        self.ranker = ranker(searcher)  # the fast one, or Whoosh's own (reference.py)
        self.concepts = Concepts(self.reader, synonyms)
        self._allowed: dict[tuple[str | None, bool], set[int] | None] = {}
        self._spellers: dict[bool, Speller] = {}  # public words only / every word
        self._related: dict[tuple[int, bool, int], list[Hit]] = {}  # per article view: once

    def use_vocabulary(self, synonyms: Synonyms, pins: dict[str, tuple[int, ...]]) -> None:
        """Synonyms and pins changed from the worklist: from the next query on."""
        self.synonyms, self.pins = synonyms, pins
        self.concepts = Concepts(self.reader, synonyms)

    def allowed(self, category: str | None, include_internal: bool) -> set[int] | None:
        """Docnums a search may return (None = all): public only unless asked, and the category.

        Computed once per searcher and applied while ranking, so totals count only these."""
        key = (category, include_internal)
        if key not in self._allowed:
            sets = []
            if not include_internal:
                sets.append(self._docs("audience", "public"))
            if category is not None:
                sets.append(self._docs("category", category))
            if len(self._allowed) > 256:  # categories come from URLs: keep the memo small
                self._allowed.clear()
            self._allowed[key] = set.intersection(*sets) if sets else None
        return self._allowed[key]

    def _docs(self, name: str, value: str) -> set[int]:
        ids, tfs = array("i"), array("f")
        for seg in self.ranker.segments:
            seg.read(name, value, ids, tfs)
        return set(ids)

    def _match(self, query_words: list[str], allow: set[int] | None, need: int,
               said: Hints = NO_HINTS) -> _Match:
        """Rank by how much of the request each article answers (weighted concepts matched,
        title and tags above the body), with BM25 to order equal coverage."""
        parts = self.concepts.parts(query_words, said)
        concepts = [p.leaves for p in parts if p.leaves]
        if not concepts:
            return _Match()
        limit = max(CANDIDATES, need)
        # Candidates: the documents with every concept when there are many (cheap, and they
        # answer the most); when few, the best with any join them (the article about what
        # matters may lack a minor word of a long request); then re-ranked by coverage.
        total_any, ranked = self.ranker.conjunctive(concepts, allow, limit)
        if total_any < WIDE and len(concepts) > 1:
            total_or, more = self.ranker.disjunctive(concepts, allow, limit)
            if total_any >= ENOUGH:
                seen = {d for _s, d in ranked}
                ranked = sorted(ranked + [p for p in more if p[1] not in seen],
                                key=lambda p: (-p[0], p[1]))[:limit]
            else:
                ranked = more
            total_any = total_or
        if not ranked:
            return _Match(total_any=total_any)
        docs = sorted(d for _s, d in ranked)
        cover = dict.fromkeys(docs, 0.0)  # weight of the request's content words matched
        extra = dict.fromkeys(docs, 0.0)  # and of what only helps ranking (a negation)
        firm = dict.fromkeys(docs, 0.0)
        for part in parts:
            got: dict[int, float] = {}  # the best way each document matches this concept
            rest = docs  # shares are tried best first: a document is looked up till it matches
            for leaves, share in ((part.strong, 1.0), (part.strong_syn, SYNONYM_SHARE),
                                  (part.body, BODY_SHARE),
                                  (part.body_syn, BODY_SHARE * SYNONYM_SHARE)):
                if leaves and rest:
                    got.update(dict.fromkeys(self.ranker.scores(leaves, rest), share))
                    rest = [d for d in rest if d not in got]
            for d, share in got.items():
                if not part.content:
                    extra[d] += share * part.weight
                    continue
                cover[d] += share * part.weight
                if share >= SYNONYM_SHARE:
                    firm[d] += share * part.weight
        weight = sum(p.weight for p in parts if p.content) or 1.0
        # Ranking looks only at words some article uses: the others cannot tell articles apart
        # (they weigh in coverage, so they still make a weak match look weak).
        every = sum(p.weight for p in parts if p.known) or 1.0
        top_bm25 = ranked[0][0] or 1.0
        rows = [((1 - TIE) * (cover[d] + extra[d]) / every + TIE * s / top_bm25,
                 cover[d] / weight, d) for s, d in ranked]
        rows.sort(key=lambda r: (-r[0], r[2]))
        terms = frozenset(t for p in parts for t in p.terms)
        unknown = sum(p.weight for p in parts if p.content and not p.known) / weight
        best = firm[rows[0][2]] if rows else 0.0
        return _Match(rows, total_any, terms, best, sum(p.content for p in parts), unknown,
                      best / weight)

    # -- spelling ------------------------------------------------------------------------------

    def known(self, word: str) -> bool:
        """Some article uses this word (or it has no index term at all)."""
        return self.concepts.known(word)

    def speller(self, include_internal: bool) -> Speller:
        """Close words among those the articles a search may show use in their titles,
        summaries and tags (internal words never reach the public); built on the first
        misspelt word from the index's lexicon, kept with the searcher. One correction
        structure serves both: the public speller only keeps public words' suggestions."""
        if not self._spellers:
            public = self._lexicon("spell_public")
            every = dict(public)
            for w, n in self._lexicon("spell_internal").items():
                every[w] = every.get(w, 0) + n  # an article is public or internal: they add up
            self._spellers[True] = Speller(every)
            self._spellers[False] = self._spellers[True].among(public)
        return self._spellers[include_internal]

    def _lexicon(self, name: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for term, info in self.reader.iter_field(name):
            w = term.decode("utf-8") if isinstance(term, bytes) else str(term)
            if len(w) >= 3 and w.isalpha():
                counts[w] = info.doc_frequency()
        return counts

    def correct(self, query_words: list[str], allow: set[int] | None, need: int,
                best: _Match | None, include_internal: bool,
                said: Hints = NO_HINTS) -> tuple[_Match | None, tuple[list[str], _Match] | None]:
        """Replace misspelt words (non-words no article uses) by close index words, one at a
        time, keeping a replacement only when the request is then clearly better answered.

        ``best`` (the request as typed) may be None: it is then matched only when a correction
        does not beat the most it could answer (its words no article uses answer nothing), so a
        misspelt request costs about one match, not two. Returns it (None if never needed) and
        the corrected words with their match, or None."""
        speller = self.speller(include_internal)
        fixed = list(query_words)
        current = best
        ceiling = self._ceiling(query_words, said) if best is None else 0.0
        changed = False
        for i, w in enumerate(query_words):
            if is_stop(w) or self.known(w):
                continue
            for candidate in speller.candidates(w):
                trial = [*fixed[:i], candidate, *fixed[i + 1:]]
                got = self._match(trial, allow, need, said)
                if current is None and got.top < ceiling + BETTER:
                    current = best = self._match(query_words, allow, need, said)
                if got.top >= (ceiling if current is None else current.top) + BETTER:
                    fixed, current, changed = trial, got, True
                    break
        return best, ((fixed, current) if changed and current is not None else None)

    def _ceiling(self, query_words: list[str], said: Hints) -> float:
        """The most of the request any article could answer: its concepts some article knows."""
        parts = [p for p in self.concepts.parts(query_words, said) if p.content]
        weight = sum(p.weight for p in parts) or 1.0
        return sum(p.weight for p in parts if p.known and p.leaves) / weight

    # -- public operations ---------------------------------------------------------------------

    @staticmethod
    def nothing(text: Any, category: str | None, page: Any, per_page: Any) -> SearchResults:
        """Empty results, shaped like real ones (no index yet, blank query, nothing allowed)."""
        return SearchResults(query=text if isinstance(text, str) else "", total=0,
                             page=_clamp(page, 1, MAX_PAGE, 1), pages=0,
                             per_page=_clamp(per_page, 1, MAX_PER_PAGE, 10), hits=[],
                             did_you_mean=None, category=category)

    def search(self, text: Any, *, category: str | None, page: Any, per_page: Any,
               include_internal: bool, exact: bool = False,
               show_all: bool = False) -> SearchResults:
        out = self.nothing(text, category, page, per_page)
        raw = out.query[:MAX_QUERY_CHARS]
        allow = self.allowed(category, include_internal)
        if allow is not None and not allow:
            return out
        named = self._named(raw, allow, bare=include_internal)
        text = normalize(without_ids(raw))
        query_words = words(text) if not (named and raw.strip().isdigit()) else []
        said = hints(text)
        pinned = [d for d in pinned_docs(self, raw, allow, include_internal) if d not in named]
        need = out.page * out.per_page
        best: _Match | None = None
        if not exact and query_words:
            best, corrected = self.correct(query_words, allow, need, None, include_internal,
                                           said)
            if corrected is not None:
                fixed, best = corrected
                out.did_you_mean = " ".join(fixed)
        if best is None:
            best = self._match(query_words, allow, need, said)
        rows = best.ranked
        top_score = rows[0][0] if rows else 0.0
        strong = [r for r in rows if r[0] >= CUT * top_score]
        out.show_all = bool(show_all)
        shown = rows if show_all else strong
        out.confident = bool(named or pinned) or best.confident
        out.coverage, out.firm, out.words = best.top, best.firm, best.words
        out.unknown, out.strong = best.unknown, best.strong
        out.looked_up = bool(named)
        first = [*named, *pinned]
        docs = [*first, *(d for _s, _c, d in shown if d not in first)]
        cover = {d: c for _s, c, d in rows}
        score = {d: s for s, _c, d in rows}
        out.total = len(docs) + (max(0, best.total_any - len(rows)) if show_all else 0)
        out.total_all = max(best.total_any, len(rows), out.total)
        out.pages = -(-out.total // out.per_page)
        start = (out.page - 1) * out.per_page
        out.hits = [self._hit(d, score.get(d, 1.0), best.terms, cover.get(d, 1.0))
                    for d in docs[start:start + out.per_page]]
        return out

    def _named(self, text: str, allow: set[int] | None, *, bare: bool) -> list[int]:
        """Docnums of the articles the text names by id ("KB-42"; "42" when ``bare``)."""
        out = []
        for article_id in article_ids(text, bare=bare):
            docnum = self.searcher.document_number(id=str(article_id))
            if docnum is not None and (allow is None or docnum in allow):
                out.append(docnum)
        return out

    def _hit(self, docnum: int, score: float, terms: frozenset[str] | None,
             coverage: float = 1.0) -> Hit:
        doc = self.searcher.stored_fields(docnum)
        summary = doc.get("summary", "")
        marked = snippet(doc.get("body", ""), terms) if terms else None
        return Hit(id=int(doc["id"]), title=doc.get("title", ""), summary=summary,
                   category=doc.get("category", ""), audience=doc.get("audience", ""),
                   snippet=marked or escape(summary), score=float(score), coverage=coverage)

    def suggest(self, prefix: Any, *, include_internal: bool, limit: Any) -> list[tuple[int, str]]:
        """Titles with a word starting with each typed word (the last may be unfinished)."""
        text = prefix if isinstance(prefix, str) else ""
        limit = _clamp(limit, 0, MAX_PER_PAGE, 8)
        allow = self.allowed(None, include_internal)
        concepts: list[Concept] = []
        for w in words(text[:MAX_QUERY_CHARS])[:MAX_WORDS]:
            joined = "".join(ch for ch in w if ch not in ".'’-")
            if len(joined) < 2:
                continue
            expanded = []
            for btext in self.reader.expand_prefix("title_words", joined):
                expanded.append(btext.decode("utf-8") if isinstance(btext, bytes) else btext)
                if len(expanded) >= PREFIX_TERMS:
                    break
            if not expanded:
                return []
            concepts.append([TermLeaf("title_words", t, 1.0) for t in expanded])
        if not concepts or not limit or (allow is not None and not allow):
            return []
        _total, ranked = self.ranker.conjunctive(concepts, allow, limit)
        return [(int(doc["id"]), doc.get("title", ""))
                for doc in (self.searcher.stored_fields(d) for _s, d in ranked)]

    def related(self, article_id: int, *, include_internal: bool, limit: Any) -> list[Hit]:
        """More like this: the article's key terms (Whoosh's Bo1 model) in title and body."""
        limit = _clamp(limit, 0, MAX_PER_PAGE, 5)
        key = (article_id, include_internal, limit)
        if key not in self._related:
            self._related[key] = self._more_like(article_id, include_internal, limit)
        return self._related[key]

    def _more_like(self, article_id: int, include_internal: bool, limit: int) -> list[Hit]:
        docnum = self.searcher.document_number(id=str(article_id))
        allow = self.allowed(None, include_internal)
        if docnum is None or not limit or (allow is not None and not allow):
            return []
        doc = self.searcher.stored_fields(docnum)
        text = f"{doc.get('title', '')}\n{doc.get('summary', '')}\n{doc.get('body', '')}"
        keys = self.searcher.key_terms_from_text("body", text, numterms=12)
        concepts: list[Concept] = [
            [TermLeaf(name, term, weight * FIELD_BOOSTS[name]) for name in ("title", "body")]
            for term, weight in keys]
        if not concepts:
            return []
        _total, ranked = self.ranker.disjunctive(concepts, allow, limit + 1)
        return [self._hit(d, score, None) for score, d in ranked if d != docnum][:limit]


def _clamp(value: Any, low: int, high: int, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return max(low, min(high, number))
