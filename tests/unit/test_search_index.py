"""The index on disk: incremental sync, atomic rebuilds, damaged indexes, other processes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from whoosh import query as wq
from whoosh.query.compound import DefaultOr

from kb.core.content.article import Article
from kb.core.search import SearchIndex
from kb.core.search.ranking import TermLeaf
from kb.core.search.schema import FIELD_BOOSTS, text_analyzer, word_keys

WORDS = ("printer cable network outlook password screen laptop update driver meeting camera "
         "battery folder backup browser keyboard mouse headset docking").split()


def corpus(n: int) -> list[Article]:
    """Deterministic articles with overlapping words, so queries match several of them."""
    out = []
    for i in range(1, n + 1):
        words = [WORDS[(i * k + k * k) % len(WORDS)] for k in range(1, 40)]
        out.append(Article(id=i, title=f"{WORDS[i % len(WORDS)]} {WORDS[(i * 3) % len(WORDS)]}",
                           summary=" ".join(words[:8]), category=f"c{i % 3}",
                           body=" ".join(words), tags=(WORDS[(i * 7) % len(WORDS)],),
                           audience="internal" if i % 10 == 0 else "public", digest=f"v1-{i}"))
    return out


def edited(article: Article, body: str) -> Article:
    return replace(article, body=body, digest=article.digest + "-edited")


def test_sync_builds_then_only_touches_changes(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path / "index")
    articles = corpus(30)
    assert idx.sync(articles) == 30  # no index yet: full build
    assert idx.sync(articles) == 0
    assert not idx.is_stale(articles)
    articles[4] = edited(articles[4], "zebra crossing")
    assert idx.is_stale(articles)
    assert idx.sync(articles) == 1
    assert [h.id for h in idx.search("zebra").hits] == [5]
    assert SearchIndex(tmp_path / "index").sync(articles) == 0  # a restart: nothing to do
    assert idx.doc_count() == 30


def test_sync_deletes_articles_that_disappeared(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path / "index")
    articles = corpus(12)
    idx.sync(articles)
    unique = edited(articles[0], "quokka")
    idx.sync([unique, *articles[1:]])
    assert [h.id for h in idx.search("quokka").hits] == [1]
    assert idx.sync(articles[1:]) == 1  # article 1 is gone
    assert idx.search("quokka").total == 0 and idx.doc_count() == 11
    idx.remove(2)
    assert idx.doc_count() == 10
    idx.add(unique)
    assert [h.id for h in idx.search("quokka").hits] == [1]


def test_rebuild_swaps_in_a_new_folder_and_old_readers_move_on(tmp_path: Path) -> None:
    link = tmp_path / "index"
    reader = SearchIndex(link)
    writer = SearchIndex(link)
    writer.rebuild(corpus(10))
    assert reader.search("printer").total > 0  # opens the first version
    for round_ in range(4):
        writer.rebuild([Article(id=99, title=f"Okapi {round_}", summary="s", category="c",
                                body="okapi", digest=str(round_))])
        assert link.is_symlink()
        assert [h.title for h in reader.search("okapi").hits] == [f"Okapi {round_}"]
        assert reader.doc_count() == 1
    versions = [p for p in tmp_path.iterdir() if p.name.startswith(".index.v")]
    assert len(versions) <= 2  # the current folder and the one before it


def test_another_process_sees_synced_changes(tmp_path: Path) -> None:
    articles = corpus(10)
    first, second = SearchIndex(tmp_path / "index"), SearchIndex(tmp_path / "index")
    first.sync(articles)
    assert second.search("wombat").total == 0
    first.sync([edited(articles[2], "wombat"), *articles[:2], *articles[3:]])
    assert [h.id for h in second.search("wombat").hits] == [3]


@pytest.mark.parametrize("damage", ["garbage", "empty", "missing-toc"])
def test_damaged_index_is_rebuilt_by_sync(tmp_path: Path, damage: str) -> None:
    idx = SearchIndex(tmp_path / "index")
    articles = corpus(15)
    idx.sync(articles)
    folder = (tmp_path / "index").resolve()
    for path in folder.iterdir():
        if damage == "garbage":
            path.write_bytes(b"\x00garbage\xff" * 50)
        elif damage == "empty":
            path.write_bytes(b"")
        elif path.suffix == ".toc":
            path.unlink()
    fresh = SearchIndex(tmp_path / "index")
    assert fresh.search("printer").total == 0  # unreadable: no results, no exception
    assert fresh.is_stale(articles)
    assert fresh.sync(articles) == 15
    assert fresh.search("printer").total > 0 and fresh.sync(articles) == 0


def test_missing_index_finds_nothing_until_built(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path / "deep" / "er" / "index")
    assert idx.search("printer").total == 0
    assert idx.suggest("pri") == [] and idx.related(1) == [] and idx.doc_count() == 0
    idx.remove(1)  # nothing to remove from: no error
    idx.add(corpus(1)[0])
    assert idx.doc_count() == 1


def test_index_dir_that_is_a_plain_folder_is_replaced(tmp_path: Path) -> None:
    plain = tmp_path / "index"
    plain.mkdir()
    (plain / "leftover.txt").write_text("old")
    idx = SearchIndex(plain)
    assert idx.sync(corpus(5)) == 5
    assert plain.is_symlink() and idx.search("printer").total > 0


def test_ranking_matches_whoosh_own_search_after_updates(tmp_path: Path) -> None:
    """The fast posting reads must give exactly Whoosh's BM25F scores and totals, including on
    several segments with deleted documents."""
    idx = SearchIndex(tmp_path / "index")
    articles = corpus(400)
    idx.rebuild(articles)
    idx.sync([edited(a, a.body + " printer") if a.id % 7 == 0 else a for a in articles[:-20]])
    idx.search("printer")
    engine = idx._current()
    assert engine is not None
    searcher = engine.searcher
    allow = engine.allowed(None, False)
    assert len(searcher.reader().leaf_readers()) > 1 and searcher.reader().has_deletions()
    for words in (["printer"], ["cable", "network"], ["printer", "outlook", "zebra"],
                  ["docking", "headset"]):
        stems = [word_keys(w)[0] for w in words]
        concepts = [[TermLeaf(f, s, b) for f, b in FIELD_BOOSTS.items()] for s in stems]
        ours = [engine.ranker.conjunctive(concepts, allow, 10),
                engine.ranker.disjunctive(concepts, allow, 10)]
        ors = [DefaultOr([wq.Term(f, s, boost=b) for f, b in FIELD_BOOSTS.items()]) for s in stems]
        theirs = [wq.And(ors) if len(ors) > 1 else ors[0],
                  DefaultOr(ors) if len(ors) > 1 else ors[0]]
        for (total, top), q in zip(ours, theirs, strict=True):
            results = searcher.search(q, limit=None, filter=allow)
            assert total == len(results)
            expected = [(round(h.score, 6), h.docnum) for h in results[:10]]
            assert [(round(s, 6), d) for s, d in top] == expected


def test_query_terms_match_what_the_analyzer_indexes() -> None:
    analyzer = text_analyzer()
    for word in ["Printers", "Wi-Fi", "won't", "outlook.com", "log-in", "the", "x", "Ünïcode"]:
        indexed = [t.text for t in analyzer(word)]
        assert list(word_keys(word.lower())) == list(dict.fromkeys(indexed))
