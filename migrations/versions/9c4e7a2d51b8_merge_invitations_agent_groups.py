"""merged tickets, invitations by email, agents' groups (issue 10)

Revision ID: 9c4e7a2d51b8
Revises: f3a9c7e1d2b4
Create Date: 2026-12-01 18:30:00

Written for the data model of f3a9c7e1d2b4: aware times, JSONB on PostgreSQL, CHECKed value
sets, constraint names from the convention. A ticket event may now be "merged".
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


revision = '9c4e7a2d51b8'
down_revision = 'f3a9c7e1d2b4'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
KINDS = ("created", "comment", "reply", "note", "status", "assign", "link", "escalate",
         "resolved", "reopened", "closed", "update", "rating")


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _event_kinds(values):
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ticket_event_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_ticket_event_kind'), _in('kind', values))


def _email_index():
    """SQLite's table rebuild drops the lower(email) index it cannot reflect: made again."""
    op.execute("CREATE INDEX IF NOT EXISTS ix_ticket_email_lower ON ticket (lower(email))")


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_ticket_merged_into_id_ticket', 'ticket',
                                    ['merged_into_id'], ['id'])
    _email_index()
    _event_kinds((*KINDS, "merged"))

    # Existing agents are in no group yet: an empty list, not NULL.
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('teams', JSON, nullable=False,
                                      server_default=sa.text("'[]'")))

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('teams', JSON, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('agent', 'lead')", name=op.f('ck_invitation_role')),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name='fk_invitation_agent_id_agent'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['agent.id'],
                            name='fk_invitation_invited_by_id_agent'),
    sa.PrimaryKeyConstraint('id', name='pk_invitation'),
    sa.UniqueConstraint('token_hash', name='uq_invitation_token_hash')
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index('ix_invitation_email', ['email'], unique=False)


def downgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index('ix_invitation_email')
    op.drop_table('invitation')

    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_column('teams')

    op.execute("DELETE FROM ticket_event WHERE kind = 'merged'")
    _event_kinds(KINDS)
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ticket_merged_into_id_ticket', type_='foreignkey')
        batch_op.drop_column('merged_into_id')
    _email_index()
