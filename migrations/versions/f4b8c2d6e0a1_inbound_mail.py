"""replies by email: inbound messages, comments that came by email, reply addresses (issue 10)

Revision ID: f4b8c2d6e0a1
Revises: 9c4e7a2d51b8
Create Date: 2026-12-01 18:30:00

Written for the data model of f3a9c7e1d2b4 (aware times, CHECKed states, named constraints).

"""
from alembic import op
import sqlalchemy as sa


revision = 'f4b8c2d6e0a1'
down_revision = "9c4e7a2d51b8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('from_addr', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('message_id', sa.String(length=250), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('held', 'added', 'discarded')",
                       name=op.f('ck_inbound_message_state')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['agent.id'],
                            name='fk_inbound_message_handled_by_id_agent'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                            name='fk_inbound_message_ticket_id_ticket'),
    sa.PrimaryKeyConstraint('id', name='pk_inbound_message')
    )
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_message_state', ['state', 'received_at'], unique=False)
        batch_op.create_index('ix_inbound_message_message_id', ['message_id'],
                              unique=False)
        batch_op.create_index('ix_inbound_message_ticket_id', ['ticket_id'],
                              unique=False)

    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('via', sa.String(length=10), nullable=True))

    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_to', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_column('reply_to')

    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_column('via')

    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_message_ticket_id')
        batch_op.drop_index('ix_inbound_message_message_id')
        batch_op.drop_index('ix_inbound_message_state')

    op.drop_table('inbound_message')
