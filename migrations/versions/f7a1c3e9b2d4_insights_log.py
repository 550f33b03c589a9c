"""insights: a search log fit for analysis, article views, wizard file versions, session keys,
weekly counts rolled up for the self-service score

Revision ID: f7a1c3e9b2d4
Revises: f4b8c2d6e0a1
Create Date: 2026-12-01 18:50:00

Written for the data model of f3a9c7e1d2b4 (aware times, CHECKed kinds); a wizard event may
now be "unmatched" (the general question reached no wizard).

"""
from alembic import op
import sqlalchemy as sa

WIZARD_KINDS = ("visit", "answer", "resolved", "handoff", "goto", "abandon")


def _wizard_kinds(values):
    with op.batch_alter_table('wizard_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_wizard_event_kind'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_wizard_event_kind'),
            "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")")


def _email_index():
    """SQLite's table rebuild drops the lower(email) index it cannot reflect: made again."""
    op.execute("CREATE INDEX IF NOT EXISTS ix_ticket_email_lower ON ticket (lower(email))")


revision = 'f7a1c3e9b2d4'
down_revision = 'f4b8c2d6e0a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('normalised', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('topic', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('shown_ids', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('clicked_position', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('latency_ms', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('session_key', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('ticket_after_s', sa.Integer(), nullable=True))
        batch_op.create_index('ix_search_log_session', ['session_key', 'created_at'],
                              unique=False)
    # Searches logged before: grouped by their lower-cased text.
    op.execute("UPDATE search_log SET normalised = lower(text) WHERE normalised IS NULL")
    op.create_table('article_view',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('search_id', sa.Integer(), nullable=True),
        sa.Column('session_key', sa.BigInteger(), nullable=True),
        sa.Column('ticket_after_s', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_article_view_period', 'article_view', ['created_at', 'article_id'],
                    unique=False)
    op.create_index('ix_article_view_session', 'article_view', ['session_key', 'created_at'],
                    unique=False)
    with op.batch_alter_table('wizard_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('session_key', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('ticket_after_s', sa.Integer(), nullable=True))
        batch_op.create_index('ix_wizard_event_period', ['created_at', 'wizard_id'],
                              unique=False)
        batch_op.create_index('ix_wizard_event_session', ['session_key', 'created_at'],
                              unique=False)
    op.create_table('score_week',
        sa.Column('week', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('category', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('week', 'category', 'kind')
    )
    op.create_table('rolled_up_week',
        sa.Column('week', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('week')
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolve_by', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('session_key', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_ticket_session', ['session_key', 'created_at'], unique=False)
    _email_index()
    _wizard_kinds((*WIZARD_KINDS, "unmatched"))


def downgrade():
    op.execute("DELETE FROM wizard_event WHERE kind = 'unmatched'")
    _wizard_kinds(WIZARD_KINDS)
    op.drop_table('rolled_up_week')
    op.drop_table('score_week')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_session')
        batch_op.drop_column('session_key')
        batch_op.drop_column('resolve_by')
    _email_index()
    with op.batch_alter_table('wizard_event', schema=None) as batch_op:
        batch_op.drop_index('ix_wizard_event_session')
        batch_op.drop_index('ix_wizard_event_period')
        batch_op.drop_column('ticket_after_s')
        batch_op.drop_column('session_key')
        batch_op.drop_column('version')
    op.drop_index('ix_article_view_session', table_name='article_view')
    op.drop_index('ix_article_view_period', table_name='article_view')
    op.drop_table('article_view')
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.drop_index('ix_search_log_session')
        batch_op.drop_column('ticket_after_s')
        batch_op.drop_column('session_key')
        batch_op.drop_column('latency_ms')
        batch_op.drop_column('clicked_position')
        batch_op.drop_column('shown_ids')
        batch_op.drop_column('topic')
        batch_op.drop_column('normalised')
