"""Loaded wizards cached per app, reloaded when a file in WIZARDS_DIR changes, plus the word
matching used to route an open answer to a node, and the general question to a wizard."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import current_app

from kb.core.content.problems import Problem
from kb.core.i18n import current_language, default_language
from kb.core.search.schema import stem_word, words
from kb.core.services import library, search_index
from kb.wizards.loader import load_wizards
from kb.wizards.model import Wizard
from kb.wizards.routing import Routing, route

log = logging.getLogger(__name__)
EXTENSION_KEY = "kb_wizards"


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    out = []
    for path in sorted(folder.glob("*.yml")):
        try:
            stat = path.stat()
        except OSError:
            continue
        out.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def _loaded() -> tuple[dict[str, Wizard], list[Problem]]:
    """The wizards in the visitor's language: WIZARDS_DIR/<lang>/ in place of the default
    language's of the same id, the others as they are."""
    app = current_app
    folder = Path(app.config["WIZARDS_DIR"])
    lang = current_language()
    local = folder / lang if lang != default_language() else None
    signature = _signature(folder) + (_signature(local) if local else ())
    lib = library()
    key = f"{EXTENSION_KEY}:{lang}"
    cached: Any = app.extensions.get(key)
    if cached and cached[0] == signature and cached[3] is lib:
        return cached[1], cached[2]
    wizards, problems = load_wizards(folder, lib)
    if local is not None and local.is_dir():
        translated, local_problems = load_wizards(local, lib, known=wizards.keys())
        wizards.update(translated)
        problems += local_problems
    for problem in problems:
        log.warning("wizard problem: %s", problem)
    app.extensions[key] = (signature, wizards, problems, lib)
    return wizards, problems


def all_wizards() -> dict[str, Wizard]:
    """Every wizard file by id, broken ones included (they show as unavailable)."""
    return _loaded()[0]


def get_wizard(wizard_id: str) -> Wizard | None:
    return all_wizards().get(wizard_id)


def matches(keyword: str, text: str) -> bool:
    """A keyword (or phrase) found as whole stemmed words: "printer" also finds "printers",
    but "connect" is not found inside "disconnected" and "mic" not inside "microsoft"."""
    wanted = [stem_word(w) for w in words(keyword)]
    if not wanted:
        return False
    said = [stem_word(w) for w in words(text)]
    return f" {' '.join(wanted)} " in f" {' '.join(said)} "


def matching_articles(text: str, limit: int = 3) -> list[Any]:
    """Public articles that match what the user wrote (never internal ones)."""
    if not text.strip():
        return []
    try:
        hits = search_index().search(text, per_page=limit, include_internal=False).hits
    except Exception:  # a broken index must not break the wizard
        log.exception("search failed for a wizard answer")
        return []
    return [h for h in hits if h.audience == "public"][:limit]


def route_request(text: str) -> Routing:
    """Where the general open question leads (security page, one wizard, or a pick-list)."""
    return route(text, list(all_wizards().values()), matching_articles(text, limit=5))
