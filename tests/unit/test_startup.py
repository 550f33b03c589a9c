"""Start-up costs the same at any KB size: building the app reads no article and touches no
index (what `flask db upgrade` pays); the articles load on first use, render on first view,
and a second process reads the kept parses instead of parsing YAML again."""

from __future__ import annotations

from pathlib import Path

from kb import create_app
from kb.core.content.facts import Facts
from kb.core.content.library import load_library
from kb.core.services import library, warm
from tests.unit.test_content import article_text, write


def test_building_the_app_loads_nothing_until_first_use(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "i"),
                      "INDEX_DIR": str(index_dir), "RATELIMIT_ENABLED": False})
    assert app.extensions["kb_library"] is None and not index_dir.exists()
    warm(app, searcher=False)  # what gunicorn's master does before forking
    lib = app.extensions["kb_library"]
    assert lib is not None and lib.articles and index_dir.exists()
    article = next(iter(lib.articles.values()))
    assert article._rendered is None  # not rendered until shown
    assert "<h2" in article.html and article._rendered is not None
    with app.app_context():
        assert library() is lib


def test_a_second_load_reads_the_kept_parses(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "_categories.yml").write_text("- {id: printing, name: Printers}\n")
    (folder / "_glossary.yml").write_text("[]\n")
    write(folder, "good.md", article_text())
    write(folder, "typed.md", article_text(id=2).replace("Print to another", "Call 4000 and print"))
    config = {"ARTICLES_DIR": str(folder), "GLOSSARY_FILE": str(folder / "_glossary.yml")}
    kept = tmp_path / "articles.parsed"
    facts = Facts({"facts.extension": "4000"})
    first = load_library(config, facts, kept)
    assert kept.exists()
    stamp = kept.stat().st_mtime_ns
    again = load_library(config, facts, kept)
    assert kept.stat().st_mtime_ns == stamp  # nothing new to keep: not written again
    assert again.articles == first.articles and again.key_lines == first.key_lines
    assert [str(p) for p in again.problems] == [str(p) for p in first.problems]
    assert any("'4000' is written out" in str(p) for p in again.problems)
    write(folder, "good.md", article_text().replace("offline", "offline again", 1))
    edited = load_library(config, facts, kept)
    assert edited.articles[1].title == "My printer says it's offline again"
    assert kept.stat().st_mtime_ns != stamp
