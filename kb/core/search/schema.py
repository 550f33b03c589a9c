"""What the index holds and how words are cut up: shared by indexing, queries and snippets."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from whoosh import columns, fields, formats
from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemmingAnalyzer,
    StopFilter,
    Token,
)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.analysis.morph import StemFilter
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.lang.porter import stem
from whoosh.system import pack_uint

from kb.core.content.article import Article

# Bump when the schema or analysis changes: every stored digest then differs, so `sync` rebuilds.
SCHEMA_VERSION = "4"

# Words may carry inner hyphens, apostrophes and dots ("Wi-Fi", "won't", "outlook.com") so the
# joined form can be indexed too; the default Whoosh pattern would split them apart.
WORD_PATTERN = r"\w+(?:[.'’\-]\w+)*"
WORD_RE = re.compile(WORD_PATTERN)
_JOINERS = re.compile(r"[.'’\-]")

# How much a match in each field counts: a title hit outranks summary/tags, which outrank the body.
FIELD_BOOSTS: dict[str, float] = {"title": 3.0, "summary": 2.0, "tags": 2.0, "body": 1.0}


# Words that say something does not work ("won't print", "isn't working", "no signal"). Indexed
# as one term, NEGATION, so a request saying something fails can prefer the articles whose title
# or tags say so too ("My VPN won't connect") over how-to articles about the same thing.
NEGATION = "xnot"
NEGATORS = frozenset("""
not no never cannot unable won't can't isn't doesn't don't didn't wasn't aren't weren't couldn't
wouldn't hasn't haven't ain't wont cant isnt doesnt dont didnt wasnt arent werent couldnt
wouldnt hasnt havent aint won’t can’t isn’t doesn’t don’t didn’t wasn’t aren’t couldn’t
pas jamais aucun aucune
""".split())  # the last line: French ("ne marche pas", "jamais reçu")

# The language of the index being read or written (kb.core.search.indexer sets it around each
# read): the query side must stem and drop stop words exactly as that index's analyser did.
DEFAULT_LANG = "en"
LANG: ContextVar[str] = ContextVar("kb_search_lang", default=DEFAULT_LANG)


@lru_cache(maxsize=16)
def stemmer(lang: str) -> Callable[[str], str]:
    """Porter for English (as before); Whoosh's Snowball stemmer for the other languages."""
    return stem if lang == DEFAULT_LANG else stemmer_for_language(lang)


@lru_cache(maxsize=16)
def stop_words(lang: str) -> frozenset[str]:
    """Whoosh's English stop words; for another language its list plus the English one
    (untranslated articles sit in every language's index)."""
    if lang == DEFAULT_LANG:
        return STOP_WORDS
    return STOP_WORDS | (frozenset(stopwords_for_language(lang)) | MORE_STOPS.get(lang, set())) \
        - NEGATORS


# Common words Whoosh's lists lack (its French list has "le" and "la" but not "les").
MORE_STOPS: dict[str, set[str]] = {"fr": {"les", "ça", "cela", "cet", "cette"}}


class NegationFilter(Filter):
    """Every negating word becomes the one term NEGATION (before stop words drop "not")."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if t.text in NEGATORS:
                t.text = NEGATION
            yield t


class JoinFilter(Filter):
    """Index "Wi-Fi" as "wifi" plus "wi", "fi" (same position), so "wifi" and "wi-fi" both find it.

    It runs after the stop-word filter, so the parts share the word's position and phrases work.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            if "-" in text or "'" in text or "’" in text or "." in text:
                parts = [p for p in _JOINERS.split(text) if p]
                t.text = "".join(parts)
                yield t
                if len(parts) > 1:
                    for part in parts:
                        if len(part) >= 2 and part not in STOP_WORDS:
                            t.text = part
                            yield t
            else:
                yield t


@lru_cache(maxsize=200_000)
def token_keys(word: str, lang: str = DEFAULT_LANG) -> tuple[str, ...]:
    """Every term text_analyzer(lang) files one lower-cased word under, in its order and with
    its repeats ("fi-fi": "fifi", "fi", "fi"), all at the word's one position."""
    if word in NEGATORS:
        return (NEGATION,)
    stops, stem_fn = stop_words(lang), stemmer(lang)
    if len(word) < 2 or word in stops:
        return ()
    parts = [p for p in _JOINERS.split(word) if p]
    if len(parts) == 1:
        return (stem_fn(parts[0]),)
    forms = ["".join(parts), *(p for p in parts if len(p) >= 2 and p not in STOP_WORDS)]
    return tuple(stem_fn(f) for f in forms)


