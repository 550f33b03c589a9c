"""The Alembic migrations build exactly the tables the models describe, and carry existing rows
across: on SQLite, and on PostgreSQL when KB_TEST_DATABASE_URL is set. Each test migrates a
database of its own, never the one the other tests share."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.schema import DEFAULT_NAMING_CONVENTION

from kb import create_app
from kb.dbtypes import UTCDateTime
from kb.extensions import db
from kb.models import (
    Agent,
    OutboxEmail,
    SearchLog,
    Ticket,
    TicketEvent,
    WizardEvent,
    WizardRun,
)
from kb.states import Priority, TicketStatus, WizardOutcome
from tests.conftest import PG_URL
from tests.pgdb import throwaway_database

BEFORE = "e1f2a3b4c5d6"  # the revision before the data model issue (9)

pytestmark = [
    # SQLite cannot reflect an expression index (lower(email)); both libraries say so.
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based"),
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression"),
]


# ---------------------------------------------------------------- databases of their own
@contextmanager
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file, or a PostgreSQL database dropped afterwards.
    The PostgreSQL one answers in New York time, so a migration that read stored times in
    the session's zone instead of UTC would shift them by hours."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite3'}"
        return
    with throwaway_database(
            PG_URL, "kb_migrate_",
            "ALTER DATABASE \"{name}\" SET timezone TO 'America/New_York'") as url:
        yield url


@contextmanager
def app_on(tmp_path: Path, url: str) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url,
                      "INSTANCE_PATH": str(tmp_path / f"instance-{uuid.uuid4().hex[:6]}"),
                      "INDEX_ON_START": False, "MAIL_PORT": 1, "RATELIMIT_ENABLED": False})
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def flask_db(app: Flask, *args: str) -> None:
    """``flask db …`` as typed at the command line."""
    result = app.test_cli_runner().invoke(args=["db", *args])
    if result.exception is not None:
        raise result.exception
    assert result.exit_code == 0, result.output


@contextmanager
def as_before_the_convention() -> Iterator[None]:
    """Migrations name constraints with the models' convention; databases made before it got
    the database's own names (PostgreSQL's agent_pkey, …; none on SQLite). This builds the
    old revisions the way they built those databases."""
    saved = db.metadata.naming_convention
    db.metadata.naming_convention = DEFAULT_NAMING_CONVENTION
    try:
        yield
    finally:
        db.metadata.naming_convention = saved


# ---------------------------------------------------------------- what the schema is
def schema(engine: sa.Engine) -> dict[str, Any]:
    """Everything reflection sees, in a stable order: columns and types, every constraint
    and index with its name, CHECK rules."""
    insp = sa.inspect(engine)
    out: dict[str, Any] = {}
    for table in sorted(set(insp.get_table_names()) - {"alembic_version"}):
        cols = [(c["name"], c["type"].compile(engine.dialect), c["nullable"])
                for c in insp.get_columns(table)]
        pk = insp.get_pk_constraint(table)
        out[table] = {
            "columns": sorted(cols),
            "pk": (pk["name"], pk["constrained_columns"]),
            "fk": sorted((f["name"] or "", f["constrained_columns"], f["referred_table"])
                         for f in insp.get_foreign_keys(table)),
            "uq": sorted((u["name"] or "", u["column_names"])
                         for u in insp.get_unique_constraints(table)),
            "ix": sorted((i["name"] or "", [str(c) for c in i["column_names"]],
                          bool(i["unique"]), i.get("expressions") or [])
                         for i in insp.get_indexes(table)),
            "ck": sorted((c["name"] or "", re.sub(r"\s+", " ", c["sqltext"]))
                         for c in insp.get_check_constraints(table)),
        }
    if engine.dialect.name == "sqlite":  # expression indexes are not reflected there
        with engine.connect() as conn:
            out["sqlite indexes"] = sorted(conn.execute(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )).scalars())
    return out


@pytest.fixture(scope="module")
def models_schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The schema ``create_all`` makes from the models, on an empty database."""
    tmp = tmp_path_factory.mktemp("models")
    with empty_database(tmp) as url, app_on(tmp, url):
        db.create_all()
        return schema(db.engine)


def assert_matches_models(models_schema: dict[str, Any]) -> None:
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
    assert schema(db.engine) == models_schema


