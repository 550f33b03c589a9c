"""Turning what people type into ranked, filtered, highlighted results.

User text never reaches Whoosh's query parser: it is cut into plain words, so quotes, ``AND(``
or ``*`` are just words and nothing can raise. The cheap conjunctive (AND) query runs first;
OR and spelling correction run only when AND finds fewer than ENOUGH documents.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from html import escape
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.support.levenshtein import damerau_levenshtein

from .ranking import Concept, QueryLeaf, Ranked, Ranker, TermLeaf
from .schema import FIELD_BOOSTS, word_keys, words
from .snippets import matches, snippet
from .synonyms import Phrase, Synonyms

MAX_QUERY_CHARS = 200  # longer input is cut: nobody types more, and it bounds the work
MAX_WORDS = 10
ENOUGH = 3  # fewer AND matches than this and the query is retried with OR / corrected words
MAX_PER_PAGE = 100
MAX_PAGE = 1000
PREFIX_TERMS = 64  # title words one typed prefix may expand to in suggestions
PHRASE_FIELDS = ("title", "summary", "tags")  # fields with positions


@dataclass
class Hit:
    id: int
    title: str
    summary: str
    category: str
    audience: str
    snippet: str  # safe HTML: escaped text, matched words in <mark>; else the escaped summary
    score: float


@dataclass
class SearchResults:
    query: str
    total: int
    page: int
    pages: int
    per_page: int
    hits: list[Hit]
    did_you_mean: str | None  # corrected query, only when it does better than the original
    category: str | None


@dataclass
class _Attempt:
    """One way of running the words: how many matched, the top documents, the terms to mark."""

    total: int = 0
    ranked: Ranked = field(default_factory=list)
    conjunctive: bool = False
    terms: frozenset[str] = frozenset()

    def quality(self) -> tuple[int, int, float]:
        top = self.ranked[0][0] if self.ranked else 0.0
        return (int(self.total > 0) + int(self.conjunctive and self.total > 0), self.total, top)


class Engine:
    """Runs queries on one Whoosh searcher; lives as long as that searcher (caches with it)."""

    def __init__(self, searcher: Searcher, synonyms: Synonyms):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.synonyms = synonyms
        self.ranker = Ranker(searcher)
        self._allowed: dict[tuple[str | None, bool], set[int] | None] = {}
        self._words: dict[str, list[str]] = {}

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

    # -- building ------------------------------------------------------------------------------

    def _concept(self, alternatives: list[Phrase]) -> tuple[Concept, set[str]]:
        """A word or synonym group as leaves: each stem in each text field, boosted per field."""
        leaves: Concept = []
        terms: set[str] = set()
        for phrase in alternatives:
            stems = [keys[0] for w in phrase if (keys := word_keys(w))]
            terms.update(stems)
            if len(stems) == 1:
                leaves.extend(TermLeaf(name, stems[0], boost)
                              for name, boost in FIELD_BOOSTS.items())
            elif stems:
                leaves.extend(QueryLeaf(wq.Phrase(name, stems, boost=FIELD_BOOSTS[name]))
                              for name in PHRASE_FIELDS)
                leaves.append(QueryLeaf(wq.And([wq.Term("body", s) for s in stems])))
        return leaves, terms

    def _attempt(self, query_words: list[str], allow: set[int] | None, limit: int) -> _Attempt:
        concepts: list[Concept] = []
        terms: set[str] = set()
        for alternatives in self.synonyms.expand(query_words):
            leaves, concept_terms = self._concept(alternatives)
            terms |= concept_terms
            if leaves:
                concepts.append(leaves)
        if not concepts:
            return _Attempt()
        marks = frozenset(terms)
        total, ranked = self.ranker.conjunctive(concepts, allow, limit)
        if total >= ENOUGH or len(concepts) == 1:
            return _Attempt(total, ranked, True, marks)
        any_total, any_ranked = self.ranker.disjunctive(concepts, allow, limit)
        if any_total > total:
            return _Attempt(any_total, any_ranked, False, marks)
        return _Attempt(total, ranked, True, marks)

    # -- spelling ------------------------------------------------------------------------------

    def _known(self, stem: str) -> bool:
        return any(self.reader.doc_frequency(name, stem) for name in FIELD_BOOSTS)

    def _correct_word(self, word: str, stem: str, allow: set[int] | None) -> str | None:
        """The closest indexed stem (title or body), most frequent first; as a readable word.

        Candidates share the first two letters and are within 2 edits (1 for short words):
        most typos are later in the word, and it keeps the comparisons to a few hundred."""
        if len(stem) < 3 or not stem.isalpha():
            return None
        limit = 1 if len(stem) < 5 else 2
        letters = set(stem)
        scored = []
        for term in self._terms_starting(stem[:2]):
            if term == stem or abs(len(term) - len(stem)) > limit:
                continue
            if len(letters.symmetric_difference(term)) > 2 * limit:  # cheap: letters differ
                continue
            dist = damerau_levenshtein(stem, term, limit)
            if dist <= limit:
                freq = sum(self.reader.doc_frequency(name, term) for name in ("title", "body"))
                scored.append((dist, -freq, term))
        if not scored:
            return None
        return self._spell_out(word, stem, min(scored)[2], allow)

    def _terms_starting(self, prefix: str) -> list[str]:
        """Title and body stems starting with ``prefix`` (cached per searcher)."""
        got = self._words.get(prefix)
        if got is None:
            terms: set[str] = set()
            for name in ("title", "body"):
                for btext in self.reader.expand_prefix(name, prefix):
                    term = btext.decode("utf-8") if isinstance(btext, bytes) else str(btext)
                    if len(term) >= 3 and term.isalpha():
                        terms.add(term)
            if len(self._words) > 2_000:
                self._words.clear()
            got = self._words[prefix] = sorted(terms)
        return got

    def _spell_out(self, word: str, stem: str, fixed: str, allow: set[int] | None) -> str:
        """A word people can read for a corrected stem: "priners" -> "printers"."""
        joined = "".join(ch for ch in word if ch not in ".'’-")
        if joined != stem and joined.startswith(stem):  # keep the typed ending: -s, -ing...
            guess = fixed + joined[len(stem):]
            if word_keys(guess)[:1] == (fixed,):
                return guess
        for btext in self.reader.expand_prefix("title_words", fixed[:max(1, len(fixed) - 1)]):
            candidate = btext.decode("utf-8") if isinstance(btext, bytes) else str(btext)
            if word_keys(candidate)[:1] == (fixed,):
                return candidate
        # As written in the text of a document this search may show.
        for name in ("summary", "body"):
            for docnum in self.ranker.impacts(TermLeaf(name, fixed, 1.0)).ids:
                if allow is None or docnum in allow:
                    text = self.searcher.stored_fields(docnum).get(name, "")
                    for start, end, _key in matches(text, frozenset([fixed])):
                        return text[start:end].lower()
                    break
        return fixed

    def correct(self, query_words: list[str], allow: set[int] | None) -> list[str] | None:
        """The words with unknown ones replaced by close indexed words, or None if no change."""
        fixed = list(query_words)
        for i, w in enumerate(query_words):
            keys = word_keys(w)
            if keys and not self._known(keys[0]):
                better = self._correct_word(w, keys[0], allow)
                if better is not None:
                    fixed[i] = better
        return fixed if fixed != query_words else None

    # -- public operations ---------------------------------------------------------------------

    @staticmethod
    def nothing(text: Any, category: str | None, page: Any, per_page: Any) -> SearchResults:
        """Empty results, shaped like real ones (no index yet, blank query, nothing allowed)."""
        return SearchResults(query=text if isinstance(text, str) else "", total=0,
                             page=_clamp(page, 1, MAX_PAGE, 1), pages=0,
                             per_page=_clamp(per_page, 1, MAX_PER_PAGE, 10), hits=[],
                             did_you_mean=None, category=category)

    def search(self, text: Any, *, category: str | None, page: Any, per_page: Any,
               include_internal: bool) -> SearchResults:
        out = self.nothing(text, category, page, per_page)
        query_words = words(out.query[:MAX_QUERY_CHARS])[:MAX_WORDS]
        allow = self.allowed(category, include_internal)
        if not query_words or (allow is not None and not allow):
            return out
        limit = out.page * out.per_page
        best = self._attempt(query_words, allow, limit)
        if best.total < ENOUGH or not best.conjunctive:
            corrected = self.correct(query_words, allow)
            if corrected is not None:
                alt = self._attempt(corrected, allow, limit)
                if alt.quality() > best.quality():
                    best, out.did_you_mean = alt, " ".join(corrected)
        out.total = best.total
        out.pages = -(-best.total // out.per_page)
        start = (out.page - 1) * out.per_page
        out.hits = [self._hit(docnum, score, best.terms)
                    for score, docnum in best.ranked[start:start + out.per_page]]
        return out

    def _hit(self, docnum: int, score: float, terms: frozenset[str] | None) -> Hit:
        doc = self.searcher.stored_fields(docnum)
        summary = doc.get("summary", "")
        marked = snippet(doc.get("body", ""), terms) if terms else None
        return Hit(id=int(doc["id"]), title=doc.get("title", ""), summary=summary,
                   category=doc.get("category", ""), audience=doc.get("audience", ""),
                   snippet=marked or escape(summary), score=float(score))

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
