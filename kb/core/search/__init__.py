"""Full-text search over articles (Whoosh): build/sync the index, search, suggest, related.

    index = SearchIndex(instance / "index", articles_dir / "_synonyms.yml")
    index.sync(articles)                 # re-indexes only what changed; rebuilds a bad index
    results = index.search("priner offline", category=None, page=1)
    results.hits[0].snippet              # safe HTML with <mark>…</mark>

The site opens it through ``backends.open_index(config)`` (KB_SEARCH_BACKEND): this Whoosh
index with the fast ranker or Whoosh's own, or the PostgreSQL index (pgindex.PgSearchIndex)
with the same interface.
"""

from kb.core.search.indexer import SearchIndex
from kb.core.search.query import Hit, SearchResults
from kb.core.search.schema import SCHEMA_VERSION, build_schema

__all__ = ["SCHEMA_VERSION", "Hit", "SearchIndex", "SearchResults", "build_schema"]
