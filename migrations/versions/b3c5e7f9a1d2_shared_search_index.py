"""the shared search index for KB_SEARCH_BACKEND=postgres: articles' weighted words (tsvector,
GIN) and the spelling corrector's words (pg_trgm) (issue 13)

Revision ID: b3c5e7f9a1d2
Revises: a8d2e6f0c4b7
Create Date: 2026-12-01 21:20:00

On SQLite the two tables are made with plain text columns, so the schema matches the models on
both databases; only PostgreSQL gets the tsvector type, the GIN indexes and pg_trgm.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR


revision = 'b3c5e7f9a1d2'
down_revision = 'a8d2e6f0c4b7'
branch_labels = None
depends_on = None

WORDS = sa.Text().with_variant(TSVECTOR(), "postgresql")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        'search_document',
        sa.Column('article_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('digest', sa.String(length=200), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('tags', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('category', sa.String(length=100), nullable=False),
        sa.Column('audience', sa.String(length=20), nullable=False),
        sa.Column('words', WORDS, nullable=False),
        sa.Column('title_words', WORDS, nullable=False),
        sa.PrimaryKeyConstraint('article_id', name=op.f('pk_search_document')),
    )
    op.create_index('ix_search_document_words', 'search_document', ['words'],
                    postgresql_using='gin')
    op.create_index('ix_search_document_title_words', 'search_document', ['title_words'],
                    postgresql_using='gin')
    op.create_table(
        'search_word',
        sa.Column('word', sa.String(length=100), nullable=False),
        sa.Column('public_docs', sa.Integer(), nullable=False),
        sa.Column('all_docs', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('word', name=op.f('pk_search_word')),
    )
    op.create_index('ix_search_word_trigrams', 'search_word', ['word'], postgresql_using='gin',
                    postgresql_ops={'word': 'gin_trgm_ops'})


def downgrade():
    op.drop_index('ix_search_word_trigrams', table_name='search_word')
    op.drop_table('search_word')
    op.drop_index('ix_search_document_title_words', table_name='search_document')
    op.drop_index('ix_search_document_words', table_name='search_document')
    op.drop_table('search_document')
