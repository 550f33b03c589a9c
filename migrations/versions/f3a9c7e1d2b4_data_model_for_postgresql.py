"""data model for PostgreSQL at scale: constraint names, aware times, CHECKed value sets (issue 9)

JSONB, no column named query or group, and indexes for the queue and reports.

Revision ID: f3a9c7e1d2b4
Revises: e1f2a3b4c5d6
Create Date: 2026-12-02 10:00:00

Everything below is frozen as of this revision (names, value sets, columns) so the migration
does the same thing however the models change later. It touches only the 14 tables that
exist at e1f2a3b4c5d6.

- Constraints get the names of the naming convention in kb/extensions.py. Databases made
  before it have PostgreSQL's own names (agent_pkey, ticket_token_key, ...) or, on SQLite,
  none; a database made from these migrations after the convention already has them. The
  current names are read from the database, so both cases end the same.
- Times become ``timestamptz`` on PostgreSQL, read as UTC (what was stored). SQLite has no
  time type: nothing changes on disk, kb/dbtypes.py puts the zone back on load.
- Closed value sets get CHECK constraints; rows holding another value stop the upgrade with
  a message naming them, before anything is changed.
- JSON becomes JSONB on PostgreSQL.
- search_log.query -> text, ticket.group -> team.
- New indexes: lower(ticket.email), wizard_event.created_at, wizard_run.updated_at.

On PostgreSQL each table is rewritten once (all its type changes in one ALTER TABLE); on
SQLite each table is rebuilt once (batch mode, with foreign keys off: see migrations/env.py).
The downgrade restores revision e1f2a3b4c5d6's schema as it was before the convention.
"""
from alembic import op
import sqlalchemy as sa


revision = 'f3a9c7e1d2b4'
down_revision = 'e1f2a3b4c5d6'
branch_labels = None
depends_on = None

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TIMES = {
    "agent": ["locked_until", "created_at"],
    "article_flag": ["created_at"],
    "attachment": ["created_at"],
    "feedback": ["created_at"],
    "outage": ["starts_at", "expected_fix_at", "resolved_at", "created_at"],
    "outage_update": ["created_at"],
    "outbox_email": ["next_attempt_at", "locked_until", "created_at", "updated_at", "sent_at"],
    "requester": ["created_at", "last_seen_at"],
    "search_log": ["created_at"],
    "ticket": ["verified_at", "respond_by", "first_response_at", "last_touched_at",
               "resolved_at", "closed_at", "created_at"],
    "ticket_article": ["created_at"],
    "ticket_event": ["created_at"],
    "wizard_event": ["created_at"],
    "wizard_run": ["created_at", "updated_at"],
}
TABLES = list(TIMES)

JSONS = {"ticket": ["transcript"], "wizard_run": ["state"]}

# (table, column): the values allowed (kb/states.py at this revision).
CHECKS = {
    ("agent", "role"): ("agent", "lead"),
    ("outbox_email", "state"): ("queued", "sending", "sent", "failed"),
    ("ticket", "status"): ("new", "in progress", "waiting on user", "resolved", "closed"),
    ("ticket", "priority"): ("P1", "P2", "P3", "P4"),
    ("ticket_event", "kind"): ("created", "comment", "reply", "note", "status", "assign",
                               "link", "escalate", "resolved", "reopened", "closed", "update",
                               "rating"),
    ("wizard_event", "kind"): ("visit", "answer", "resolved", "handoff", "goto", "abandon"),
    ("wizard_run", "outcome"): ("resolved", "handoff", "abandoned", "goto", "unmatched"),
}

RENAMES = {"search_log": {"query": ("text", 200)}, "ticket": {"group": ("team", 40)}}

# Names revisions up to e1f2a3b4c5d6 gave explicitly: they were already the convention's.
NAMED_BEFORE = {"fk_ticket_requester_id_requester", "uq_ticket_receipt"}


def _checks(table):
    return [(column, values) for (t, column), values in CHECKS.items() if t == table]


