"""From ticket to article (KCS "flag it or fix it"): a resolved ticket drafted as a Markdown
file in the house shape, linted exactly as `flask kb check` lints the bundled articles, and
published into the articles folder where the site may write there.

The user's words go in "What you see", the agent's resolution in "Fix it"; both lose
passwords, keys, email addresses, phone numbers and the requester's name first, and cannot
add headings, code or variables of their own. No database here: kb/agents/drafts.py keeps
the drafts."""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from kb.core.content.article import slugify
from kb.core.content.library import Library
from kb.core.content.lint import lint_article
from kb.core.content.loader import LoadResult, load_article
from kb.core.content.problems import Problem
from kb.core.privacy import redact
from kb.core.search.normal import FILLER
from kb.core.search.request import is_stop
from kb.core.search.schema import words

INTERNAL_FROM = 100  # ids from here on are the help desk's own procedures (agent-*.md)
REVIEW_EVERY = 180
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_PHONE = re.compile(r"\+?\d[\d ()-]{6,}\d")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Source:
    """What a draft is made from: plain values of one resolved ticket."""

    reference: str
    summary: str
    description: str
    resolution: str
    category: str
    requester: str  # the requester's name, taken out of the text
    wizard_id: str | None
    owner: str
    agent: str


@dataclass(frozen=True)
class Draft:
    article_id: int
    title: str
    owner: str
    filename: str
    text: str


def scrub(text: str, name: str = "") -> str:
    """Typed text as an article may quote it: no secrets, addresses, numbers or the
    requester's name; no Markdown headings, code, links to elsewhere or variables."""
    out = redact(text or "").text
    out = _EMAIL.sub("[email removed]", out)
    out = _PHONE.sub(_number, out)
    for part in {p for p in re.split(r"\s+", name or "") if len(p) > 2}:
        out = re.sub(rf"\b{re.escape(part)}\b", "[name removed]", out, flags=re.I)
    out = out.replace("{{", "{ {").replace("}}", "} }").replace("`", "'")
    return re.sub(r"^[\s#>*+-]+", "", out, flags=re.M).strip()


def _number(m: re.Match[str]) -> str:
    """A phone number goes; a date (2026-12-02) or a short number stays."""
    found = m.group(0)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", found) or sum(c.isdigit() for c in found) < 7:
        return found
    return "[number removed]"


def _sentences(text: str) -> list[str]:
    """Whole sentences, each ending with a full stop; one that had something taken out
    ("My password is [password removed]") is left out: it tells a reader nothing."""
    found = [s.strip() for s in _SENTENCE.split(text) if s.strip() and "removed]" not in s]
    return [s if s[-1] in ".!?" else s + "." for s in found if len(words(s)) > 1]


def next_free_id(library: Library) -> int:
    """After the highest public id, the first id no article uses (ids are never reused:
    old links to a removed article must not show another one)."""
    used = set(library.articles)
    number = max((i for i in used if i < INTERNAL_FROM), default=0) + 1
    while number in used:
        number += 1
    return number


def category_for(library: Library, category: str) -> str:
    if category in library.categories and category != "agents":
        return category
    return next((c for c in library.categories if c != "agents"), "other")


def owner_for(library: Library, category: str, linked: list[int], fallback: str) -> str:
    """The owner of an article linked to the ticket, else the usual owner of its category's
    articles, else ``fallback``."""
    for article_id in linked:
        art = library.articles.get(article_id)
        if art is not None and art.owner:
            return art.owner
    owners = Counter(a.owner for a in library.in_category(category) if a.owner)
    return owners.most_common(1)[0][0] if owners else fallback


def markdown(source: Source, library: Library, today: date) -> Draft:
    """The article file: front matter like the bundled articles, the six sections."""
    title = scrub(source.summary, source.requester).rstrip(".") or "A problem people report"
    title = title[0].upper() + title[1:]
    category = category_for(library, source.category)
    filler = set(FILLER.split())
    tags = [w for w in dict.fromkeys(w.lower() for w in words(title))
            if not is_stop(w) and w not in filler][:6]
    number = next_free_id(library)
    front = {
        "id": number, "title": title[:120],
        "summary": f"What to do when {title[0].lower() + title[1:]}."[:200],
        "category": category, "tags": tags or [category], "audience": "public",
        "owner": source.owner, "reviewed": today, "review_every": REVIEW_EVERY,
        "internal_notes": f"Drafted from {source.reference} by {source.agent} on "
                          f"{today.isoformat()}. Check every step before you publish it.",
    }
    seen = _sentences(scrub(source.description, source.requester)) or [title + "."]
    steps = _sentences(scrub(source.resolution, source.requester)) or ["Try it again."]
    fix = []
    for n, step in enumerate(steps, start=1):
        said = step if "should" in step.lower() else \
            f"{step} You should see that it works again."
        fix.append(f"{n}. {said}")
    wizard = f"/wizards/{source.wizard_id}" if source.wizard_id else "/wizards"
    body = "\n".join([
        "## What you see", "", *(f"- {s}" for s in seen), "",
        "## Quick workaround", "",
        "If you need to keep working now, call the help desk on extension "
        "{{ facts.extension }}.", "",
        "## Fix it", "", *fix, "",
        "## Why this happens", "",
        "We are still finding out why this happens.", "",
        "## Stop it happening again", "",
        "- Tell us if it happens again. It helps us find the cause.", "",
        "## Still stuck?", "",
        f"Try the [step-by-step fix]({wizard}) or [ask the help desk](/ask). You can call "
        "extension {{ facts.extension }}, {{ facts.hours }}.", ""])
    head = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, default_flow_style=None,
                          width=1000)
    filename = f"{slugify(title)}.md"
    return Draft(number, title[:120], source.owner, filename, f"---\n{head}---\n{body}")


def lint_text(text: str, filename: str, library: Library, *, jargon: dict[str, str],
              wizard_ids: set[str], max_grade: float, today: date) -> list[Problem]:
    """The lint's findings for a draft file, as if it sat in the articles folder beside the
    others (its links are checked against them)."""
    with tempfile.TemporaryDirectory(prefix="kb-draft-") as folder:
        path = Path(folder) / filename
        path.write_text(text, encoding="utf-8")
        result = LoadResult()
        article = load_article(path, library.categories or None, result, library.facts)
        problems = list(result.problems)
        if article is not None:
            if article.id in library.articles:
                problems.append(Problem.at(path, result.key_lines[article.id].get("id", 1),
                                           f"KB-{article.id} is already used"))
            problems += lint_article(article, path, library, jargon=jargon,
                                     wizard_ids=wizard_ids, max_grade=max_grade, today=today)
        shown = str(Problem.at(path, 1, "").path)
        return sorted(dataclasses.replace(p, path=filename) if p.path == shown else p
                      for p in problems)


def publish(text: str, filename: str, folder: Path, library: Library) -> tuple[Path, int]:
    """Write the draft into the articles folder with the id free now (another may have been
    published since it was drafted) under a file name nobody uses; never overwrites."""
    number = next_free_id(library)
    text = re.sub(r"^id: \d+$", f"id: {number}", text, count=1, flags=re.M)
    stem = Path(filename).stem or "article"
    for n in range(1, 100):
        path = folder / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        return path, number
    raise FileExistsError(f"no free file name for {stem}.md in {folder}")