# ---------------------------------------------------------------- the tests
def test_upgrade_from_empty_matches_models(tmp_path: Path,
                                           models_schema: dict[str, Any]) -> None:
    with empty_database(tmp_path) as url, app_on(tmp_path, url) as app:
        flask_db(app, "upgrade")
        assert_matches_models(models_schema)
        ticket = models_schema["ticket"]
        assert ("ck_ticket_status" in {name for name, _ in ticket["ck"]}
                and "pk_ticket" == ticket["pk"][0])
        flask_db(app, "downgrade", "base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}


def test_indexes_the_queue_and_reports_need(models_schema: dict[str, Any]) -> None:
    def index(table: str, name: str) -> tuple[list[str], list[str]]:
        found = {i[0]: (i[1], i[3]) for i in models_schema[table]["ix"]}
        assert name in found or name in models_schema.get("sqlite indexes", []), name
        return found.get(name, ([], []))

    assert index("ticket", "ix_ticket_queue")[0] == ["outage_id", "status", "respond_by"]
    assert index("ticket", "ix_ticket_created_at")[0] == ["created_at"]
    assert index("search_log", "ix_search_log_created_at")[0] == ["created_at"]
    assert index("search_log", "ix_search_log_clicked")[0] == ["clicked_article_id",
                                                                "created_at"]
    expressions = index("ticket", "ix_ticket_email_lower")[1]
    assert not expressions or "lower(email" in expressions[0]  # PostgreSQL reflects it
    assert index("wizard_event", "ix_wizard_event_created_at")[0] == ["created_at"]
    assert index("wizard_run", "ix_wizard_run_updated_at")[0] == ["updated_at"]


T0 = datetime(2026, 11, 24, 9, 0)  # naive UTC, as revision e1f2a3b4c5d6 stored times
TRANSCRIPT = [{"question": "What happens when you print?", "answer": "Nothing — “offline”",
               "kind": "open", "sets": {"impact": "me"}}]
STATE = {"title": "Printing", "path": ["start", "light"],
         "answers": {"start": {"answer": "Nothing prints", "value": "x"}}, "n": [1, 2.5, None]}


JSON_COLUMNS = {("ticket", "transcript"), ("wizard_run", "state")}


def insert_old_rows(conn: sa.Connection) -> None:
    """One or two rows in every table, written as the old code wrote them."""
    def put(table: str, **values: Any) -> None:
        cols = [sa.column(k, sa.JSON() if (table, k) in JSON_COLUMNS else None)
                for k in values]
        conn.execute(sa.table(table, *cols).insert().values(**values))

    put("agent", id=1, email="lee@example.org", name="Lee", password_hash="x", role="lead",
        active=True, failed_logins=0, session_token="s1", created_at=T0,
        locked_until=T0 + timedelta(minutes=15))
    put("requester", id=1, issuer="https://id", subject="s", email="sam@example.org",
        name="Sam", created_at=T0, last_seen_at=T0)
    put("outage", id=1, title="Printers", message="Down", services="", keywords="print",
        starts_at=T0, expected_fix_at=T0 + timedelta(hours=2), created_by_id=1,
        created_at=T0)
    put("outage_update", id=1, outage_id=1, body="Still down", created_at=T0)
    put("ticket", id=1, token="tok", status="waiting on user", summary="Printer offline",
        description="", transcript=TRANSCRIPT, name="Sam", email="Sam@Example.org",
        category="printing", impact="me", urgency="high", priority="P1",
        group="Network team", assignee_id=1, requester_id=1, receipt="r1",
        respond_by=T0 + timedelta(hours=1), first_response_at=T0 + timedelta(minutes=5),
        last_touched_at=T0, created_at=T0, verified_at=T0)
    put("ticket_event", id=1, ticket_id=1, kind="reply", body="Try this", author="Lee",
        public=True, created_at=T0)
    put("attachment", id=1, ticket_id=1, original_name="a.png", stored_name="x.png",
        mime="image/png", size=3, created_at=T0)
    put("ticket_article", id=1, ticket_id=1, article_id=5, created_at=T0)
    put("article_flag", id=1, article_id=5, reason="wrong", note="", agent_id=1, ticket_id=1,
        open=True, created_at=T0)
    put("feedback", id=1, article_id=5, helpful=False, reason="old", created_at=T0)
    put("search_log", id=1, query="printer offline", result_count=3, source="public",
        confident=True, created_at=T0)
    put("wizard_run", id=1, key="k1", wizard_id="printing", state=STATE, outcome="handoff",
        created_at=T0, updated_at=T0)
    put("wizard_run", id=2, key="k2", wizard_id="printing", state={}, created_at=T0,
        updated_at=T0)
    put("wizard_event", id=1, run_id=1, wizard_id="printing", node_id="start", kind="answer",
        created_at=T0)
    put("outbox_email", id=1, ticket_id=1, to_addr="sam@example.org", subject="Hi",
        template="ticket_created", body_text="Hi", message_id="<m1@kb>", state="sent",
        attempts=1, next_attempt_at=T0, created_at=T0, updated_at=T0, sent_at=T0)


def assert_rows_survived() -> None:
    """The old rows, read through today's models: same values, times aware UTC."""
    db.session.remove()
    aware = T0.replace(tzinfo=UTC)
    ticket = db.session.get(Ticket, 1)
    assert ticket is not None
    assert ticket.team == "Network team" and ticket.email == "Sam@Example.org"
    assert ticket.status is TicketStatus.WAITING and ticket.priority is Priority.P1
    assert ticket.transcript == TRANSCRIPT
    assert ticket.created_at == aware and ticket.created_at.utcoffset() == timedelta(0)
    assert ticket.respond_by == aware + timedelta(hours=1)
    assert db.session.get(SearchLog, 1).text == "printer offline"  # type: ignore[union-attr]
    run = db.session.get(WizardRun, 1)
    assert run is not None and run.state == STATE and run.outcome is WizardOutcome.HANDOFF
    assert db.session.get(Agent, 1).is_lead  # type: ignore[union-attr]
    assert db.session.get(OutboxEmail, 1).state == "sent"  # type: ignore[union-attr]
    assert db.session.get(TicketEvent, 1).kind == "reply"  # type: ignore[union-attr]
    assert db.session.get(WizardEvent, 1).kind == "answer"  # type: ignore[union-attr]
    for model in db.Model.__subclasses__():
        times = [c.key for c in model.__table__.columns if isinstance(c.type, UTCDateTime)]
        for row in db.session.scalars(sa.select(model)):
            for key in times:
                value = getattr(row, key)
                assert value is None or value.utcoffset() == timedelta(0), (model, key)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
        sa.func.lower(Ticket.email) == "sam@example.org")) == 1
    if db.engine.dialect.name == "postgresql":
        assert db.session.scalar(sa.text("SELECT transcript -> 0 ->> 'answer' FROM ticket")) \
            == TRANSCRIPT[0]["answer"]  # JSONB operators work
    db.session.remove()


