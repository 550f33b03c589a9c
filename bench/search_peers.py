"""The peers of the search benchmark doing the same work as our search: SQLite FTS5, and
tantivy when it is installed (`pip install -e '.[bench]'`; comparison only, never a dependency).

"Same work" is what our search() does for a query: its content words (the same small words
left out), the exact number of matches, the best ten with a highlighted snippet of the body,
and all the words joined by OR when fewer than ENOUGH articles have every word.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from kb.core.search.query import ENOUGH
from kb.core.search.request import is_stop
from kb.core.search.schema import FIELD_BOOSTS, words

try:
    import tantivy

    HAVE_TANTIVY = True
except ImportError:  # pragma: no cover - optional
    tantivy = None
    HAVE_TANTIVY = False

FTS_TOP = ("SELECT rowid, title, summary, snippet(docs, 3, '<mark>', '</mark>', '…', 24) "
           "FROM docs WHERE docs MATCH ? AND audience = 'public' "
           "ORDER BY bm25(docs, 3.0, 2.0, 2.0, 1.0) LIMIT 10")
FTS_COUNT = "SELECT count(*) FROM docs WHERE docs MATCH ? AND audience = 'public'"
FIELDS = list(FIELD_BOOSTS)


def content(q: str) -> list[str]:
    """The query's words less the small ones, as our search leaves them out."""
    return list(dict.fromkeys(w for w in words(q) if not is_stop(w))) or words(q)[:1]


def fts5_build(articles: list[Any], folder: Path) -> sqlite3.Connection:
    db = sqlite3.connect(folder / "fts.sqlite3")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, summary, tags, body,"
               " audience UNINDEXED, tokenize='porter unicode61')")
    db.executemany("INSERT INTO docs(rowid, title, summary, tags, body, audience) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   ((a.id, a.title, a.summary, " ".join(a.tags), a.text, a.audience)
                    for a in articles))
    db.commit()
    return db


def _match(terms: list[str], joiner: str) -> str:
    return joiner.join('"' + t.replace('"', '""') + '"' for t in terms)


def fts5_top(db: sqlite3.Connection, q: str) -> list[int]:
    """What FTS5 is usually asked: every word, the best ten with snippets."""
    return [row[0] for row in db.execute(FTS_TOP, (_match(content(q), " "),)).fetchall()]


def fts5_same_work(db: sqlite3.Connection, q: str) -> int:
    terms = content(q)
    match = _match(terms, " ")
    total = db.execute(FTS_COUNT, (match,)).fetchone()[0]
    db.execute(FTS_TOP, (match,)).fetchall()
    if total < ENOUGH and len(terms) > 1:
        match = _match(terms, " OR ")
        total = db.execute(FTS_COUNT, (match,)).fetchone()[0]
        db.execute(FTS_TOP, (match,)).fetchall()
    return int(total)


def _schema() -> Any:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True)
    for name in FIELDS:
        sb.add_text_field(name, stored=name != "tags", tokenizer_name="en_stem")
    sb.add_text_field("audience", stored=False, tokenizer_name="raw")
    return sb.build()


def tantivy_build(articles: list[Any], folder: Path) -> None:
    path = folder / "tantivy"
    path.mkdir()
    index = tantivy.Index(_schema(), path=str(path))
    writer = index.writer(heap_size=128_000_000, num_threads=1)
    for a in articles:
        writer.add_document(tantivy.Document(
            id=a.id, title=a.title, summary=a.summary, tags=" ".join(a.tags), body=a.text,
            audience=a.audience))
    writer.commit()
    writer.wait_merging_threads()


def tantivy_open(folder: Path) -> dict[str, Any]:
    index = tantivy.Index.open(str(folder / "tantivy"))
    return {"index": index, "searcher": index.searcher(), "schema": index.schema}


def _tantivy_run(t: dict[str, Any], terms: list[str], conjunction: bool,
                 fuzzy: bool = False) -> int:
    index, searcher = t["index"], t["searcher"]
    if fuzzy:  # bare words for fuzzy matching: no quotes, so no punctuation either
        terms = [part for w in terms for part in re.split(r"\W+", w) if part]
    text = " ".join(w if fuzzy else f'"{w}"' for w in terms if '"' not in w)
    kwargs: dict[str, Any] = {"field_boosts": FIELD_BOOSTS, "conjunction_by_default": conjunction}
    if fuzzy:
        kwargs["fuzzy_fields"] = {name: (False, 1, True) for name in FIELDS}
    q = index.parse_query(f"+audience:public +({text})", FIELDS, **kwargs)
    res = searcher.search(q, 10, count=True)
    snippets = tantivy.SnippetGenerator.create(searcher, q, t["schema"], "body")
    for _score, address in res.hits:
        snippets.snippet_from_doc(searcher.doc(address)).to_html()
    return int(res.count)


def tantivy_same_work(t: dict[str, Any], q: str) -> int:
    terms = content(q)
    total = _tantivy_run(t, terms, True)
    if total < ENOUGH and len(terms) > 1:
        total = _tantivy_run(t, terms, False)
    return total


def tantivy_fuzzy(t: dict[str, Any], q: str) -> int:
    """Tantivy's own way with typos: every word within one edit (a Levenshtein automaton)."""
    return _tantivy_run(t, content(q), True, fuzzy=True)
