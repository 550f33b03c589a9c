"""The shared search index for KB_SEARCH_BACKEND=postgres (kb/core/search/pgsearch.py): one row
per article, its words as a weighted tsvector, and the words the spelling corrector may offer.
Filled from the article files by sync, like the Whoosh index; on SQLite the tables exist (the
schema is the same everywhere) but stay empty, since that backend needs PostgreSQL."""

from __future__ import annotations

from sqlalchemy import DDL, Index, Integer, String, Text, event
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db

WORDS = Text().with_variant(TSVECTOR(), "postgresql")


class SearchDocument(db.Model):  # type: ignore[name-defined]
    """One article as search sees it: what result lists show, and its analysed words
    (title and tags weighted A, summary B, body C) under a GIN index."""

    __tablename__ = "search_document"
    article_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(200))  # what sync compares (schema.article_digest)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # plain text, cut into snippets by ts_headline
    category: Mapped[str] = mapped_column(String(100))
    audience: Mapped[str] = mapped_column(String(20))  # "public" or "internal"
    words: Mapped[str] = mapped_column(WORDS)
    title_words: Mapped[str] = mapped_column(WORDS)  # unstemmed: search-as-you-type prefixes

    __table_args__ = (
        Index("ix_search_document_words", "words", postgresql_using="gin"),
        Index("ix_search_document_title_words", "title_words", postgresql_using="gin"),
    )


class SearchWord(db.Model):  # type: ignore[name-defined]
    """A word of the titles, summaries and tags, with how many articles use it: what a
    misspelt word may be corrected to (found by trigram similarity, pg_trgm)."""

    __tablename__ = "search_word"
    word: Mapped[str] = mapped_column(String(100), primary_key=True)
    public_docs: Mapped[int] = mapped_column(Integer)  # public articles using it (0: internal only)
    all_docs: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_search_word_trigrams", "word", postgresql_using="gin",
              postgresql_ops={"word": "gin_trgm_ops"}),
    )


# The trigram operator class comes from the pg_trgm extension (trusted: a database owner may
# create it); create_all needs it before the table's index, as the migration does.
event.listen(SearchWord.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
