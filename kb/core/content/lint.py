"""Plain-language lint for articles: every problem with its file and line, never just the first.

Checks: front matter, unknown ``{{ facts.… }}`` variables and facts typed out by hand (in the
loader), duplicate ids, the six-part shape of public articles, internal links, acronyms,
jargon, reading grade (for each platform's steps), platform tabs, and review dates
(warnings)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import textstat

from kb.core import yamlsafe
from kb.core.content.article import Article, _plain
from kb.core.content.library import Library
from kb.core.content.platforms import PLATFORMS, TAB_LINE, platform_key
from kb.core.content.problems import Problem

SECTIONS = (
    "What you see",
    "Quick workaround",
    "Fix it",
    "Why this happens",
    "Stop it happening again",
    "Still stuck?",
)
# The same sections in the other languages (articles/<lang>/), and the word each "Fix it" step
# uses to say what the user should see afterwards.
SECTIONS_BY_LANG: dict[str, tuple[str, ...]] = {
    "en": SECTIONS,
    "fr": ("Ce que vous voyez", "Solution rapide", "Réparer", "Pourquoi cela arrive",
           "Éviter que cela revienne", "Toujours un problème ?"),
}
SHOULD_BY_LANG = {"en": ("should", "You should see …"), "fr": ("devriez", "Vous devriez voir …")}
# Languages textstat has Flesch reading-ease constants for (textstat 0.7.8); others are not
# scored rather than scored with English syllable rules.
READABLE_LANGS = frozenset({"en", "de", "es", "fr", "it", "nl", "pl", "ru", "hu"})
_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")
_LINK = re.compile(r"\]\((/[^)\s]*)\)")
_ACRONYM = re.compile(r"(?<![\w/.-])([A-Z][A-Z0-9]*[A-Z][A-Z0-9]*)s?(?![\w-])")
_STEP = re.compile(r"^(\d+)\.\s")
_CODE = re.compile(r"`[^`]*`")
_URL = re.compile(r"\]\([^)]*\)|https?://\S+|\S+@\S+")


def load_jargon(path: Path) -> dict[str, str]:
    try:
        data = yamlsafe.load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return {}
    return {str(k).lower(): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _lines(article: Article) -> list[tuple[int, str]]:
    """(line number in file, text) for each body line outside fenced code."""
    out, fenced = [], False
    for offset, line in enumerate(article.body.splitlines()):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if not fenced:
            out.append((article.body_line + offset, line))
    return out


def check_shape(article: Article, path: Path) -> list[Problem]:
    problems: list[Problem] = []
    sections = SECTIONS_BY_LANG.get(article.lang, SECTIONS)
    fix_it, still_stuck = sections[2], sections[-1]
    should, example = SHOULD_BY_LANG.get(article.lang, SHOULD_BY_LANG["en"])
    lines = _lines(article)
    headings = [(n, m.group(1)) for n, text in lines if (m := _HEADING.match(text))]
    names = [h for _, h in headings]
    if names != list(sections):
        missing = [s for s in sections if s not in names]
        line = headings[0][0] if headings else article.body_line
        detail = f"missing: {', '.join(missing)}" if missing else f"found: {', '.join(names)}"
        problems.append(Problem.at(path, line, "public articles need the sections "
                                   f"{' → '.join(sections)} in that order ({detail})"))
    # Every step of "Fix it" says what the user should see afterwards, on every platform.
    outside, tabs = split_tabs(lines)
    step_text = _steps(outside, fix_it=fix_it)
    for tab in tabs:
        if _section_at(headings, tab.line) != fix_it:
            continue
        tab_steps = _steps(tab.lines, fix_it, fix_it=fix_it)
        if not tab_steps:
            problems.append(Problem.at(path, tab.line, f"the {tab.name} steps in '{fix_it}' "
                                                       "need numbered steps (1. 2. 3.)"))
        step_text.update(tab_steps)
    if fix_it in names and not step_text:
        problems.append(Problem.at(path, article.body_line,
                                   f"'{fix_it}' needs numbered steps (1. 2. 3.)"))
    for n, text in sorted(step_text.items()):
        if should not in text.lower():
            problems.append(Problem.at(path, n, "each step should say what the user should see "
                                                f"afterwards (\"{example}\")"))
    still = ""
    if headings and headings[-1][1] == still_stuck:
        still = "\n".join(t for n, t in lines if n > headings[-1][0])
    if still and ("/wizards" not in still or "/ask" not in still):
        problems.append(Problem.at(path, headings[-1][0],
                                   f"'{still_stuck}' should link to a step-by-step fix "
                                   "(/wizards/…) and to asking for help (/ask)"))
    return problems


def _steps(lines: list[tuple[int, str]], section: str | None = None,
           fix_it: str = "Fix it") -> dict[int, str]:
    """Each numbered step of "Fix it" (line → its text, continuation lines joined)."""
    steps: dict[int, str] = {}
    current = None
    for n, text in lines:
        if m := _HEADING.match(text):
            section, current = m.group(1), None
            continue
        if section != fix_it:
            continue
        if _STEP.match(text):
            current = n
            steps[n] = text
        elif current is not None and text.strip() and text.startswith((" ", "\t")):
            steps[current] += " " + text.strip()
        elif text.strip():
            current = None
    return steps


def _section_at(headings: list[tuple[int, str]], line: int) -> str | None:
    before = [name for n, name in headings if n < line]
    return before[-1] if before else None


@dataclass
class Tab:
    line: int
    name: str
    set_no: int  # tabs side by side share a number
    lines: list[tuple[int, str]] = field(default_factory=list)  # its text, indent removed


def split_tabs(lines: list[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[Tab]]:
    """The lines outside platform tabs (a tab's opening line left blank), and each tab."""
    outside: list[tuple[int, str]] = []
    tabs: list[Tab] = []
    current: Tab | None = None
    set_no, in_set = 0, False
    for n, text in lines:
        if (m := TAB_LINE.match(text)) and not m.group("indent"):
            if not in_set or m.group("plus"):
                set_no += 1
            current, in_set = Tab(n, m.group("name"), set_no), True
            tabs.append(current)
            outside.append((n, ""))
            continue
        if current is not None and (not text.strip() or text.startswith(("    ", "\t"))):
            current.lines.append((n, text[4:] if text.startswith("    ") else text[1:]))
            continue
        current, in_set = None, False
        outside.append((n, text))
    return outside, tabs


def check_tabs(article: Article, path: Path) -> list[Problem]:
    """Tab sets are for platforms only, each platform once per set."""
    problems: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for tab in split_tabs(_lines(article))[1]:
        key = platform_key(tab.name)
        if key is None:
            problems.append(Problem.at(path, tab.line, f"tab '{tab.name}' is not a platform: "
                                       f"tabs name only {', '.join(PLATFORMS.values())}"))
        elif (tab.set_no, key) in seen:
            problems.append(Problem.at(path, tab.line, f"'{tab.name}' appears twice in one set "
                                                       "of tabs"))
        seen.add((tab.set_no, key or tab.name))
    return problems


def check_links(article: Article, path: Path, library: Library,
                wizard_ids: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    for n, text in _lines(article):
        for m in _LINK.finditer(text):
            target = m.group(1).split("#")[0].rstrip("/")
            col = m.start(1) + 1
            if am := re.fullmatch(r"/a/(\d+)|/articles/(\d+)(?:-[\w-]*)?", target):
                ref = int(am.group(1) or am.group(2))
                other = library.articles.get(ref)
                if other is None:
                    problems.append(Problem.at(path, n, f"link to KB-{ref}, which does not exist",
                                               col))
                elif article.is_public and not other.is_public:
                    problems.append(Problem.at(
                        path, n, f"public article links to internal KB-{ref}", col))
            elif wm := re.fullmatch(r"/wizards/([\w-]+)", target):
                if wm.group(1) not in wizard_ids:
                    problems.append(Problem.at(path, n, f"link to unknown wizard "
                                                        f"'{wm.group(1)}'", col))
            elif target not in ("", "/", "/ask", "/wizards", "/search", "/about", "/status",
                                "/categories") and not target.startswith(("/categories/",
                                                                           "/search?")):
                problems.append(Problem.at(path, n, f"link to unknown page '{target}'", col))
    return problems


def check_words(article: Article, path: Path, library: Library,
                jargon: dict[str, str]) -> list[Problem]:
    """Acronyms must be in the glossary or spelled out at first use; jargon gets a plainer word."""
    problems: list[Problem] = []
    seen: set[str] = set()
    jargon_re = (re.compile(r"(?<![\w-])(" + "|".join(re.escape(j) for j in
                                                       sorted(jargon, key=len, reverse=True))
                            + r")(?![\w-])", re.I) if jargon else None)
    for n, raw in _lines(article):
        if _HEADING.match(raw) and raw.startswith("# "):
            continue
        text = _URL.sub(" ", _CODE.sub(" ", raw))
        for m in _ACRONYM.finditer(text):
            word = m.group(1)
            if word in seen or word in library.glossary:
                continue
            seen.add(word)
            if not _expanded(word, text, m.start(1), m.end()):
                problems.append(Problem.at(path, n, f"'{word}' is an acronym: add it to the "
                                           "glossary or spell it out at first use, like "
                                           f"'words in full ({word})'", m.start(1) + 1))
        if jargon_re and article.is_public:
            for m in jargon_re.finditer(text):
                plain = jargon[m.group(1).lower()]
                problems.append(Problem.at(path, n, f"'{m.group(1)}' is jargon: say "
                                                    f"'{plain}'", m.start(1) + 1))
    return problems


def _expanded(word: str, text: str, start: int, end: int) -> bool:
    """'virtual private network (VPN)' or 'VPN (virtual private network)'."""
    before = text[:start]
    if before.endswith("(") and text[end:end + 1] == ")":
        words = re.findall(r"[A-Za-z]+", before[:-1])[-len(word) - 2:]
        initials = "".join(w[0].upper() for w in words)
        return word.rstrip("0123456789") in initials
    return text[end:].lstrip().startswith("(")


def _grade(lines: list[tuple[int, str]], lang: str = "en") -> float | None:
    """Flesch-Kincaid grade in English. In another language textstat supports, its Flesch
    reading ease (for French, Kandel & Moles' constants) turned into a school grade with
    Flesch's own table (90 → 5th grade … 60 → 8th): Kincaid's grade formula is English-only.
    None for a language textstat cannot score."""
    text = _plain("\n".join(t for _, t in lines if not _HEADING.match(t)))
    if not text.strip():
        return 0.0
    if lang == "en":
        return float(textstat.flesch_kincaid_grade(text))
    if lang not in READABLE_LANGS:
        return None
    textstat.set_lang(lang)
    try:
        ease = float(textstat.flesch_reading_ease(text))
    finally:
        textstat.set_lang("en_US")
    return 14.0 - ease / 10.0


def reading_grade(article: Article) -> float | None:
    return _grade(_lines(article), article.lang)


def platform_grades(article: Article) -> list[tuple[Tab, float | None]]:
    """The reading grade of the page each platform's reader sees: the text outside tabs with
    that platform's tabs (first tab of each platform, grade), in tab order."""
    outside, tabs = split_tabs(_lines(article))
    out: list[tuple[Tab, float | None]] = []
    for name in dict.fromkeys(t.name for t in tabs):
        own = [t for t in tabs if t.name == name]
        lines = sorted(outside + [line for t in own for line in t.lines])
        out.append((own[0], _grade(lines, article.lang)))
    return out


def lint_article(article: Article, path: Path, library: Library, *, jargon: dict[str, str],
                 wizard_ids: set[str], max_grade: float = 8.0,
                 today: date | None = None) -> list[Problem]:
    """Every problem of one loaded article (the checks `flask kb check` runs on each)."""
    problems: list[Problem] = []
    if article.is_public:
        problems += check_shape(article, path)
        grades = platform_grades(article)
        for tab, tab_grade in grades:
            if tab_grade is not None and tab_grade > max_grade:
                problems.append(Problem.at(path, tab.line, f"reading grade {tab_grade:.1f} with "
                                           f"the {tab.name} steps is above {max_grade:g}: use "
                                           "shorter sentences and everyday words"))
        grade = reading_grade(article)
        if not grades and grade is not None and grade > max_grade:
            problems.append(Problem.at(path, article.body_line,
                                       f"reading grade {grade:.1f} is above {max_grade:g}: "
                                       "use shorter sentences and everyday words"))
    problems += check_tabs(article, path)
    problems += check_links(article, path, library, wizard_ids)
    problems += check_words(article, path, library, jargon)
    if article.overdue(today):
        line = library.key_lines.get(article.id, {}).get("reviewed", 1)
        problems.append(Problem.at(path, line, f"review was due on {article.review_due}",
                                   level="warning"))
    return problems


def lint(library: Library, *, jargon: dict[str, str], wizard_ids: Iterable[str],
         max_grade: float = 8.0, today: date | None = None) -> list[Problem]:
    """Every problem in every article (load problems included), sorted by file and line."""
    problems = list(library.problems)
    wizard_ids = set(wizard_ids)
    for article in library.articles.values():
        if article.lang != library.lang:  # a translation's fallbacks: checked in their own
            continue
        path = article.path or Path(f"KB-{article.id}")
        problems += lint_article(article, path, library, jargon=jargon, wizard_ids=wizard_ids,
                                 max_grade=max_grade, today=today)
    return sorted(problems)