def _check_sql(column, values):
    """The rule as SQLAlchemy writes it for the models' Enum, so both read back the same."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IN ({quoted})"


def _constraints(bind, table):
    """(current name, convention name, PostgreSQL's own name) of the table's primary key,
    foreign keys and unique constraints."""
    inspector = sa.inspect(bind)
    pk = inspector.get_pk_constraint(table)
    out = [(pk.get("name"), f"pk_{table}", f"{table}_pkey")]
    for fk in inspector.get_foreign_keys(table):
        column = fk["constrained_columns"][0]
        out.append((fk.get("name"), f"fk_{table}_{column}_{fk['referred_table']}",
                    f"{table}_{column}_fkey"))
    for uq in inspector.get_unique_constraints(table):
        column = uq["column_names"][0]
        out.append((uq.get("name"), f"uq_{table}_{column}", f"{table}_{column}_key"))
    return out


def _refuse_unknown_values(bind):
    """Stop before changing anything when a row holds a value the new rules refuse."""
    found = []
    for (table, column), values in CHECKS.items():
        col = sa.column(column)
        bad = bind.execute(sa.select(col).select_from(sa.table(table, col))
                           .where(col.not_in(values)).distinct()).scalars().all()
        if bad:
            found.append(f"{table}.{column}: {', '.join(map(repr, sorted(bad)))}")
    if found:
        raise RuntimeError("rows hold values this revision does not allow; change them "
                           "first: " + "; ".join(found))


def _new_indexes():
    op.create_index(op.f("ix_ticket_email_lower"), "ticket", [sa.text("lower(email)")])
    op.create_index(op.f("ix_wizard_event_created_at"), "wizard_event", ["created_at"])
    op.create_index(op.f("ix_wizard_run_updated_at"), "wizard_run", ["updated_at"])


def _drop_new_indexes():
    op.drop_index(op.f("ix_wizard_run_updated_at"), table_name="wizard_run")
    op.drop_index(op.f("ix_wizard_event_created_at"), table_name="wizard_event")
    op.drop_index(op.f("ix_ticket_email_lower"), table_name="ticket")


def upgrade():
    bind = op.get_bind()
    _refuse_unknown_values(bind)
    if bind.dialect.name == "postgresql":
        _upgrade_postgresql(bind)
    else:
        _upgrade_sqlite()
    _new_indexes()


def downgrade():
    bind = op.get_bind()
    _drop_new_indexes()
    if bind.dialect.name == "postgresql":
        _downgrade_postgresql(bind)
    else:
        _downgrade_sqlite(bind)


# ------------------------------------------------------------------ PostgreSQL
def _q(name):
    return op.get_bind().dialect.identifier_preparer.quote(name)


def _rename_constraints(bind, table, to_convention):
    for current, convention, native in _constraints(bind, table):
        wanted = convention if to_convention or current in NAMED_BEFORE else native
        if current and current != wanted:
            op.execute(f"ALTER TABLE {_q(table)} RENAME CONSTRAINT {_q(current)} "
                       f"TO {_q(wanted)}")


def _retype(table, aware):
    """All of a table's time and JSON columns in one ALTER TABLE: one rewrite per table."""
    time_type, json_type = ("timestamptz", "jsonb") if aware else ("timestamp", "json")
    parts = [f"ALTER COLUMN {_q(c)} TYPE {time_type} USING {_q(c)} AT TIME ZONE 'UTC'"
             for c in TIMES[table]]
    parts += [f"ALTER COLUMN {_q(c)} TYPE {json_type} USING {_q(c)}::{json_type}"
              for c in JSONS.get(table, [])]
    op.execute(f"ALTER TABLE {_q(table)} " + ", ".join(parts))


def _upgrade_postgresql(bind):
    for table in TABLES:
        _rename_constraints(bind, table, to_convention=True)
        _retype(table, aware=True)
        for old, (new, length) in RENAMES.get(table, {}).items():
            op.alter_column(table, old, new_column_name=new,
                            existing_type=sa.String(length), existing_nullable=False)
        for column, values in _checks(table):
            op.create_check_constraint(op.f(f"ck_{table}_{column}"), table,
                                       _check_sql(column, values))


def _downgrade_postgresql(bind):
    for table in TABLES:
        for column, _values in _checks(table):
            op.drop_constraint(op.f(f"ck_{table}_{column}"), table, type_="check")
        for old, (new, length) in RENAMES.get(table, {}).items():
            op.alter_column(table, new, new_column_name=old,
                            existing_type=sa.String(length), existing_nullable=False)
        _retype(table, aware=False)
        _rename_constraints(bind, table, to_convention=False)


# ------------------------------------------------------------------ SQLite
def _upgrade_sqlite():
    """Each table rebuilt once: the convention names the constraints SQLite kept unnamed,
    the CHECK rules are added and the columns renamed. Times and JSON keep their storage."""
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", naming_convention=NAMING) as batch:
            for old, (new, length) in RENAMES.get(table, {}).items():
                batch.alter_column(old, new_column_name=new, existing_type=sa.String(length),
                                   existing_nullable=False)
            for column, values in _checks(table):
                batch.create_check_constraint(batch.f(f"ck_{table}_{column}"),
                                              _check_sql(column, values))


def _downgrade_sqlite(bind):
    """Each table rebuilt from its reflected shape, without the CHECK rules and without the
    names SQLite had never been given."""
    for table in TABLES:
        shape = sa.Table(table, sa.MetaData(), autoload_with=bind)
        for constraint in list(shape.constraints):
            if isinstance(constraint, sa.CheckConstraint):
                shape.constraints.discard(constraint)
            elif constraint.name not in NAMED_BEFORE:
                constraint.name = None
        with op.batch_alter_table(table, recreate="always", copy_from=shape) as batch:
            for old, (new, length) in RENAMES.get(table, {}).items():
                batch.alter_column(new, new_column_name=old, existing_type=sa.String(length),
                                   existing_nullable=False)
