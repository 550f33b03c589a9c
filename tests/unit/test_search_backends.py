"""The backends behind kb.core.search's one interface: the fast ranker must answer exactly as
Whoosh's own search (the reference), also with its thresholds lowered so that the branches
real indexes only take above 2,000 matching documents (probing, caching, the threshold
algorithm, cache eviction) run here on 400; and KB_SEARCH_BACKEND picks the backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from whoosh import query as wq

from kb.core.search import SearchIndex, ranking
from kb.core.search.backends import open_index
from kb.core.search.query import Engine
from kb.core.search.ranking import Concept, QueryLeaf, Ranker, TermLeaf
from kb.core.search.reference import WhooshRanker
from kb.core.search.schema import FIELD_BOOSTS, word_keys
from tests.unit.test_search_index import corpus, edited

# Real sizes, and the same branches made to run on a few hundred documents.
THRESHOLDS = {
    "as shipped": {},
    "lowered": {"BIG": 20, "PROBE_RATIO": 1, "CACHE_AFTER": 2, "CACHE_POSTINGS": 300,
                "MEMO": 40},
}
WORD_SETS = (["printer"], ["cable", "network"], ["printer", "outlook", "zebra"],
             ["docking", "headset"], ["printer", "laptop", "battery"], ["mouse"],
             ["update", "driver", "meeting", "camera"], ["toner", "printer"],
             ["printer", "toner"], ["toner"])
QUERIES = ("printer", "printer cable", "outlook password screen", "docking headset mouse",
           "priner", "laptop battery update", "zebra", "keyboard won't work", "meeting camera")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 articles over several segments with deleted and updated documents, and a few
    with a rare word (a rare concept beside common ones)."""
    path = tmp_path_factory.mktemp("backends") / "index"
    idx = SearchIndex(path)
    articles = corpus(400)
    articles[:8] = [edited(a, a.body + " toner") for a in articles[:8]]
    idx.rebuild(articles)
    idx.sync([edited(a, a.body + " printer") if a.id % 7 == 0 else a for a in articles[:-20]])
    return path


@pytest.fixture(params=list(THRESHOLDS))
def thresholds(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in THRESHOLDS[request.param].items():
        monkeypatch.setattr(ranking, name, value)
    return str(request.param)


def engines(index_dir: Path) -> tuple[SearchIndex, SearchIndex, Engine, Engine]:
    fast, reference = SearchIndex(index_dir), SearchIndex(index_dir, ranker=WhooshRanker)
    ours, theirs = fast._current(), reference._current()
    assert ours is not None and theirs is not None
    assert type(ours.ranker) is Ranker and type(theirs.ranker) is WhooshRanker
    reader = ours.searcher.reader()
    assert len(reader.leaf_readers()) > 1 and reader.has_deletions()
    return fast, reference, ours, theirs


def concepts_of(words: list[str]) -> list[Concept]:
    out: list[Concept] = [[TermLeaf(f, word_keys(w)[0], b) for f, b in FIELD_BOOSTS.items()]
                          for w in words]
    if len(words) > 1:  # and the words as a phrase, scored by Whoosh's matchers in both
        stems = [word_keys(w)[0] for w in words[:2]]
        out[0] = [*out[0], QueryLeaf(wq.Phrase("summary", stems, boost=2.0))]
    return out


def rounded(pairs: Any) -> list[float]:
    return [round(s, 6) for s, _d in pairs]


def same_ranking(ours: list[tuple[float, int]], want: list[tuple[float, int]],
                 every: dict[int, float]) -> bool:
    """Same scores in the same order, each document with its reference score. Documents
    whose scores differ only in the last bits (summed in another order) may swap places."""
    return rounded(ours) == rounded(want) and all(
        d in every and round(every[d], 6) == round(s, 6) for s, d in ours)


def test_fast_ranker_gives_whoosh_own_scores_and_totals(index_dir: Path,
                                                       thresholds: str) -> None:
    _f, _r, ours, theirs = engines(index_dir)
    fast, reference = ours.ranker, theirs.ranker
    for allow in (ours.allowed(None, False), ours.allowed("c1", False), None):
        for _round in range(2):  # again: a leaf used CACHE_AFTER times is read whole and kept
            for words in WORD_SETS:
                concepts = concepts_of(words)
                for op in ("conjunctive", "disjunctive"):
                    want_total, want = getattr(reference, op)(concepts, allow, 10_000)
                    every = {d: s for s, d in want}
                    for limit in (1, 12):
                        total, top = getattr(fast, op)(concepts, allow, limit)
                        assert (op, words, total) == (op, words, want_total)
                        assert same_ranking(top, want[:limit], every), (op, words, limit)
                docs = sorted(allow or range(0, 400, 3))[::2]
                for concept in concepts:
                    got, want_scores = fast.scores(concept, docs), reference.scores(concept, docs)
                    assert {d: round(s, 6) for d, s in got.items()} == {
                        d: round(s, 6) for d, s in want_scores.items()}
    if thresholds == "lowered":  # the hard branches really ran (a rare word beside them)
        assert fast.estimate(concepts_of(["toner"])[0]) <= ranking.BIG
        assert fast.estimate(concepts_of(["printer"])[0]) > ranking.BIG
        assert fast._cached <= ranking.CACHE_POSTINGS or len(fast._cache) == 1
        assert any(u >= ranking.CACHE_AFTER for u in fast._uses.values())
        assert len(fast._stats) <= ranking.MEMO + 1


def test_fast_and_whoosh_backends_answer_the_same(index_dir: Path, thresholds: str) -> None:
    fast, reference, _o, _t = engines(index_dir)
    for q in QUERIES:
        for kwargs in ({}, {"category": "c2"}, {"show_all": True}, {"include_internal": True},
                       {"page": 2, "per_page": 5}):
            a, b = fast.search(q, **kwargs), reference.search(q, **kwargs)  # type: ignore[arg-type]
            assert [(h.id, round(h.score, 6), h.snippet) for h in a.hits] == [
                (h.id, round(h.score, 6), h.snippet) for h in b.hits], (q, kwargs)
            assert (a.total, a.total_all, a.did_you_mean, a.confident) == (
                b.total, b.total_all, b.did_you_mean, b.confident), (q, kwargs)
        assert fast.suggest(q[:4]) == reference.suggest(q[:4])
    for article_id in (3, 14, 50):
        assert [h.id for h in fast.related(article_id)] == [
            h.id for h in reference.related(article_id)]


@pytest.mark.parametrize(("setting", "ranker"), [
    ("fast", Ranker), ("whoosh", WhooshRanker), ("", Ranker), ("Whoosh ", WhooshRanker),
    ("elastic", Ranker),  # unknown: logged, and the default answers
    ("postgres", Ranker),  # on SQLite: logged, and the Whoosh index answers
])
def test_the_setting_picks_the_backend(tmp_path: Path, setting: str,
                                       ranker: type[Ranker]) -> None:
    index = open_index({"SEARCH_BACKEND": setting, "INDEX_DIR": str(tmp_path / "index"),
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/kb.sqlite3"})
    assert isinstance(index, SearchIndex) and index.ranker is ranker
