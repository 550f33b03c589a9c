"""Finding tickets and people by what a caller says on the phone: their name, their email
address, or words of their problem. Articles are found by kb.core.searchlog; this is the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select

from kb.core.search.request import is_stop
from kb.core.search.schema import words
from kb.extensions import db
from kb.models import Ticket, utcnow

LIMIT = 10


@dataclass
class Person:
    name: str
    email: str
    tickets: int
    latest: datetime


def like_pattern(text: str) -> str:
    """A LIKE pattern that finds the text anywhere (the user's % and _ taken as nothing)."""
    return "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"


def find_tickets(q: str) -> list[Ticket]:
    """Newest tickets whose requester name or email holds the text, or whose summary has
    its first content words (outage sign-ups left out: they are not requests)."""
    text = q.strip()
    if len(text) < 2:
        return []
    content = [w for w in words(text) if not is_stop(w)][:6]
    conditions: list[ColumnElement[bool]] = [
        func.lower(Ticket.email).like(like_pattern(text.lower())),
        func.lower(Ticket.name).like(like_pattern(text.lower()))]
    if content:
        conditions.append(and_(*(func.lower(Ticket.summary).like(like_pattern(w))
                                 for w in content[:3])))
    return list(db.session.scalars(
        select(Ticket).where(or_(*conditions), Ticket.outage_id.is_(None))
        .order_by(Ticket.created_at.desc()).limit(LIMIT)))


def people(tickets: list[Ticket], q: str) -> list[Person]:
    """The requesters among ``tickets`` whose name or address the text matches."""
    text = q.strip().lower()
    out: dict[str, Person] = {}
    for t in tickets:
        if text not in t.email.lower() and text not in t.name.lower():
            continue
        key = t.email.lower()
        if key in out:
            out[key].tickets += 1
        else:
            out[key] = Person(t.name, t.email, 1, t.created_at)
    return list(out.values())


def age(when: datetime, now: datetime | None = None) -> str:
    """"3 h", "2 d": how long ago, short enough for a drop-down."""
    seconds = max(0, ((now or utcnow()) - when).total_seconds())
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"
