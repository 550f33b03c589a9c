"""the content worklist (decisions, search synonyms and pins), known errors, article drafts,
a ticket summary's words for clusters (issue 12, second half)

Revision ID: a8d2e6f0c4b7
Revises: f7a1c3e9b2d4
Create Date: 2026-12-02 10:00:00

Written for the data model of f3a9c7e1d2b4 (aware times, CHECKed value sets, constraint
names from the convention). A ticket event may now be "known error".
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


revision = 'a8d2e6f0c4b7'
down_revision = 'f7a1c3e9b2d4'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
KINDS = ("created", "comment", "reply", "note", "status", "assign", "link", "escalate",
         "resolved", "reopened", "closed", "update", "rating", "merged")


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _event_kinds(values):
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ticket_event_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_ticket_event_kind'), _in('kind', values))


FAILED = "source = 'public' AND (result_count = 0 OR confident IS false)"


def upgrade():
    _event_kinds((*KINDS, "known error"))
    op.create_index('ix_search_log_failed', 'search_log',
                    ['created_at', 'normalised', 'result_count', 'id'], unique=False,
                    postgresql_where=sa.text(FAILED), sqlite_where=sa.text(FAILED))
    # A plain ADD COLUMN (no table rebuild on SQLite, so the lower(email) index stays).
    op.add_column('ticket', sa.Column('summary_words', sa.String(length=200), nullable=True))
    op.create_table('worklist_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('snoozed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_how', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(_in('kind', ('search', 'unhelpful', 'flag', 'stale', 'drop-out',
                                    'ticket-cluster')), name=op.f('ck_worklist_item_kind')),
    sa.CheckConstraint(_in('state', ('open', 'snoozed', 'closed')),
                       name=op.f('ck_worklist_item_state')),
    sa.CheckConstraint(_in('closed_how', ('synonym', 'pin', 'new article', 'edited', 'wizard',
                                          'nothing')),
                       name=op.f('ck_worklist_item_closed_how')),
    sa.ForeignKeyConstraint(['assignee_id'], ['agent.id'],
                            name='fk_worklist_item_assignee_id_agent'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['agent.id'],
                            name='fk_worklist_item_closed_by_id_agent'),
    sa.PrimaryKeyConstraint('id', name='pk_worklist_item')
    )
    op.create_index('ix_worklist_item_kind_key', 'worklist_item', ['kind', 'key'], unique=True)
    op.create_table('search_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('words', sa.String(length=200), nullable=False),
    sa.Column('means', sa.String(length=200), nullable=True),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint(_in('kind', ('synonym', 'pin')), name=op.f('ck_search_override_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['agent.id'],
                            name='fk_search_override_created_by_id_agent'),
    sa.ForeignKeyConstraint(['removed_by_id'], ['agent.id'],
                            name='fk_search_override_removed_by_id_agent'),
    sa.PrimaryKeyConstraint('id', name='pk_search_override')
    )
    op.create_table('article_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('problems', JSON, nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(_in('state', ('draft', 'published', 'discarded')),
                       name=op.f('ck_article_draft_state')),
    sa.ForeignKeyConstraint(['created_by_id'], ['agent.id'],
                            name='fk_article_draft_created_by_id_agent'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                            name='fk_article_draft_ticket_id_ticket'),
    sa.PrimaryKeyConstraint('id', name='pk_article_draft')
    )
    op.create_index('ix_article_draft_owner', 'article_draft', ['owner'], unique=False)
    op.create_index('ix_article_draft_ticket_id', 'article_draft', ['ticket_id'], unique=False)
    op.create_table('known_error',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('symptoms', sa.Text(), nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('workaround_article_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fixed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(_in('status', ('investigating', 'known error', 'fixed')),
                       name=op.f('ck_known_error_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['agent.id'],
                            name='fk_known_error_created_by_id_agent'),
    sa.PrimaryKeyConstraint('id', name='pk_known_error')
    )
    op.create_index('ix_known_error_status', 'known_error', ['status'], unique=False)
    op.create_table('known_error_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('known_error_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['known_error_id'], ['known_error.id'],
                            name='fk_known_error_ticket_known_error_id_known_error'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                            name='fk_known_error_ticket_ticket_id_ticket'),
    sa.PrimaryKeyConstraint('id', name='pk_known_error_ticket')
    )
    op.create_index('ix_known_error_ticket_unique', 'known_error_ticket',
                    ['known_error_id', 'ticket_id'], unique=True)
    op.create_index('ix_known_error_ticket_ticket_id', 'known_error_ticket', ['ticket_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_known_error_ticket_ticket_id', table_name='known_error_ticket')
    op.drop_index('ix_known_error_ticket_unique', table_name='known_error_ticket')
    op.drop_table('known_error_ticket')
    op.drop_index('ix_known_error_status', table_name='known_error')
    op.drop_table('known_error')
    op.drop_index('ix_article_draft_ticket_id', table_name='article_draft')
    op.drop_index('ix_article_draft_owner', table_name='article_draft')
    op.drop_table('article_draft')
    op.drop_table('search_override')
    op.drop_index('ix_worklist_item_kind_key', table_name='worklist_item')
    op.drop_table('worklist_item')
    op.drop_column('ticket', 'summary_words')
    op.drop_index('ix_search_log_failed', table_name='search_log')
    op.execute("DELETE FROM ticket_event WHERE kind = 'known error'")
    _event_kinds(KINDS)
