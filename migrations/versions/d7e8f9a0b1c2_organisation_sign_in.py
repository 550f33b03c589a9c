"""organisation sign-in: requesters, agents' OpenID subject, tickets from a signed-in requester (issue 11)

Revision ID: d7e8f9a0b1c2
Revises: c41f0e9a7d2b
Create Date: 2026-12-01 15:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd7e8f9a0b1c2'
down_revision = 'c41f0e9a7d2b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('requester',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('requester', schema=None) as batch_op:
        batch_op.create_index('ix_requester_oidc', ['issuer', 'subject'], unique=True)
        batch_op.create_index(batch_op.f('ix_requester_email'), ['email'], unique=False)

    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_index('ix_agent_oidc', ['oidc_issuer', 'oidc_subject'], unique=True)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requester_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ticket_requester_id'), ['requester_id'], unique=False)
        batch_op.create_foreign_key('fk_ticket_requester_id_requester', 'requester',
                                    ['requester_id'], ['id'])


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ticket_requester_id_requester', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ticket_requester_id'))
        batch_op.drop_column('requester_id')

    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_index('ix_agent_oidc')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')

    with op.batch_alter_table('requester', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requester_email'))
        batch_op.drop_index('ix_requester_oidc')

    op.drop_table('requester')
