"""Small pieces of the agent workspace: KB-id parsing, time-left wording, safe redirects,
and which tickets count as "touched today" for the daily update."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from kb.agents.actions import parse_kb_id, send_updates
from kb.agents.queue import Row
from kb.core.staff import safe_next
from kb.extensions import db
from kb.models import Ticket


def test_parse_kb_id() -> None:
    assert parse_kb_id("KB-12") == 12
    assert parse_kb_id(" kb-7 ") == 7
    assert parse_kb_id("kb12") == 12
    assert parse_kb_id("42") == 42
    assert parse_kb_id("KB-") is None
    assert parse_kb_id("printer") is None


def test_time_left_wording() -> None:
    ticket = Ticket(summary="x", name="x", email="x@example.org")
    assert Row(ticket, 1.5).time_left == "1 h 30 min left"
    assert Row(ticket, 0.25).time_left == "15 min left"
    assert Row(ticket, -2.0).time_left == "Overdue by 2 h 00 min"
    assert Row(ticket, -2.0).overdue and not Row(ticket, 0.1).overdue
    assert Row(ticket, None).time_left == "No target"


def test_safe_next(app: Flask) -> None:
    with app.test_request_context():
        assert safe_next("/agent/tickets?status=new") == "/agent/tickets?status=new"
        for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "", None,
                    "javascript:alert(1)"):
            assert safe_next(bad) == "/agent/"


def test_send_updates_uses_the_help_desk_day(mail_app: Flask, inbox: object) -> None:
    # 23:30 UTC on 24 November is still 24 November in London (UTC+0 in winter);
    # 00:30 local on 25 November is a new day, so a ticket touched at 23:30 gets an update.
    now = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    with mail_app.app_context():
        for summary, touched in (("Yesterday", now - timedelta(hours=1)),
                                 ("Today", now - timedelta(minutes=10))):
            db.session.add(Ticket(summary=summary, name="Sam", email="sam@example.org",
                                  last_touched_at=touched))
        db.session.commit()
        assert send_updates(now) == 1
        touched = db.session.scalars(db.select(Ticket).where(Ticket.summary == "Yesterday"))
        assert [t.events[-1].kind for t in touched] == ["update"]


def test_password_hash_costs(app_factory: Any) -> None:
    """Tests hash cheaply (ARGON2_CHEAP); a real deployment keeps argon2's default costs."""
    from argon2 import PasswordHasher

    from kb.core.staff import hash_password

    cheap, real = app_factory(), app_factory(TESTING=False, ARGON2_CHEAP=False)
    with cheap.app_context():
        assert "m=8," in hash_password("correct horse battery")
    # Checked on the hasher, not by hashing: one default-cost hash takes seconds here.
    hasher = real.extensions["kb_hasher"]
    assert (hasher.time_cost, hasher.memory_cost) == (PasswordHasher().time_cost,
                                                      PasswordHasher().memory_cost)
