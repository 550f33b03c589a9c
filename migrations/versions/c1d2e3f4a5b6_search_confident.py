"""search log records whether the search was confident

Revision ID: c1d2e3f4a5b6
Revises: 44e6b6d3d08d
Create Date: 2026-12-01 15:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c1d2e3f4a5b6'
down_revision = '44e6b6d3d08d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confident', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.drop_column('confident')
