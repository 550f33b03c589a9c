"""Article loading, rendering, glossary and the plain-language lint, on files written here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kb.config import Defaults
from kb.core.content.glossary import Glossary, Term
from kb.core.content.library import Library, load_library
from kb.core.content.lint import lint, load_jargon
from kb.core.content.loader import Category, load_articles
from kb.core.content.render import render

GOOD = """---
id: {id}
title: My printer says it's offline
summary: Get the printer working again.
category: printing
tags: [printer, offline]
audience: {audience}
owner: Printing team
reviewed: {reviewed}
review_every: 180
---
## What you see

- The printer shows Offline in grey.

## Quick workaround

Print to another printer near you.

## Fix it

1. Turn the printer off and on. You should see a green light.
2. Print a test page.
   You should see the page come out.

## Why this happens

The printer fell asleep and lost its link.

## Stop it happening again

Leave the printer on at night.

## Still stuck?

Try the [printer fix](/wizards/printer) or [ask the help desk](/ask).
"""

CATS = {"printing": Category("printing", "Printers")}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def article_text(**kw: object) -> str:
    values = {"id": 1, "audience": "public", "reviewed": date.today().isoformat(), **kw}
    return GOOD.format(**values)


def library_from(folder: Path, glossary: Glossary | None = None) -> Library:
    result = load_articles(folder, CATS)
    lib = Library(articles={a.id: a for a in result.articles}, categories=CATS,
                  glossary=glossary or Glossary(), problems=result.problems,
                  key_lines=result.key_lines)
    return lib


def messages(problems: list) -> list[str]:
    return [f"{Path(p.path).name}:{p.line}:{p.col}: {p.message}" for p in problems]


def run_lint(lib: Library, **kw: object) -> list:
    return lint(lib, jargon={"reboot": "restart"}, wizard_ids={"printer"}, **kw)  # type: ignore[arg-type]


def test_good_article_passes(tmp_path: Path) -> None:
    write(tmp_path, "good.md", article_text())
    lib = library_from(tmp_path)
    assert lib.problems == []
    assert [p for p in run_lint(lib) if p.level == "error"] == []
    art = lib.articles[1]
    assert art.kb_id == "KB-1" and art.tags == ("printer", "offline") and art.is_public


def test_front_matter_errors_point_at_their_lines(tmp_path: Path) -> None:
    text = article_text().replace("id: 1\n", "id: one\n").replace("audience: public",
                                                                  "audience: everyone")
    write(tmp_path, "bad.md", text)
    result = load_articles(tmp_path, CATS)
    assert result.articles == []
    found = messages(result.problems)
    assert any(m.startswith("bad.md:2:1: 'id' must be a whole number") for m in found), found
    assert any(m.startswith("bad.md:7:1: 'audience' must be one of") for m in found), found


def test_missing_field_and_unknown_category(tmp_path: Path) -> None:
    text = article_text().replace("owner: Printing team\n", "").replace("category: printing",
                                                                       "category: toasters")
    write(tmp_path, "bad.md", text)
    found = messages(load_articles(tmp_path, CATS).problems)
    assert any("missing 'owner'" in m for m in found)
    assert any(m.startswith("bad.md:5:1: unknown category 'toasters'") for m in found)


def test_yaml_error_has_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, "broken.md", "---\nid: 3\ntitle: [unclosed\nsummary: x\n---\nbody\n")
    found = messages(load_articles(tmp_path, CATS).problems)
    assert len(found) == 1 and found[0].startswith("broken.md:"), found
    line = int(found[0].split(":")[1])
    assert line in (3, 4, 5), found


def test_no_front_matter_is_reported_and_others_still_load(tmp_path: Path) -> None:
    write(tmp_path, "a.md", article_text())
    write(tmp_path, "b.md", "# Just a heading\n")
    result = load_articles(tmp_path, CATS)
    assert [a.id for a in result.articles] == [1]
    assert messages(result.problems) == ["b.md:1:1: no front matter: the file must start "
                                         "with '---'"]


def test_duplicate_id_reported_with_line(tmp_path: Path) -> None:
    write(tmp_path, "a.md", article_text())
    write(tmp_path, "b.md", article_text())
    found = messages(load_articles(tmp_path, CATS).problems)
    assert found and found[0].startswith("b.md:2:1: duplicate id 1"), found


def test_shape_and_steps(tmp_path: Path) -> None:
    text = article_text().replace("## Why this happens", "## Why").replace(
        "2. Print a test page.\n   You should see the page come out.", "2. Print a test page.")
    write(tmp_path, "a.md", text)
    found = messages(run_lint(library_from(tmp_path)))
    assert any("need the sections" in m and "Why this happens" in m for m in found), found
    step = [m for m in found if "each step should say" in m]
    assert len(step) == 1 and step[0].startswith("a.md:23:"), found


def test_internal_article_skips_shape_but_not_links(tmp_path: Path) -> None:
    write(tmp_path, "a.md", article_text(id=100, audience="internal").replace(
        "## Fix it", "## Steps").replace("(/ask)", "(/a/999)"))
    found = messages(run_lint(library_from(tmp_path)))
    assert not any("sections" in m for m in found)
    assert any("link to KB-999, which does not exist" in m for m in found)


def test_links_checked(tmp_path: Path) -> None:
    write(tmp_path, "pub.md", article_text().replace("(/wizards/printer)", "(/wizards/toaster)")
          .replace("Leave the printer on at night.", "See [this](/a/100) and [that](/nowhere)."))
    write(tmp_path, "int.md", article_text(id=100, audience="internal"))
    found = messages(run_lint(library_from(tmp_path)))
    assert any("unknown wizard 'toaster'" in m for m in found)
    assert any("public article links to internal KB-100" in m for m in found)
    assert any("unknown page '/nowhere'" in m for m in found)


def test_acronyms_need_glossary_or_expansion(tmp_path: Path) -> None:
    body = ("Leave the printer on at night. Use the VPN. A personal identification number "
            "(PIN) helps. The USB (the small plug) is fine. HDMI too.")
    write(tmp_path, "a.md", article_text().replace("Leave the printer on at night.", body))
    lib = library_from(tmp_path, Glossary([Term("HDMI", "the screen cable")]))
    found = [m for m in messages(run_lint(lib)) if "acronym" in m]
    assert len(found) == 1 and "'VPN'" in found[0], found
    assert found[0].startswith("a.md:32:"), found


def test_jargon_and_reading_grade(tmp_path: Path) -> None:
    hard = ("Notwithstanding organisational considerations, administrators occasionally "
            "necessitate comprehensive reconfiguration of peripheral infrastructure "
            "components, consequently introducing considerable operational complications.")
    write(tmp_path, "a.md", article_text().replace(
        "Print to another printer near you.", f"Reboot the computer. {hard} {hard}"))
    found = messages(run_lint(library_from(tmp_path), max_grade=8.0))
    assert any("'Reboot' is jargon: say 'restart'" in m for m in found), found
    assert any("reading grade" in m for m in found), found


def test_review_overdue_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "a.md", article_text(reviewed="2020-01-01"))
    problems = run_lint(library_from(tmp_path))
    overdue = [p for p in problems if "review was due" in p.message]
    assert overdue and overdue[0].level == "warning" and overdue[0].line == 9


def test_rendering_is_kept_until_the_file_or_the_glossary_changes(tmp_path: Path) -> None:
    """Every app a process builds (test apps, a reloaded site) takes an unchanged article's
    HTML from the render cache; an edited file, or a new glossary, is rendered again."""
    (tmp_path / "_categories.yml").write_text("- {id: printing, name: Printers}\n")
    glossary = tmp_path / "_glossary.yml"
    glossary.write_text("[]\n")
    write(tmp_path, "good.md", article_text())
    config = {"ARTICLES_DIR": str(tmp_path), "GLOSSARY_FILE": str(glossary)}
    first = load_library(config).articles[1]
    again = load_library(config).articles[1]
    assert again is not first and again.html is first.html  # the very same string: cached
    write(tmp_path, "good.md", article_text().replace("lost its link", "lost its wifi link"))
    edited = load_library(config).articles[1]
    assert "lost its wifi link" in edited.html and "lost its link" not in edited.html
    glossary.write_text("- term: light\n  meaning: the lamp on the front\n")
    explained = load_library(config).articles[1]
    assert "the lamp on the front" in explained.html
    assert "the lamp on the front" not in edited.html


def test_render_sanitises_and_anchors() -> None:
    html, toc = render("## Fix it\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n"
                       "!!! warning \"Careful\"\n    Save first.\n")
    assert "<script" not in html and "javascript:" not in html
    assert 'id="fix-it"' in html and toc[0]["id"] == "fix-it"
    assert 'class="admonition warning"' in html


def test_glossary_marks_first_use_only_outside_links_and_headings() -> None:
    gloss = Glossary([Term("VPN", "virtual private network"), Term("browser", "web app")])
    html, _ = render("## VPN\n\nOpen the VPN. The VPN is slow. [VPN](/a/1) and your Browser.",
                     gloss)
    assert html.count("virtual private network") == 1
    assert '<dfn class="gloss">VPN<span class="gloss-meaning"> (virtual private network)' in html
    assert "<h2" in html and "gloss" not in html.split("</h2>")[0]
    assert "Browser<span" in html  # plain words match in any case
    vpn_lower, _ = render("the vpn", Glossary([Term("VPN", "x")]))
    assert "gloss" not in vpn_lower  # acronyms match exactly


def test_bundled_content_passes_the_lint() -> None:
    """Every bundled article loads and passes (what `flask kb check` enforces)."""
    config = {k: getattr(Defaults, k) for k in dir(Defaults) if k.isupper()}
    lib = load_library(config)
    assert lib.problems == [], [str(p) for p in lib.problems]
    from kb.wizards import load_wizards

    wizards, _ = load_wizards(Path(Defaults.WIZARDS_DIR), lib)
    errors = [str(p) for p in lint(lib, jargon=load_jargon(Path(Defaults.JARGON_FILE)),
                                   wizard_ids=wizards.keys()) if p.level == "error"]
    assert errors == []
    public = [a for a in lib.articles.values() if a.is_public]
    assert len(public) >= 40 and len(lib.articles) - len(public) >= 5


@pytest.mark.parametrize("word", ["IT", "VPN"])
def test_acronym_glossary_lookup_is_exact(word: str) -> None:
    gloss = Glossary([Term(word, "meaning")])
    assert word in gloss and word.lower() not in gloss
