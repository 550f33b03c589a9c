"""Read article files. A broken file becomes a Problem and is skipped; it never stops the site.
With the organisation's facts, every ``{{ facts.… }}`` is filled in here, before anything
renders, indexes or lints the text, and the digest covers the values used."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from kb.core import yamlsafe
from kb.core.content.article import AUDIENCES, Article
from kb.core.content.facts import Facts
from kb.core.content.problems import Problem

REQUIRED = ("id", "title", "summary", "category", "tags", "audience", "owner", "reviewed",
            "review_every")


@dataclass
class Category:
    id: str
    name: str
    description: str = ""


@dataclass
class LoadResult:
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Line of each front-matter key per file, so later checks can point at it.
    key_lines: dict[int, dict[str, int]] = field(default_factory=dict)
    hashes: set[str] = field(default_factory=set)  # sha1 of every file parsed (or kept)


def _key_lines(front: str, offset: int) -> dict[str, int]:
    """Line (1-based, counted in the whole file) of each top-level front-matter key."""
    node = yamlsafe.compose(front)
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _value in node.value:
            lines[str(key.value)] = key.start_mark.line + 1 + offset
    return lines


def _field_problems(meta: dict[str, Any], lines: dict[str, int], path: Path,
                    categories: dict[str, Category] | None) -> list[Problem]:
    out: list[Problem] = []

    def bad(key: str, message: str) -> None:
        out.append(Problem.at(path, lines.get(key, 1), message))

    for key in REQUIRED:
        if key not in meta or meta[key] in (None, ""):
            bad(key, f"front matter is missing '{key}'")
    if "id" in meta and not (isinstance(meta["id"], int) and not isinstance(meta["id"], bool)
                             and meta["id"] > 0):
        bad("id", "'id' must be a whole number above 0 (it is shown as KB-<id>)")
    if meta.get("audience") not in (None, *AUDIENCES):
        bad("audience", f"'audience' must be one of: {', '.join(AUDIENCES)}")
    if "reviewed" in meta and not isinstance(meta["reviewed"], date):
        bad("reviewed", "'reviewed' must be a date like 2026-01-31")
    if "review_every" in meta and not isinstance(meta["review_every"], int):
        bad("review_every", "'review_every' must be a number of days")
    if "tags" in meta and not (isinstance(meta["tags"], list)
                               and all(isinstance(t, str) for t in meta["tags"])):
        bad("tags", "'tags' must be a list of words")
    for key in ("title", "summary", "owner", "internal_notes"):
        if key in meta and not isinstance(meta[key], str):
            bad(key, f"'{key}' must be text")
    if categories is not None and meta.get("category") and meta["category"] not in categories:
        bad("category", f"unknown category '{meta['category']}' "
                        f"(known: {', '.join(sorted(categories))})")
    return out


# What a file's YAML parse gave (front matter, key lines, where the body starts and ends in
# the text, body line), by the sha1 of its bytes: YAML costs ~1 ms a file, so a 20,000-article
# KB reads a kept parse instead (kb.core.content.library keeps it between processes).
Parsed = tuple[dict[str, Any], dict[str, int], tuple[int, int], int]


def _parse(path: Path, raw: bytes, result: LoadResult) -> Parsed | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        result.problems.append(Problem.at(path, 1, f"not UTF-8 text ({exc.reason})"))
        return None
    handler = frontmatter.YAMLHandler()
    if not handler.detect(text):
        result.problems.append(
            Problem.at(path, 1, "no front matter: the file must start with '---'"))
        return None
    offset = 1
    try:
        front, body = handler.split(text)
        offset = text[: text.find(front)].count("\n") if front else 1
        meta = handler.load(front) or {}
        lines = _key_lines(front, offset)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1 + offset, mark.column + 1) if mark else (1, 1)
        result.problems.append(Problem.at(path, line, f"front matter is not valid YAML: "
                                                      f"{exc.problem or exc}", col))
        return None
    except (ValueError, yaml.YAMLError) as exc:
        result.problems.append(Problem.at(path, 1, f"front matter cannot be read: {exc}"))
        return None
    if not isinstance(meta, dict):
        result.problems.append(
            Problem.at(path, 2, "front matter must be a set of 'key: value' lines"))
        return None
    start = text.find(body) if body else len(text)
    body_line = text[:start].count("\n") + 1 if body else 1
    return meta, lines, (start, start + len(body)), body_line


def _fact_problems(path: Path, text: str, facts: Facts, key: str,
                   parsed: dict[str, Any] | None, result: LoadResult) -> list[Problem]:
    """Unknown variables and facts typed out by hand (~2 ms a file: every fact looked for
    on every line), kept beside the parse for these facts."""
    kept_key = f"{key}:facts:{facts.digest}"
    result.hashes.add(kept_key)
    kept = parsed.get(kept_key) if parsed is not None else None
    if kept is None or kept[0] != str(path):
        kept = (str(path), facts.problems(path, text))
        if parsed is not None:
            parsed[kept_key] = kept
    problems: list[Problem] = kept[1]
    return problems


def load_article(path: Path, categories: dict[str, Category] | None = None,
                 result: LoadResult | None = None, facts: Facts | None = None,
                 parsed: dict[str, Any] | None = None) -> Article | None:
    """Parse one file; on any problem record it in ``result`` and return None. Unknown
    variables and facts typed out by hand are recorded too, but the article still loads.
    ``parsed``: kept parses by file hash (and fact problems by file hash and facts), read
    from and added to."""
    result = result if result is not None else LoadResult()
    raw = path.read_bytes()
    digest = hashlib.sha1(raw)
    key = digest.hexdigest()
    kept = parsed.get(key) if parsed is not None else None
    if kept is None:
        kept = _parse(path, raw, result)
        if kept is None:
            return None
        if parsed is not None:
            parsed[key] = kept
    result.hashes.add(key)
    meta, lines, (start, end), body_line = kept
    text = raw.decode("utf-8")
    body = text[start:end]
    problems = _field_problems(meta, lines, path, categories)
    if problems:
        result.problems.extend(problems)
        return None
    fill = facts.fill if facts is not None else str
    if facts is not None:
        result.problems.extend(_fact_problems(path, text, facts, key, parsed, result))
        digest.update(facts.used(text).encode())
    article = Article(
        id=meta["id"], title=fill(meta["title"].strip()), summary=fill(meta["summary"].strip()),
        category=meta["category"], body=fill(body), tags=tuple(fill(t) for t in meta["tags"]),
        audience=meta["audience"], owner=meta["owner"], reviewed=meta["reviewed"],
        review_every=meta["review_every"],
        internal_notes=fill(meta.get("internal_notes") or ""),
        path=path, digest=digest.hexdigest(), body_line=body_line,
    )
    result.key_lines[article.id] = lines
    return article


def load_categories(path: Path) -> tuple[dict[str, Category], list[Problem]]:
    try:
        data = yamlsafe.load(path.read_text(encoding="utf-8")) or []
    except FileNotFoundError:
        return {}, [Problem.at(path, 1, "categories file is missing")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = ((mark.line + 1), (mark.column + 1)) if mark else (1, 1)
        return {}, [Problem.at(path, line, f"not valid YAML: {exc.problem}", col)]
    cats = {}
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict) and "id" in item and "name" in item:
            cats[str(item["id"])] = Category(str(item["id"]), str(item["name"]),
                                             str(item.get("description", "")))
    return cats, []


def load_articles(folder: Path, categories: dict[str, Category] | None = None,
                  facts: Facts | None = None,
                  parsed: dict[str, Any] | None = None) -> LoadResult:
    """Every ``*.md`` in ``folder`` (files starting with ``_`` are settings, not articles)."""
    result = LoadResult()
    seen: dict[int, Path] = {}
    for path in sorted(Path(folder).glob("*.md"), key=lambda p: p.name):
        if path.name.startswith("_"):
            continue
        article = load_article(path, categories, result, facts, parsed)
        if article is None:
            continue
        if article.id in seen:
            line = result.key_lines[article.id].get("id", 1)
            result.problems.append(Problem.at(
                path, line, f"duplicate id {article.id}: {seen[article.id].name} already uses "
                            f"KB-{article.id}; this file is skipped"))
            continue
        seen[article.id] = path
        result.articles.append(article)
    return result