def assert_old_rows_are_back(conn: sa.Connection) -> None:
    """After the downgrade: the old column names and naive times, with the same values."""
    row = conn.execute(sa.text('SELECT "group", created_at, transcript FROM ticket')).one()
    transcript = row[2] if isinstance(row[2], list) else json.loads(row[2])
    assert row[0] == "Network team" and transcript == TRANSCRIPT
    created = row[1] if isinstance(row[1], datetime) else datetime.fromisoformat(row[1])
    assert created == T0
    assert conn.execute(sa.text("SELECT query FROM search_log")).scalar() == "printer offline"


def without_names(found: dict[str, Any]) -> dict[str, Any]:
    """The schema with the names of primary keys, foreign keys and unique constraints left
    out (those the naming convention changes)."""
    return {table: {**d, "pk": d["pk"][1], "fk": sorted(f[1:] for f in d["fk"]),
                    "uq": sorted(u[1:] for u in d["uq"]),
                    "ix": sorted(i for i in d["ix"] if not i[0].startswith(("uq_", table)))}
            for table, d in found.items() if table != "sqlite indexes"}


BAD_UPDATES = ["UPDATE ticket SET status = 'lost'", "UPDATE ticket SET priority = 'P5'",
               "UPDATE agent SET role = 'admin'", "UPDATE outbox_email SET state = 'gone'",
               "UPDATE ticket_event SET kind = 'hug'", "UPDATE wizard_run SET outcome = 'x'"]


def refused(engine: sa.Engine) -> list[str]:
    """Which raw updates the database refuses: the bad ones, and one good one that must go
    in (each rolled back)."""
    out = []
    for sql in [*BAD_UPDATES, "UPDATE ticket SET status = 'in progress', priority = 'P4'"]:
        with engine.connect() as conn:
            try:
                conn.execute(sa.text(sql))
            except IntegrityError:
                out.append(sql)
            conn.rollback()
    return out


@pytest.mark.parametrize("made", ["before the convention", "from these migrations"])
def test_rows_survive_upgrade_downgrade_upgrade(tmp_path: Path, made: str,
                                                models_schema: dict[str, Any]) -> None:
    with empty_database(tmp_path) as url, app_on(tmp_path, url) as app:
        if made == "before the convention":
            with as_before_the_convention():
                flask_db(app, "upgrade", BEFORE)
        else:
            flask_db(app, "upgrade", BEFORE)
        before = schema(db.engine)
        with db.engine.begin() as conn:
            insert_old_rows(conn)
        assert refused(db.engine) == []  # no rules before: every update goes in

        flask_db(app, "upgrade")
        assert_matches_models(models_schema)
        assert_rows_survived()
        assert refused(db.engine) == BAD_UPDATES

        flask_db(app, "downgrade", BEFORE)
        if made == "before the convention":
            assert schema(db.engine) == before
        else:  # the downgrade gives back the database's own names, as before the convention
            assert without_names(schema(db.engine)) == without_names(before)
        with db.engine.connect() as conn:
            assert_old_rows_are_back(conn)

        flask_db(app, "upgrade")
        assert_matches_models(models_schema)
        assert_rows_survived()


def test_upgrade_stops_on_values_it_would_refuse(tmp_path: Path) -> None:
    """A row with a status outside the set stops the upgrade before anything changes, and
    says which."""
    with empty_database(tmp_path) as url, app_on(tmp_path, url) as app:
        flask_db(app, "upgrade", BEFORE)
        with db.engine.begin() as conn:
            insert_old_rows(conn)
            conn.execute(sa.text("UPDATE ticket SET status = 'on hold'"))
        before = schema(db.engine)
        # Through Alembic itself: `flask db upgrade` logs the same error and exits with 1.
        config = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(RuntimeError, match=r"ticket\.status: 'on hold'"):
            command.upgrade(config, "head")
        assert schema(db.engine) == before
