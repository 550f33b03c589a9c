"""How the wording of real tickets is read: a negation prefers the article about something
failing, the word naming what fails weighs most, names, codes and drive letters are read for
what they are, and unknown things make a match weak."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.core.content.article import Article
from kb.core.search import SearchIndex
from kb.core.search.request import focus, names, normalize


def art(id: int, title: str, body: str, *, tags: tuple[str, ...] = ()) -> Article:
    return Article(id=id, title=title, summary=f"About {title.lower()}.", category="general",
                   body=body, tags=tags, audience="public", digest=f"w{id}-{hash((title, body))}")


ARTICLES = [
    art(1, "How do I change my default printer?", "Choose the printer your laptop uses. "
        "Open Settings, then Printers, and pick one.", tags=("default printer", "printer")),
    art(2, "My printer won't print", "The printer says offline or nothing comes out. Restart "
        "the printer and check the cable.", tags=("not printing", "offline", "printer")),
    art(3, "My computer says the disk is full", "Free up space on the C drive.",
        tags=("disk full", "c drive", "low storage")),
    art(4, "My H drive is missing", "Map the network drive again in File Explorer.",
        tags=("network drive", "h drive", "mapped drive")),
    art(5, "Paper is stuck in the printer", "Open the tray and pull the jammed paper out.",
        tags=("paper jam", "jammed")),
    art(6, "My mailbox is full", "Delete old email to make room.", tags=("mailbox full",)),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    idx = SearchIndex(tmp_path_factory.mktemp("wording") / "index")
    idx.rebuild(ARTICLES)
    return idx


def first(index: SearchIndex, q: str) -> int | None:
    hits = index.search(q).hits
    return hits[0].id if hits else None


def test_drive_letters_are_spelt_out() -> None:
    assert "c drive" in normalize("my C: is full")
    assert "c drive" in normalize("my C;/ is full")
    assert "network drive" in normalize(r"no access to G:\ since today")
    assert "network drive" in normalize("Access to G-drive for the team")
    assert normalize("see https://example.org/a:b") == "see https://example.org/a:b"
    # "G: drive" is one network drive, not "network drive drive".
    assert normalize("I don't see the G: drive").split() == "I don't see the network drive".split()


def test_words_in_capitals_inside_a_sentence_are_names() -> None:
    assert names("Hey Matt, the printer at Goliad is offline again") == {"matt", "goliad"}
    assert names("Outlook Won't Open") == frozenset()  # title case: no way to tell
    assert names("MY PRINTER IS BROKEN") == frozenset()  # shouting: no way to tell
    # A first name with an initial is a name, even where a sentence starts.
    assert "esteban" in names("Esteban G's laptop will not boot up.")
    assert "juliet" in names("Please look at why Juliet T. can not print")


def test_what_fails_is_found() -> None:
    assert focus("The badge does not work with the time clock") == {"badge"}
    assert focus("I am having issues with Outlook today") == {"outlook"}
    assert focus("Bitlocker problem") == {"bitlocker"}
    assert focus("the instructions didn’t work") == {"instructions"}
    assert focus("please help") == frozenset()


def test_saying_it_fails_prefers_the_article_about_failing(index: SearchIndex) -> None:
    # Both articles are about printers; only one is about a printer that does not work.
    assert first(index, "printer isn't working") == 2
    assert first(index, "printer is not working on my laptop") == 2
    assert first(index, "change printer on my laptop") == 1


def test_drive_letters_find_their_articles(index: SearchIndex) -> None:
    assert first(index, "my C: is full") == 3
    assert first(index, "lost access to G: today") == 4


def test_codes_do_not_count_and_names_count_little(index: SearchIndex) -> None:
    plain = index.search("printer says offline")
    coded = index.search("printer ATD-2ZYF593-N1 says offline since 9/2/25")
    assert coded.coverage == plain.coverage and coded.hits[0].id == plain.hits[0].id == 2
    named = index.search("Hi Matt, the printer says offline")
    assert named.coverage > 0.6 * plain.coverage and named.confident


def test_an_unknown_thing_that_fails_is_not_confidently_answered(index: SearchIndex) -> None:
    # "jammed" matches the paper-jam article, but what fails is a stapler we know nothing of.
    assert not index.search("my stapler is jammed and does not work").confident
    assert not index.search("the badge does not work with the printer").confident
    # A product no article knows, named as what fails, is no printer problem either.
    assert not index.search("Maximo does not work with the printer").confident
    assert index.search("the printer does not work").confident
    assert index.search("paper is jammed in the printer").confident


def test_a_negation_alone_adds_no_coverage(index: SearchIndex) -> None:
    # "not" helps to rank, but it does not make a request look answered.
    with_not = index.search("printer not")
    without = index.search("printer")
    assert with_not.coverage == without.coverage


def test_a_typo_before_error_is_no_unknown_topic(index: SearchIndex) -> None:
    # "Recieved error": the misspelt verb is not what fails, so it does not make the match
    # look weak (it did: it weighed as a whole unknown topic).
    typo = index.search("Recieved error that my mailbox is full")
    plain = index.search("error that my mailbox is full")
    assert typo.hits[0].id == 6 and typo.coverage > 0.6 * plain.coverage
    assert not index.search("Maximo error when I print").confident


def test_the_article_about_what_matters_is_ranked_without_a_minor_word(
        tmp_path: Path) -> None:
    # Three Wi-Fi articles have every word of the request in their text; the docking-station
    # article has no "connecting" but is what the request is about.
    body = "Connect the laptop again. Take it off the dock and connect to the Wi-Fi."
    wifi = [art(10 + n, f"Wi-Fi won't connect {n}", body, tags=("wifi",)) for n in range(3)]
    dock = art(20, "My docking station isn't working", "Unplug its power for a minute.",
               tags=("dock", "docking station"))
    idx = SearchIndex(tmp_path / "index")
    idx.rebuild([*wifi, dock])
    assert first(idx, "my dock is not connecting to my laptop") == 20
