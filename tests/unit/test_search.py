"""Search behaviour on small, hand-written article sets: ranking, words, filters, safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.core.content.article import Article
from kb.core.search import SearchIndex, SearchResults

SYNONYMS = """\
- [frozen, not responding, hourglass, spinning wheel]
- [monitor, screen, no signal]
- [wifi, wi-fi, wireless]
"""


def art(id: int, title: str, body: str, *, summary: str = "", category: str = "general",
        tags: tuple[str, ...] = (), audience: str = "public") -> Article:
    return Article(id=id, title=title, summary=summary or f"About {title.lower()}.",
                   category=category, body=body, tags=tags, audience=audience,
                   digest=f"d{id}-{hash((title, body))}")


ARTICLES = [
    art(1, "Reset your password", "Open the portal and choose Forgot password.",
        category="accounts", tags=("login",)),
    art(2, "Outlook will not open", "If Outlook is not responding, start it in safe mode.",
        category="email", tags=("outlook",)),
    art(3, "Printer is offline", "Check the printer cable and restart the print spooler.",
        category="printing", tags=("printer",)),
    art(4, "Wi-Fi won't connect", "Forget the network and connect again.", category="network"),
    art(5, "Laptop shows no signal", "Reseat the cable and check the input source.",
        category="hardware"),
    art(6, "Spooler admin console", "Rotate the spoolmaster credentials every quarter.",
        category="printing", tags=("printer", "spoolmaster"), audience="internal"),
    art(7, "Computer is slow", "Close programs. Old printer drivers also slow things down.",
        category="hardware"),
    art(8, "Connecting a projector", "Meeting rooms have projectors; connecting takes a minute.",
        category="hardware"),
]


@pytest.fixture
def index(tmp_path: Path) -> SearchIndex:
    synonyms = tmp_path / "synonyms.yml"
    synonyms.write_text(SYNONYMS, encoding="utf-8")
    idx = SearchIndex(tmp_path / "index", synonyms)
    assert idx.rebuild(ARTICLES) == len(ARTICLES)
    return idx


def ids(results: SearchResults) -> list[int]:
    return [h.id for h in results.hits]


def test_title_match_ranks_above_body_only_match(index: SearchIndex) -> None:
    found = ids(index.search("printer", show_all=True))
    assert found[0] == 3  # "Printer" in the title beats article 7, which has it in the body only
    assert 7 in found
    assert ids(index.search("printer")) == [3]  # a body-only match is far weaker: "show all"


def test_stemming_matches_other_forms(index: SearchIndex) -> None:
    assert 3 in ids(index.search("printers"))
    assert set(ids(index.search("connect"))) >= {4, 8}  # "connecting" and "connect"


def test_synonyms_single_words_and_phrases(index: SearchIndex) -> None:
    assert ids(index.search("hourglass")) == [2]  # body says "not responding"
    assert ids(index.search("spinning wheel")) == [2]
    assert 5 in ids(index.search("blank monitor"))  # monitor -> "no signal"
    assert 4 in ids(index.search("wireless"))


def test_missing_synonyms_file_means_no_synonyms(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path / "index", tmp_path / "nope.yml")
    idx.rebuild(ARTICLES)
    assert idx.search("hourglass").total == 0


@pytest.mark.parametrize(("typo", "fixed", "expect"), [
    ("priner", "printer", 3), ("pasword", "password", 1), ("outlok", "outlook", 2),
    ("wifi wont conect", "wifi wont connect", 4)])
def test_typos_are_corrected(index: SearchIndex, typo: str, fixed: str, expect: int) -> None:
    results = index.search(typo)
    assert results.did_you_mean == fixed
    assert ids(results)[0] == expect


def test_no_did_you_mean_when_the_query_is_fine(index: SearchIndex) -> None:
    assert index.search("printer cable").did_you_mean is None


def test_internal_articles_only_when_asked(index: SearchIndex) -> None:
    assert 6 not in ids(index.search("spooler"))
    assert index.search("credentials").total == 0
    assert ids(index.search("credentials", include_internal=True)) == [6]
    assert 6 not in [i for i, _t in index.suggest("spool")]
    assert 6 in [i for i, _t in index.suggest("spool", include_internal=True)]
    assert all(h.audience == "public" for h in index.related(3))
    assert 6 in [h.id for h in index.related(3, include_internal=True)]


def test_did_you_mean_never_points_at_internal_words(index: SearchIndex) -> None:
    public = index.search("spoolmastr")  # only the internal article says "spoolmaster"
    assert public.did_you_mean is None and public.total == 0
    inside = index.search("spoolmastr", include_internal=True)
    assert inside.did_you_mean == "spoolmaster" and ids(inside) == [6]


def test_totals_count_only_visible_articles(index: SearchIndex) -> None:
    assert index.search("printer").total_all == 2
    assert index.search("printer", include_internal=True).total_all == 3


def test_category_filter(index: SearchIndex) -> None:
    assert ids(index.search("printer", category="printing")) == [3]
    assert ids(index.search("printer", category="hardware")) == [7]
    assert index.search("printer", category="no-such-category").total == 0
    assert index.search("printer", category="printing").category == "printing"


def test_pagination_and_pages_past_the_end(index: SearchIndex) -> None:
    q = "the connect printer cable slow"
    everything = index.search(q, per_page=2, show_all=True)
    assert everything.total >= 4 and everything.pages == -(-everything.total // 2)
    second = index.search(q, per_page=2, page=2, show_all=True)
    assert len(second.hits) == 2 and not set(ids(second)) & set(ids(everything))
    beyond = index.search("printer", page=99, show_all=True)
    assert beyond.hits == [] and beyond.total == 2 and beyond.page == 99


@pytest.mark.parametrize("blank", ["", "   ", "the", "?!", "\n\t"])
def test_blank_queries_find_nothing(index: SearchIndex, blank: str) -> None:
    results = index.search(blank)
    assert (results.total, results.hits, results.pages) == (0, [], 0)


@pytest.mark.parametrize("odd", [
    '"', '"printer', "AND(", "printer AND(", "*", "print*", "title:printer", "a" * 5000,
    "printer " * 300, "ünïcödé 日本語 ✓", "\x00printer", "-printer", "(((", "printer~2",
    "OR OR NOT", "'; DROP TABLE articles; --", "İstanbul", "\ud800"])
def test_odd_input_never_raises(index: SearchIndex, odd: str) -> None:
    results = index.search(odd)
    assert results.total >= 0
    index.suggest(odd)


def test_odd_arguments_never_raise(index: SearchIndex) -> None:
    assert index.search("printer", page=-5, per_page=0).page == 1
    assert index.search(None, page="x", per_page="y").total == 0  # type: ignore[arg-type]
    assert index.suggest("", limit=0) == []
    assert index.related(12345) == []


def test_snippet_is_escaped_html_with_marks(tmp_path: Path) -> None:
    idx = SearchIndex(tmp_path / "index")
    idx.rebuild([art(1, "Markup safety", "Never paste <script>alert(1)</script> into the console.",
                     summary="Why <script> tags are <b>bad</b>."),
                 art(2, "Console", "The console shows errors.", summary="Errors & <warnings>.")])
    hit = next(h for h in idx.search("paste script").hits if h.id == 1)
    assert "<mark>script</mark>" in hit.snippet and "&lt;" in hit.snippet
    assert "<script" not in hit.snippet and "alert(1)<" not in hit.snippet
    title_only = idx.search("markup").hits[0]  # no body match: the summary, escaped
    assert title_only.snippet == "Why &lt;script&gt; tags are &lt;b&gt;bad&lt;/b&gt;."


def test_suggest_matches_title_word_prefixes(index: SearchIndex) -> None:
    assert index.suggest("pri") == [(3, "Printer is offline")]
    assert (4, "Wi-Fi won't connect") in index.suggest("wi-f")
    assert index.suggest("out wi") == [(2, "Outlook will not open")]
    assert index.suggest("p") == []  # one letter is too little to go on
    assert len(index.suggest("c", limit=1)) <= 1


def test_related_finds_similar_articles_not_itself(index: SearchIndex) -> None:
    related = index.related(3)
    assert related and 3 not in [h.id for h in related]
    assert related[0].id == 7  # the other article about printers
    assert index.related(3, limit=1) == related[:1]


def test_hits_carry_the_stored_fields(index: SearchIndex) -> None:
    hit = index.search("outlook").hits[0]
    assert (hit.id, hit.title, hit.category, hit.audience) == (
        2, "Outlook will not open", "email", "public")
    assert hit.summary == "About outlook will not open." and hit.score > 0