@lru_cache(maxsize=200_000)
def plain_keys(word: str) -> tuple[str, ...]:
    """The same for plain_analyzer: unstemmed, stop words kept."""
    if "-" in word or "'" in word or "’" in word or "." in word:
        parts = [p for p in _JOINERS.split(word) if p]
        if len(parts) > 1:
            return ("".join(parts), *(p for p in parts if len(p) >= 2 and p not in STOP_WORDS))
        return ("".join(parts),)
    return (word,)


def word_keys(word: str) -> tuple[str, ...]:
    """Index terms one lower-cased word yields in the text fields (joined form, parts; stemmed),
    in the language of the index being read (LANG)."""
    return _word_keys(word, LANG.get())


@lru_cache(maxsize=200_000)
def _word_keys(word: str, lang: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(token_keys(word, lang)))


def stem_word(word: str, lang: str | None = None) -> str:
    """A word's stem with no stop-word removal: how synonym members and wizard keywords are
    compared (memoised: routing one answer stems every keyword of every route again)."""
    return _stem_word(word, lang or LANG.get())


@lru_cache(maxsize=200_000)
def _stem_word(word: str, lang: str) -> str:
    return stemmer(lang)("".join(_JOINERS.split(word.lower())))


def words(text: str) -> list[str]:
    """Lower-cased words of user text, before joining, stop words and stemming."""
    return [w.lower() for w in WORD_RE.findall(text)]


def text_analyzer(lang: str = DEFAULT_LANG) -> Analyzer:
    """Whoosh's StemmingAnalyzer with NegationFilter before the stop words and JoinFilter
    spliced in between stop words and stemming; another language gets its own stop words and
    Whoosh's Snowball stemmer for it (``StemFilter(lang=…)``, which pickles by name)."""
    if lang == DEFAULT_LANG:
        chain: Any = StemmingAnalyzer(expression=WORD_PATTERN, cachesize=100_000)
    else:
        chain = StemmingAnalyzer(expression=WORD_PATTERN, stoplist=stop_words(lang))
        chain.items[-1] = StemFilter(lang=lang, cachesize=100_000)
    chain.items.insert(3, JoinFilter())
    chain.items.insert(2, NegationFilter())
    return chain


def plain_analyzer() -> Analyzer:
    """Same words as text_analyzer but unstemmed and with stop words: what people type."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | StopFilter(stoplist=(), minsize=1) \
        | JoinFilter()


class FastText(fields.TEXT):
    """A TEXT field that analyses by looking each word up in token_keys/plain_keys (memoised)
    instead of running Whoosh's filter chain token by token: the same terms, frequencies and
    positions (tests/unit/test_search_build.py compares them) for a fraction of the CPU. The
    analyzer stays the field's, for anything else that asks Whoosh to analyse text."""

    def __init__(self, *, plain: bool = False, lang: str = DEFAULT_LANG, **kwargs: Any):
        super().__init__(analyzer=plain_analyzer() if plain else text_analyzer(lang), **kwargs)
        self.plain, self.lang = plain, lang

    def _keys(self, word: str) -> tuple[str, ...]:
        return plain_keys(word) if self.plain else token_keys(word, self.lang)

    def index(self, value: Any, **kwargs: Any) -> Any:
        fmt = self.format
        if not isinstance(value, str) or type(fmt) not in (formats.Positions, formats.Frequency):
            return super().index(value, **kwargs)
        if type(fmt) is formats.Frequency:
            freqs = self.counts(value)
            return [(k, f, float(f), pack_uint(f)) for k, f in freqs.items()]
        keys_of = self._keys
        poses: dict[str, list[int]] = {}
        pos = None  # StopFilter numbers kept words on from the first one's place
        for i, w in enumerate(WORD_RE.findall(value)):
            keys = keys_of(w.lower())
            if keys:
                pos = i if pos is None else pos + 1
                for key in keys:
                    poses.setdefault(key, []).append(pos)
        encode = fmt.encode
        return [(k.encode("utf-8"), len(p), float(len(p)), encode(p)) for k, p in poses.items()]


    def counts(self, value: str) -> dict[bytes, int]:
        """Term (UTF-8) -> frequency in ``value``, for a field without positions (words are
        counted first: each distinct word is looked up once)."""
        lang = self.lang
        keys_of = _plain_bytes if self.plain else (lambda w: _token_bytes(w, lang))
        out: dict[bytes, int] = {}
        get = out.get
        for word, n in Counter(map(str.lower, WORD_RE.findall(value))).items():
            for key in keys_of(word):
                out[key] = get(key, 0) + n
        return out


