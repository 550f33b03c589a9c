"""Fail soft: what the pages show around their content (outage banners, popular articles)
comes from a query whose last good answer is kept for a few seconds, and for as long as the
database is down, so an unreachable database never turns a page into a 500."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from kb.extensions import db

T = TypeVar("T")
log = logging.getLogger(__name__)
KEY = "kb_soft_cache"


def soft(name: str, fetch: Callable[[], T], fallback: T) -> T:
    """``fetch()``, reused for FAIL_SOFT_CACHE_SECONDS; on a database error the last good
    answer (however old) or ``fallback``, with a warning in the log."""
    store: dict[str, tuple[float, Any]] = current_app.extensions.setdefault(KEY, {})
    ttl = float(current_app.config.get("FAIL_SOFT_CACHE_SECONDS", 10))
    now = time.monotonic()
    kept = store.get(name)
    if kept is not None and now - kept[0] < ttl:
        value: T = kept[1]
        return value
    try:
        value = fetch()
    except SQLAlchemyError as exc:
        rollback()
        log.warning("database unavailable for %s, showing %s: %s", name,
                    "the last good answer" if kept else "nothing", exc.__class__.__name__)
        return kept[1] if kept is not None else fallback
    store[name] = (now, value)
    return value


def forget(name: str) -> None:
    """Drop a kept answer (after a change made in this process, so it shows at once)."""
    current_app.extensions.setdefault(KEY, {}).pop(name, None)


def rollback() -> None:
    """Leave the session usable after a failed query; a dead connection may fail here too."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.debug("rollback failed as well", exc_info=True)
