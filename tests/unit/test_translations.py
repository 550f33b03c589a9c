"""The message catalogues: complete, placeholders intact, the committed .mo compiled from
the committed .po, and every string marked in the code and templates in the catalogue (so
`make translations` was run); the French analyser and the per-language article checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from kb.config import ROOT
from kb.core.content.article import Article
from kb.core.content.lint import check_shape, reading_grade
from kb.core.search import schema

CATALOGUES = sorted((ROOT / "kb" / "translations").glob("*/LC_MESSAGES/messages.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _ids(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def test_there_is_a_french_catalogue() -> None:
    assert [p.parts[-3] for p in CATALOGUES] == ["fr"]


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_message_is_translated_with_its_placeholders(po: Path) -> None:
    with po.open("rb") as fh:
        catalogue = read_po(fh)
    problems = []
    for m in catalogue:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        if not all(strings) or m.fuzzy:
            problems.append(f"not translated: {_ids(m.id)}")
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        if any(set(PLACEHOLDER.findall(s)) != wanted for s in strings if s):
            problems.append(f"placeholders differ: {_ids(m.id)}")
    assert problems == []


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_the_committed_mo_is_compiled_from_the_po(po: Path) -> None:
    with po.open("rb") as fh:
        source = {m.id: m.string for m in read_po(fh) if m.id}
    with po.with_suffix(".mo").open("rb") as fh:
        compiled = {_hashable(m.id): _hashable(m.string) for m in read_mo(fh) if m.id}
    assert compiled == source, "run `make translations` and commit the .mo"


def test_every_marked_string_is_in_the_catalogue() -> None:
    method_map = [("kb/**.py", "python"), ("templates/**.html", "jinja2"),
                  ("templates/**.txt", "jinja2")]  # the emails' plain-text parts
    marked = {_ids(message) for _file, _line, message, _comments, _context in
              extract_from_dir(str(ROOT), method_map,
                               keywords={"_": None, "gettext": None, "_l": None,
                                         "ngettext": (1, 2), "lazy_gettext": None})}
    for po in CATALOGUES:
        with po.open("rb") as fh:
            known = {_ids(m.id) for m in read_po(fh) if m.id}
        assert sorted(marked - known) == [], f"run `make translations` ({po})"


def test_french_words_are_stemmed_alike_in_the_index_and_in_queries() -> None:
    text = "Les imprimantes de l'étage ne répondent pas"
    indexed = [t.text for t in schema.text_analyzer("fr")(text)]
    token = schema.LANG.set("fr")
    try:
        typed = [k for w in schema.words(text) for k in schema.word_keys(w)]
    finally:
        schema.LANG.reset(token)
    assert indexed == typed
    assert indexed[0] == "imprim" and schema.NEGATION in indexed  # "les" dropped, "pas" kept
    assert schema.word_keys("imprimantes") == ("imprimant",)  # English Porter outside
    # English stays as it was: Porter, English stop words.
    assert schema.word_keys("printers") == ("printer",)


def _french(body: str) -> Article:
    return Article(id=5, title="t", summary="s", category="printing", body=body, lang="fr")


FR_SECTIONS = ["Ce que vous voyez", "Solution rapide", "Réparer", "Pourquoi cela arrive",
               "Éviter que cela revienne", "Toujours un problème ?"]


def test_french_articles_are_checked_with_french_sections_and_steps() -> None:
    def body(step: str, sections: list[str]) -> str:
        parts = [f"## {s}\n\nTexte.\n" for s in sections]
        parts[2] = f"## {sections[2]}\n\n1. {step}\n"
        parts[-1] = f"## {sections[-1]}\n\n[Guide](/wizards) ou [assistance](/ask).\n"
        return "\n".join(parts)

    good = _french(body("Cliquez. Vous devriez voir la liste.", FR_SECTIONS))
    assert check_shape(good, Path("a.md")) == []
    no_result = _french(body("Cliquez sur le bouton.", FR_SECTIONS))
    assert ["Vous devriez voir" in p.message for p in check_shape(no_result, Path("a.md"))] \
        == [True]
    english_headings = _french(body("Vous devriez voir.", ["What you see", "Quick workaround",
                                                           "Fix it", "Why this happens",
                                                           "Stop it happening again",
                                                           "Still stuck?"]))
    assert any("Ce que vous voyez" in p.message
               for p in check_shape(english_headings, Path("a.md")))


def test_french_readability_uses_french_syllables() -> None:
    easy = _french("Le chat dort. Il fait beau. Nous allons au parc. " * 5)
    hard = _french("L’administration informatique institutionnelle recommande systématiquement "
                   "l’authentification multifactorielle conformément aux réglementations "
                   "internationales, particulièrement lorsqu’une vulnérabilité potentielle "
                   "compromettrait l’intégrité organisationnelle. " * 3)
    easy_grade, hard_grade = reading_grade(easy), reading_grade(hard)
    assert easy_grade is not None and hard_grade is not None
    assert easy_grade < 8 < hard_grade
    assert reading_grade(Article(id=1, title="t", summary="s", category="c", body="Hallo Welt.",
                                 lang="xx")) is None
