"""Known outages ("out of order" signs) and where they show."""

from __future__ import annotations

import re

from sqlalchemy import select

from .extensions import db
from .models import Outage


def active_outages() -> list[Outage]:
    return list(db.session.scalars(
        select(Outage).where(Outage.resolved_at.is_(None)).order_by(Outage.starts_at.desc())))


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9-]+", text.lower()) if len(w) > 1}


def matches(outage: Outage, text: str) -> bool:
    """True when any of the outage's keywords or services appears in ``text``."""
    words = _words(text)
    lowered = text.lower()
    for kw in [k.strip().lower() for k in f"{outage.keywords},{outage.services}".split(",")]:
        if kw and (kw in words or (" " in kw and kw in lowered)):
            return True
    return False


def banners_for(text: str | None = None) -> list[Outage]:
    """All active outages (``text`` None, e.g. the home page) or those matching ``text``."""
    outages = active_outages()
    if text is None:
        return outages
    return [o for o in outages if matches(o, text)]
