"""Loaded wizards cached per app, reloaded when a file in WIZARDS_DIR changes, plus the word
matching used to route an open answer to a node or to the best wizard."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from flask import current_app

from ..content.problems import Problem
from ..services import library, search_index
from .loader import load_wizards
from .model import Wizard

log = logging.getLogger(__name__)
EXTENSION_KEY = "kb_wizards"
MIN_SCORE = 1.5  # one keyword, or a top search hit that the wizard lists as related


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
    app = current_app
    folder = Path(app.config["WIZARDS_DIR"])
    signature = _signature(folder)
    lib = library()
    cached: Any = app.extensions.get(EXTENSION_KEY)
    if cached and cached[0] == signature and cached[3] is lib:
        return cached[1], cached[2]
    wizards, problems = load_wizards(folder, lib)
    for problem in problems:
        log.warning("wizard problem: %s", problem)
    app.extensions[EXTENSION_KEY] = (signature, wizards, problems, lib)
    return wizards, problems


def all_wizards() -> dict[str, Wizard]:
    """Every wizard file by id, broken ones included (they show as unavailable)."""
    return _loaded()[0]


def get_wizard(wizard_id: str) -> Wizard | None:
    return all_wizards().get(wizard_id)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:['’-][a-z0-9]+)*", text.lower())


def matches(keyword: str, text: str) -> bool:
    """A keyword (or phrase) found as whole words; "printer" also finds "printers"."""
    words = _words(text)
    wanted = _words(keyword)
    if not wanted:
        return False
    if len(wanted) > 1:
        return f" {' '.join(wanted)} " in f" {' '.join(words)} "
    kw = wanted[0]
    return any(w == kw or (len(kw) >= 4 and w.startswith(kw) and len(w) - len(kw) <= 3)
               for w in words)


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


def best_wizard(text: str) -> Wizard | None:
    """The available wizard that fits the user's words best: its keywords first, then the
    categories and related articles of the top search results."""
    scores: dict[str, float] = {}
    candidates = [w for w in all_wizards().values() if w.available]
    for wizard in candidates:
        scores[wizard.id] = 3.0 * sum(1 for kw in wizard.keywords if matches(kw, text))
    for rank, hit in enumerate(matching_articles(text, limit=5)):
        weight = 1.0 / (rank + 1)
        for wizard in candidates:
            if hit.id in wizard.related:
                scores[wizard.id] += 2 * weight
            elif hit.category == wizard.category:
                scores[wizard.id] += weight / 2
    best = max(candidates, key=lambda w: scores[w.id], default=None)
    if best is None or scores[best.id] < MIN_SCORE:
        return None
    return best
