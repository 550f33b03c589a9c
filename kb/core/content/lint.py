"""Plain-language lint for articles: every problem with its file and line, never just the first.

Checks: front matter, unknown ``{{ facts.… }}`` variables and facts typed out by hand (in the
loader), duplicate ids, the six-part shape of public articles, internal links, acronyms,
jargon, reading grade, and review dates (warnings)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import textstat

from kb.core import yamlsafe
from kb.core.content.article import Article, _plain
from kb.core.content.library import Library
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
    # Every step of "Fix it" says what the user should see afterwards.
    section, steps = None, 0
    step_text: dict[int, tuple[int, str]] = {}
    current = None
    for n, text in lines:
        if m := _HEADING.match(text):
            section = m.group(1)
            current = None
            continue
        if section != fix_it:
            continue
        if _STEP.match(text):
            steps += 1
            current = n
            step_text[n] = (n, text)
        elif current is not None and text.strip() and (text.startswith((" ", "\t"))):
            step_text[current] = (current, step_text[current][1] + " " + text.strip())
        elif current is not None and not text.strip():
            continue
        else:
            current = None
    if fix_it in names and steps == 0:
        problems.append(Problem.at(path, article.body_line,
                                   f"'{fix_it}' needs numbered steps (1. 2. 3.)"))
    for n, text in step_text.values():
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


def reading_grade(article: Article) -> float | None:
    """Flesch-Kincaid grade in English. In another language textstat supports, its Flesch
    reading ease (for French, Kandel & Moles' constants) turned into a school grade with
    Flesch's own table (90 → 5th grade … 60 → 8th): Kincaid's grade formula is English-only.
    None for a language textstat cannot score."""
    text = _plain("\n".join(t for _, t in _lines(article) if not _HEADING.match(t)))
    if not text.strip():
        return 0.0
    if article.lang == "en":
        return float(textstat.flesch_kincaid_grade(text))
    if article.lang not in READABLE_LANGS:
        return None
    textstat.set_lang(article.lang)
    try:
        ease = float(textstat.flesch_reading_ease(text))
    finally:
        textstat.set_lang("en_US")
    return 14.0 - ease / 10.0


def lint_article(article: Article, path: Path, library: Library, *, jargon: dict[str, str],
                 wizard_ids: set[str], max_grade: float = 8.0,
                 today: date | None = None) -> list[Problem]:
    """Every problem of one loaded article (the checks `flask kb check` runs on each)."""
    problems: list[Problem] = []
    if article.is_public:
        problems += check_shape(article, path)
        grade = reading_grade(article)
        if grade is not None and grade > max_grade:
            problems.append(Problem.at(path, article.body_line,
                                       f"reading grade {grade:.1f} is above {max_grade:g}: "
                                       "use shorter sentences and everyday words"))
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
