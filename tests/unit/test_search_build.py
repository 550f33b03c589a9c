"""The fast index writer and analysis write what Whoosh's own writer and analyzers write."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from whoosh import fields, index
from whoosh.writing import SegmentWriter

from kb.core.content.loader import load_articles
from kb.core.search.schema import FastText, build_schema, document
from kb.core.search.writer import FastWriter, codec

ARTICLES = Path(__file__).resolve().parents[2] / "articles"
WORDS = ("printer Wi-Fi won't outlook.com log-in password the it's screen e-mail fi-fi can't "
         "İstanbul Ünïcode a.b x printers printing laptop network vpn").split()


def whoosh_schema() -> fields.Schema:
    """The same schema with Whoosh's plain TEXT fields (analysed by the analyzer chain)."""
    schema = build_schema()
    out = fields.Schema()
    for name, field in schema.items():
        if isinstance(field, FastText):
            field = fields.TEXT(analyzer=field.analyzer, stored=field.stored,
                                phrase=field.format.__class__.__name__ == "Positions")
        out.add(name, field)
    return out


def docs() -> list[dict[str, Any]]:
    real = load_articles(ARTICLES).articles
    out = [document(a) for a in real]
    base = real[0]
    for i in range(1, 300):  # terms with more than one block (128) of postings
        words = [WORDS[(i * k + k * k) % len(WORDS)] for k in range(1, 30)]
        out.append(document(replace(base, id=1000 + i, title=" ".join(words[:5]),
                                    summary=" ".join(words[:9]), body=" ".join(words),
                                    tags=(words[0], words[3]), digest=f"d{i}")))
    return out


def contents(ix: Any) -> dict[str, Any]:
    """Everything a reader can tell about the index."""
    out: dict[str, Any] = {}
    with ix.reader() as r:
        for name in ix.schema.names():
            if not ix.schema[name].indexed:
                continue
            for term in r.lexicon(name):
                info = r.term_info(name, term)
                m = r.postings(name, term)
                items = []
                while m.is_active():
                    items.append((m.id(), m.weight(), m.value()))
                    m.next()
                out[f"{name}:{term!r}"] = (
                    info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                    info.max_weight(), info.min_id(), info.max_id(), items)
            if ix.schema[name].scorable:
                out[f"len:{name}"] = [r.doc_field_length(d, name) for d in r.all_doc_ids()]
        out["stored"] = [r.stored_fields(d) for d in r.all_doc_ids()]
        out["digests"] = list(r.column_reader("digest"))
    return out


def build(folder: Path, schema: fields.Schema, writer: type[SegmentWriter],
          all_docs: list[dict[str, Any]]) -> dict[str, Any]:
    ix = index.create_in(str(folder), schema)
    w = writer(ix, codec=codec())
    for doc in all_docs[:200]:
        w.add_document(**doc)
    w.commit()
    for step in (slice(200, 260), slice(260, None)):  # later commits merge the small segments
        w = writer(ix, codec=codec())
        for doc in all_docs[step]:
            w.add_document(**doc)
        for doc in all_docs[100:110]:
            w.update_document(**{**doc, "body": doc["body"] + " printer toner"})
        w.commit()
    got = contents(ix)
    ix.close()
    return got


def test_fast_writer_writes_what_whoosh_writes(tmp_path: Path) -> None:
    all_docs = docs()
    (tmp_path / "ours").mkdir()
    (tmp_path / "whoosh").mkdir()
    ours = build(tmp_path / "ours", build_schema(), FastWriter, all_docs)
    theirs = build(tmp_path / "whoosh", whoosh_schema(), SegmentWriter, all_docs)
    assert ours.keys() == theirs.keys()
    assert [k for k in ours if ours[k] != theirs[k]] == []
    assert any(len(v[-1]) > 128 for k, v in ours.items() if k.startswith("body:"))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_fast_analysis_gives_the_analyzer_terms_and_positions(lang: str) -> None:
    text = (" ".join(WORDS) + " " + load_articles(ARTICLES).articles[0].text
            + " L'imprimante ne marche pas, les écrans et l'ordinateur portable ça va")
    for name, field in build_schema(lang).items():
        if isinstance(field, FastText):
            plain = fields.TEXT(analyzer=field.analyzer, phrase=field.format.__class__.__name__
                                == "Positions")
            assert sorted(field.index(text)) == sorted(plain.index(text)), name
