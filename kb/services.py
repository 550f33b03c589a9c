"""The app's shared, per-process objects: the article library, the search index and the
support configuration. Views reach them through these functions, never through globals."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, current_app

from . import yamlsafe
from .content.library import Library, load_library
from .search import SearchIndex

log = logging.getLogger(__name__)


def init_content(app: Flask) -> None:
    """Load articles and bring the index up to date: only changed articles are re-indexed."""
    lib = load_library(app.config)
    for problem in lib.problems:
        log.warning("skipped content: %s", problem)
    index = SearchIndex(app.config["INDEX_DIR"], app.config.get("SYNONYMS_FILE"))
    app.extensions["kb_library"] = lib
    app.extensions["kb_search"] = index
    app.extensions["kb_support"] = load_support(Path(app.config["SUPPORT_FILE"]))
    if app.config.get("INDEX_ON_START", True):
        try:
            index.sync(lib.visible(include_internal=True))
        except Exception:  # the site must come up even if the index cannot be written now
            log.exception("could not bring the search index up to date")


def library() -> Library:
    lib: Library = current_app.extensions["kb_library"]
    return lib


def search_index() -> SearchIndex:
    index: SearchIndex = current_app.extensions["kb_search"]
    return index


def support() -> dict[str, Any]:
    data: dict[str, Any] = current_app.extensions["kb_support"]
    return data


def load_support(path: Path) -> dict[str, Any]:
    """Support hours, holidays, contacts and response targets (one file drives them all)."""
    try:
        data = yamlsafe.load(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, yaml.YAMLError):
        log.exception("support configuration %s could not be read", path)
        data = None
    return data if isinstance(data, dict) else {}
