"""indexes for the agent queue (deadline order in SQL) and for click counts

Revision ID: c41f0e9a7d2b
Revises: c1d2e3f4a5b6
Create Date: 2026-12-01 15:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c41f0e9a7d2b'
down_revision = 'c1d2e3f4a5b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_ticket_queue', 'ticket', ['outage_id', 'status', 'respond_by'])
    op.create_index('ix_ticket_assignee_status', 'ticket', ['assignee_id', 'status'])
    op.create_index('ix_search_log_clicked', 'search_log', ['clicked_article_id', 'created_at'])


def downgrade():
    op.drop_index('ix_search_log_clicked', table_name='search_log')
    op.drop_index('ix_ticket_assignee_status', table_name='ticket')
    op.drop_index('ix_ticket_queue', table_name='ticket')
