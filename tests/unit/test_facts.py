"""The organisation's facts as variables, and its brand colour and files: the substitution, the
lint's file:line:col for an unknown variable and a fact typed out, the WCAG contrast check, and
the checks that keep a logo or icon from being anything but a plain image in the brand folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.config import ROOT, Defaults
from kb.core import brand
from kb.core.content.facts import Facts, hours_text, literal_pattern
from kb.core.content.library import load_library
from kb.core.content.lint import lint, load_jargon
from kb.core.content.loader import load_articles
from kb.tickets.supportfile import lint_support, read_support
from tests.unit.test_content import CATS, article_text

GOOD = (ROOT / "support.yml").read_text(encoding="utf-8")
FACTS = Facts({"facts.extension": "4000", "facts.phone": "01632 960400",
               "facts.vpn.name": "GlobalProtect", "facts.email": "helpdesk@example.org",
               "facts.wifi.staff": "Staff", "facts.lockout_minutes": "15"})


def where(text: str, needle: str) -> tuple[int, int]:
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - before.rfind("\n")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_variables_are_filled_in_as_plain_text() -> None:
    assert FACTS.fill("Call extension {{ facts.extension }} or {{facts.phone}}.") == \
        "Call extension 4000 or 01632 960400."
    kept = "{{ facts.nope }} and {{ 7 * 7 }} stay"
    assert FACTS.fill(kept) == kept
    assert list(FACTS.unknown("a {{ facts.nope }} b {{ config.SECRET_KEY }}")) == [
        (2, "facts.nope"), (21, "config.SECRET_KEY")]


def test_only_distinctive_values_are_looked_for_when_typed_out() -> None:
    assert literal_pattern("Staff") is None and literal_pattern("15") is None
    phone = literal_pattern("01632 960400")
    assert phone and phone.search("ring 01632 960 400 now") and phone.search("01632960400")
    assert not phone.search("016329604001")
    vpn = literal_pattern("GlobalProtect")
    assert vpn and vpn.search("tags: [vpn, globalprotect]") and not vpn.search("GlobalProtects")
    extension = literal_pattern("4000")
    assert extension and extension.search("extension 4000.") and not extension.search("14000")


def test_hours_are_a_sentence() -> None:
    week = {d: ["08:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    assert hours_text(week) == "Monday to Friday, 8:00 to 18:00"
    week["fri"] = ["08:00", "16:30"]
    week["sat"] = ["09:00", "12:00"]
    assert hours_text(week) == ("Monday to Thursday, 8:00 to 18:00; Friday, 8:00 to 16:30; "
                                "Saturday, 9:00 to 12:00")


def test_unknown_variable_and_typed_out_fact_point_at_line_and_column(tmp_path: Path) -> None:
    text = article_text().replace("Print to another printer near you.",
                                  "Call the help desk on extension 4000, or {{ facts.phnoe }}.")
    text = text.replace("title: My printer says it's offline",
                        "title: My printer is offline on {{ facts.vpn.name }}")
    write(tmp_path, "a.md", text)
    result = load_articles(tmp_path, CATS, FACTS)
    found = {(p.line, p.col, p.message) for p in result.problems}
    assert (*where(text, "4000"), "'4000' is written out: write {{ facts.extension }} so it "
                                  "follows support.yml") in found
    assert (*where(text, "{{ facts.phnoe"), "unknown variable {{ facts.phnoe }} (did you mean "
                                            "{{ facts.phone }}?)") in found
    assert len(found) == 2
    article = result.articles[0]  # still loads: the page shows what it can
    assert article.title == "My printer is offline on GlobalProtect"
    assert "{{ facts.phnoe }}" in article.body and "extension 4000" in article.body


def test_the_digest_follows_the_facts_an_article_uses(tmp_path: Path) -> None:
    write(tmp_path, "a.md", article_text().replace("near you.", "near you, or call "
                                                   "{{ facts.extension }}."))

    def digest(facts: Facts) -> str:
        return load_articles(tmp_path, CATS, facts).articles[0].digest

    first = digest(FACTS)
    assert digest(Facts({**FACTS.values, "facts.vpn.name": "FortiClient"})) == first
    changed = digest(Facts({**FACTS.values, "facts.extension": "5123"}))
    assert changed != first


def test_bundled_content_uses_the_facts_and_types_none_out() -> None:
    """What `flask kb check` enforces on the bundled articles, wizards and glossary."""
    config = {k: getattr(Defaults, k) for k in dir(Defaults) if k.isupper()}
    data, problems = read_support(ROOT / "support.yml")
    assert problems == [] and data is not None
    lib = load_library(config, Facts.from_support(data))
    assert lib.problems == [], [str(p) for p in lib.problems]
    from kb.wizards import load_wizards

    wizards, wizard_problems = load_wizards(Path(Defaults.WIZARDS_DIR), lib)
    assert wizard_problems == [], [str(p) for p in wizard_problems]
    errors = [str(p) for p in lint(lib, jargon=load_jargon(Path(Defaults.JARGON_FILE)),
                                   wizard_ids=wizards.keys()) if p.level == "error"]
    assert errors == []
    assert "extension 4000" in lib.articles[2].body and "{{" not in lib.articles[12].html
    assert "GlobalProtect" in lib.glossary
    assert lint_support(ROOT / "support.yml", Path(Defaults.BRAND_DIR)) == []


# ------------------------------------------------------------------ support.yml itself
@pytest.mark.parametrize(("old", "new", "at", "message"), [
    ('email: "{{ facts.email }}"', 'email: "{{ facts.emial }}"', '"{{ facts.emial',
     "unknown variable {{ facts.emial }} (did you mean {{ facts.email }}?)"),
    ('extension: "4000"', 'extension: "<b>4000</b>"', '"<b>', "one line of plain text"),
    ("  email: helpdesk@example.org\n", "  email: helpdesk@example.org\n  name: Other\n",
     "name: Other", "'facts.name' comes from 'name:'"),
    ("  lockout_minutes: 15", "  Lockout: 15", "Lockout", "must be lower-case"),
    ('accent: "#1d4f91"', 'accent: "#7fb2e5"', '"#7fb2e5"',
     "accent #7fb2e5 has a contrast of 2.00:1 against the light grey boxes; WCAG AA needs 4.5:1"),
    ('accent: "#1d4f91"', "accent: blue", "blue", "must be a colour like"),
    ("logo: logo.svg", "logo: ../support.yml", "../support.yml", "ending in .svg or .png"),
    ("logo: logo.svg", "logo: /etc/passwd.png", "/etc/", "(no folders)"),
])
def test_support_problems_point_at_line_and_column(tmp_path: Path, old: str, new: str,
                                                   at: str, message: str) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    data, problems = read_support(write(tmp_path, "support.yml", text))
    assert data is None  # unusable: the last good settings stay (test_support_file.py)
    assert [(p.line, p.col) for p in problems if message in p.message] == [where(text, at)], [
        str(p) for p in problems]


def test_support_texts_get_the_facts_and_a_typed_out_one_is_reported(tmp_path: Path) -> None:
    data, _ = read_support(ROOT / "support.yml")
    assert data is not None
    assert data["contact"]["phone"] == "Extension 4000 (from outside: 01632 960400)"
    assert "GlobalProtect" in " ".join(data["supported"])
    assert data["facts"]["vpn"]["name"] == "GlobalProtect"  # the facts stay as written
    text = GOOD.replace('urgent: "If everyone is affected, phone extension {{ facts.extension }}',
                        'urgent: "If everyone is affected, phone extension 4000')
    path = write(tmp_path, "support.yml", text)
    data, problems = read_support(path)
    assert data is not None and problems == []  # usable ...
    found = [(p.line, p.col, p.message) for p in lint_support(path)]
    assert found == [(*where(text, '"If everyone'),  # ... but `flask kb check` says so
                      "'4000' is written out: write {{ facts.extension }} so it follows the "
                      "facts")]


# ------------------------------------------------------------------ brand
def test_contrast_is_wcag() -> None:
    assert brand.contrast("#ffffff", "#000000") == pytest.approx(21)
    assert brand.contrast("#777", "#fff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("colour", "passes"), [
    ("#1d4f91", True), ("#0b0c0c", True), ("#6b2c91", True),
    ("#7fb2e5", False), ("#ffdd00", False), ("#767676", False),  # 4.54 on white, 4.06 on grey
])
def test_a_pale_accent_fails_and_a_dark_one_passes(colour: str, passes: bool) -> None:
    assert (brand.accent_problem(colour) is None) is passes


def test_brand_files_must_be_plain_images_in_the_folder(tmp_path: Path) -> None:
    write(tmp_path, "ok.svg", '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')
    write(tmp_path, "bad.svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    write(tmp_path, "far.svg", '<svg><image href="https://tracker.example/x.png"/></svg>')
    write(tmp_path, "fake.png", "<html>not a png</html>")
    assert brand.file_problem(tmp_path, "ok.svg") is None
    assert "script, an event handler or an outside link" in str(
        brand.file_problem(tmp_path, "bad.svg"))
    assert "outside link" in str(brand.file_problem(tmp_path, "far.svg"))
    assert "not a PNG" in str(brand.file_problem(tmp_path, "fake.png"))
    assert "no file 'gone.svg'" in str(brand.file_problem(tmp_path, "gone.svg"))
    assert brand.name_problem("../ok.svg", brand.LOGO_TYPES)
    assert brand.name_problem("logo.gif", brand.LOGO_TYPES)


def test_a_missing_logo_is_reported_but_the_settings_stay(tmp_path: Path) -> None:
    path = write(tmp_path, "support.yml", GOOD.replace("logo: logo.svg", "logo: crest.png"))
    data, problems = read_support(path)
    assert data is not None and problems == []
    found = [(p.line, p.col, p.message) for p in lint_support(path, tmp_path)]
    assert found == [(*where(path.read_text(), "crest.png"),
                      f"there is no file 'crest.png' in the brand folder {tmp_path}")]


def test_brand_css_holds_only_the_checked_colour() -> None:
    assert "--brand: #1d4f91;" in brand.css({"accent": "#1d4f91"})
    assert "red" not in brand.css({"accent": "red; } body { background: red"})
