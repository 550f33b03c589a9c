"""Search that understands a request: real words are never "corrected", long requests keep
their key word, results are cut to those that really match, weak matches are said to be weak,
and KB ids are looked up."""

from __future__ import annotations

import pytest

from kb.core.content.article import Article
from kb.core.search import SearchIndex
from kb.core.search.request import article_ids, is_stop, ticket_number
from kb.core.search.spelling import is_word


def art(id: int, title: str, body: str, *, tags: tuple[str, ...] = (),
        audience: str = "public") -> Article:
    return Article(id=id, title=title, summary=f"About {title.lower()}.", category="general",
                   body=body, tags=tags, audience=audience, digest=f"d{id}-{hash((title, body))}")


ARTICLES = [
    art(1, "My printer is out of toner", "Replace the toner cartridge. Pages come out faded.",
        tags=("toner", "faded")),
    art(2, "My laptop battery won't charge", "Check the charger and the battery icon.",
        tags=("battery", "charger")),
    art(3, "Paper is stuck in the printer", "Open the tray and pull the jammed paper out.",
        tags=("paper jam", "jammed")),
    art(4, "The printer says offline", "Restart the printer. Check the cable.", tags=("offline",)),
    art(5, "Untile the spooler", "Internal: untile the spooler queue.", audience="internal"),
    art(6, "Better Wi-Fi at your desk", "Move closer to the access point for a better signal.",
        tags=("wifi",)),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    idx = SearchIndex(tmp_path_factory.mktemp("understanding") / "index")
    idx.rebuild(ARTICLES)
    return idx


def ids(results: object) -> list[int]:
    return [h.id for h in results.hits]  # type: ignore[attr-defined]


@pytest.mark.parametrize("word", ["unable", "please", "insert", "delay", "stapler", "wont"])
def test_real_words_are_words(word: str) -> None:
    assert is_word(word)


@pytest.mark.parametrize("word", ["bettery", "priner", "untile", "pasword"])
def test_misspellings_are_not_words(word: str) -> None:
    assert not is_word(word)


def test_a_real_word_is_never_corrected_into_an_index_word(index: SearchIndex) -> None:
    # "unable" is one edit from nothing here, but "untile" (internal) and others are close to
    # many words people type; a real word stays as typed.
    for q in ["unable to print", "insert paper", "delay printing"]:
        assert index.search(q, include_internal=True).did_you_mean is None, q


def test_a_misspelt_word_is_corrected_when_that_clearly_helps(index: SearchIndex) -> None:
    results = index.search("laptop bettery")
    assert results.did_you_mean == "laptop battery" and ids(results)[0] == 2
    exact = index.search("laptop bettery", exact=True)  # "Search for exactly what I typed"
    assert exact.did_you_mean is None


def test_corrections_never_use_internal_words(index: SearchIndex) -> None:
    assert index.search("untle the spooler").did_you_mean is None


def test_small_words_do_not_count_toward_the_word_cap(index: SearchIndex) -> None:
    q = ("Hi team, since this morning I have been trying to print my reports for the meeting "
         "but it just keeps saying that the printer has run out of toner, please help")
    results = index.search(q)
    assert ids(results)[0] == 1 and results.confident


def test_results_are_cut_to_those_that_really_match(index: SearchIndex) -> None:
    results = index.search("printer offline")
    assert ids(results) == [4]
    everything = index.search("printer offline", show_all=True)
    assert set(ids(everything)) >= {1, 3, 4} and everything.total_all >= 3


def test_a_request_we_have_no_article_for_is_not_confident(index: SearchIndex) -> None:
    weak = index.search("my stapler is jammed")
    assert not weak.confident and ids(weak)[:1] == [3]  # shown, but as "might help"
    assert index.search("paper jammed in the printer").confident
    assert not index.search("zzqx").confident


def test_a_clear_winner_on_part_of_a_long_request_is_confident(index: SearchIndex) -> None:
    # Only the battery article is about a charger: alone above the cut-off, it is the answer
    # even though most of the request's words are not in it.
    alone = index.search("charger checked, icon shows a cross, replace it")
    assert ids(alone) == [2] and alone.coverage < 0.55 and alone.confident
    # Three printer articles about as close: none is clearly about this request.
    close = index.search("printer cable checked, icon shows a cross, replace it")
    assert len(ids(close)) >= 2 and not close.confident
    # Short requests must still be mostly answered, and mostly in words some article knows.
    assert not index.search("my stapler is jammed").confident
    assert not index.search("charger chewed by the dog").confident


@pytest.mark.parametrize("q", ["KB-2", "kb2", "KB 2", "kb#2", "  KB-002 "])
def test_kb_ids_put_that_article_first(index: SearchIndex, q: str) -> None:
    results = index.search(q)
    assert ids(results)[:1] == [2] and results.confident and results.looked_up


def test_a_bare_number_is_an_id_only_in_agent_search(index: SearchIndex) -> None:
    assert ids(index.search("2")) == []
    assert ids(index.search("2", include_internal=True)) == [2]
    assert ids(index.search("KB-5")) == []  # internal: never to the public
    assert ids(index.search("KB-5", include_internal=True)) == [5]


def test_a_kb_id_and_words_together(index: SearchIndex) -> None:
    assert ids(index.search("KB-3 offline"))[:2] == [3, 4]


def test_request_words() -> None:
    assert article_ids("see KB-42 and kb7", bare=False) == [42, 7]
    assert article_ids("42", bare=False) == [] and article_ids("42", bare=True) == [42]
    assert article_ids("x-kb-42", bare=False) == []
    assert ticket_number("HD-000123") == 123 and ticket_number("hd 5") == 5
    assert ticket_number("HD-12 printer") is None
    assert all(is_stop(w) for w in ["please", "hi", "unable", "my", "the", "thanks"])
    assert not any(is_stop(w) for w in ["printer", "toner", "stapler", "laptop"])
