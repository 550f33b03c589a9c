"""What the tables promise on both databases: times come back aware UTC whatever zone they
were given in, a naive time is refused, closed value sets are enforced by the database
itself, and JSON documents come back as they went in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask import Flask

from kb.extensions import db
from kb.models import Agent, OutboxEmail, Ticket, WizardRun
from kb.states import AgentRole, EmailState, Priority, TicketStatus
from tests.web.test_migrations import BAD_UPDATES, refused

INDIA = timezone(timedelta(hours=5, minutes=30))


def test_times_come_back_aware_utc(app: Flask) -> None:
    given = datetime(2026, 11, 24, 14, 30, tzinfo=INDIA)  # 09:00 UTC
    with app.app_context():
        db.session.add(Ticket(summary="x", name="Sam", email="sam@example.org",
                              last_touched_at=given, respond_by=given + timedelta(hours=1)))
        db.session.commit()
        db.session.expire_all()
        ticket = db.session.scalars(sa.select(Ticket)).one()
        assert ticket.last_touched_at == given
        assert ticket.last_touched_at.tzinfo is UTC and ticket.last_touched_at.hour == 9
        assert ticket.created_at.tzinfo is UTC  # the default, utcnow()
        # Comparisons in SQL use the same instant, whatever zone the value is in.
        due = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)
                                 .where(Ticket.respond_by == due)) == 1


def test_a_naive_time_is_refused(app: Flask) -> None:
    with app.app_context():
        db.session.add(Ticket(summary="x", name="Sam", email="sam@example.org",
                              last_touched_at=datetime(2026, 1, 1)))
        with pytest.raises(sa.exc.StatementError, match="without a time zone"):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(sa.exc.StatementError, match="without a time zone"):
            db.session.scalar(sa.select(Ticket).where(Ticket.created_at < datetime(2026, 1, 1)))


def test_closed_sets_load_as_enums_and_the_database_refuses_others(app: Flask) -> None:
    with app.app_context():
        db.session.add_all([
            Ticket(summary="x", name="Sam", email="sam@example.org", priority="P2"),
            Agent(email="a@example.org", name="A", password_hash="x"),
            OutboxEmail(to_addr="a@example.org", subject="s", body_text="b",
                        message_id="<m@kb>")])
        db.session.commit()
        db.session.expire_all()
        ticket = db.session.scalars(sa.select(Ticket)).one()
        assert ticket.status is TicketStatus.NEW and ticket.priority is Priority.P2
        assert db.session.scalars(sa.select(Agent)).one().role is AgentRole.AGENT
        assert db.session.scalars(sa.select(OutboxEmail)).one().state is EmailState.QUEUED
        # Raw SQL: only the database stands in the way (ticket, agent and outbox rows exist).
        assert refused(db.engine) == BAD_UPDATES[:4]
        # Through the models too, and a filter with an unknown value simply matches nothing.
        assert db.session.scalars(sa.select(Ticket).where(Ticket.priority == "P9")).all() == []
        ticket.status = "lost"  # type: ignore[assignment]
        with pytest.raises(sa.exc.IntegrityError, match="ck_ticket_status|CHECK"):
            db.session.flush()
        db.session.rollback()


def test_json_documents_round_trip(app: Flask) -> None:
    state = {"title": "Wi-Fi", "path": ["start", "b"], "answers": {"b": {"answer": "Ja — “ok”"}},
             "numbers": [1, 2.5, None, True]}
    with app.app_context():
        db.session.add(WizardRun(wizard_id="wifi", state=state))
        db.session.commit()
        db.session.expire_all()
        assert db.session.scalars(sa.select(WizardRun)).one().state == state
        if db.engine.dialect.name == "postgresql":
            kind = db.session.scalar(sa.text("SELECT jsonb_typeof(state -> 'answers') "
                                             "FROM wizard_run"))
            assert kind == "object"
