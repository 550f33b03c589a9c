"""What the content worklist changes in search, on one searcher: pins (searches grouped as
these words show these articles first, as an article id typed in the search box does), and
the words of a search no article uses (what a synonym should name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.core.search.normal import normalise
from kb.core.search.request import is_stop
from kb.core.search.schema import words

if TYPE_CHECKING:
    from kb.core.search.query import Engine


def pinned_docs(engine: Engine, text: str, allow: set[int] | None,
                include_internal: bool) -> list[int]:
    """Docnums of the articles a lead pointed these words at, keyed by the words as
    searches are grouped (so "Flurbo won't open!" finds the pin made for "flurbo open");
    nothing to do, and nothing computed, without pins."""
    if not engine.pins or not text.strip():
        return []
    key = normalise(text, engine.known, engine.speller(include_internal))
    out = []
    for article_id in engine.pins.get(key, ()):
        docnum = engine.searcher.document_number(id=str(article_id))
        if docnum is not None and (allow is None or docnum in allow):
            out.append(docnum)
    return out


def unknown_words(engine: Engine, text: str) -> list[str]:
    """The words of ``text`` no article uses (small words left out), in order."""
    return list(dict.fromkeys(w for w in words(text) if not is_stop(w)
                              and not engine.known(w)))