@lru_cache(maxsize=200_000)
def _token_bytes(word: str, lang: str) -> tuple[bytes, ...]:
    return tuple(k.encode("utf-8") for k in token_keys(word, lang))


@lru_cache(maxsize=200_000)
def _plain_bytes(word: str) -> tuple[bytes, ...]:
    return tuple(k.encode("utf-8") for k in plain_keys(word))


class DigestColumn(fields.COLUMN):
    """Kept in a column only (sync reads every digest from it); not indexed, not stored."""

    def __init__(self) -> None:
        super().__init__(columns.VarBytesColumn())

    def to_bytes(self, value: Any) -> bytes:
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)

    def from_bytes(self, value: bytes) -> str:
        return value.decode("utf-8")


def build_schema(lang: str = DEFAULT_LANG) -> fields.Schema:
    """The schema, built on demand (nothing is created at import time)."""
    return fields.Schema(
        # The article number (KB-<id>) as text; unique, so update_document/delete_by_term work
        # by it. The column (sortable) lets sync read every id without loading stored bodies.
        id=fields.ID(unique=True, stored=True, sortable=True),
        # Article title, stemmed; stored for result lists; boosted most (FIELD_BOOSTS).
        title=FastText(lang=lang, stored=True),
        # One-line summary, stemmed; stored as the snippet fallback and for result lists.
        summary=FastText(lang=lang, stored=True),
        # Tags, stemmed like the text so "printers" finds the tag "printer".
        tags=FastText(lang=lang),
        # Plain-text body (Markdown removed), StemmingAnalyzer; stored so snippets are cut from
        # the stored text of the page's hits only. No positions: they triple the cost of reading
        # its postings; a synonym phrase matches the body when the body has all its words.
        body=FastText(lang=lang, stored=True, phrase=False),
        # Category id, exact; stored for result lists and used as a filter.
        category=fields.ID(stored=True),
        # "public" or "internal", exact; stored and used as the filter that hides internal pages.
        audience=fields.ID(stored=True),
        # SCHEMA_VERSION + the article file's hash, in a column so sync reads all of them fast;
        # not indexed (20,000 unique terms would only slow building) and not stored (never read).
        digest=DigestColumn(),
        # Title words unstemmed: search-as-you-type expands a typed prefix over these terms, and
        # spelling corrections are shown as the real word rather than its stem.
        title_words=FastText(plain=True, phrase=False),
        # Words as written in title, summary and tags of public articles / of internal ones
        # (an agent's speller adds both up), not stored, no positions: the spelling
        # corrector's vocabulary, read from the lexicon in milliseconds instead of from every
        # stored body (seconds at 20,000 articles).
        spell_public=FastText(plain=True, phrase=False),
        spell_internal=FastText(plain=True, phrase=False),
    )


def field_names() -> frozenset[str]:
    """Names the index must have; an index with other fields is rebuilt by sync."""
    return frozenset(build_schema().names())


def article_digest(article: Article) -> str:
    """What sync compares: the file hash when there is one, else a hash of the indexed fields."""
    digest = article.digest
    if not digest:
        h = hashlib.sha1()
        for part in (article.title, article.summary, article.category, article.audience,
                     "\x1f".join(article.tags), article.body):
            h.update(part.encode("utf-8", "surrogatepass") + b"\x1e")
        digest = h.hexdigest()
    return f"{SCHEMA_VERSION}:{digest}"


def document(article: Article) -> dict[str, str]:
    """The fields Whoosh indexes for one article."""
    body = article.text
    tags = " ".join(article.tags)
    spell = f"{article.title}\n{article.summary}\n{tags}"
    return {
        "id": str(article.id),
        "title": article.title,
        "summary": article.summary,
        "tags": tags,
        "body": body,
        "category": article.category or "",
        "audience": article.audience or "",
        "digest": article_digest(article),
        "title_words": article.title,
        "spell_public": spell if article.audience == "public" else "",
        "spell_internal": "" if article.audience == "public" else spell,
    }
