"""Read-only JSON API for other tools (chat bots, the intranet). Public articles only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from werkzeug.wrappers import Response

from kb.core.content.article import Article
from kb.core.inputs import arg_page, parse_id
from kb.core.search import Hit
from kb.core.searchlog import MAX_QUERY, run_search
from kb.core.services import library, search_index
from kb.core.urls import public_url
from kb.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # GET only; nothing here changes state a browser could be tricked into
limiter.limit("120/minute")(bp)


def _url(article_id: int, slug: str) -> str:
    return public_url("public.article", article_id=article_id, slug=slug)


def _hit_json(hit: Hit) -> dict[str, Any]:
    art = library().get(hit.id)
    slug = art.slug if art else ""
    return {"id": f"KB-{hit.id}", "title": hit.title, "summary": hit.summary,
            "url": _url(hit.id, slug), "snippet": hit.snippet, "category": hit.category}


@bp.get("/search")
def search() -> Response:
    """Ranked public articles; ``confident`` is false when nothing matches or the best match
    is weak (then offer the open question and a person first, the hits as "might help")."""
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    category = request.args.get("category") or None
    if category not in library().categories:
        category = None  # unknown categories filter nothing (and never reach the database)
    page = arg_page()
    results, _log = run_search(q, category, page, "api", exact=request.args.get("exact") == "1",
                               show_all=request.args.get("show") == "all")
    return jsonify({
        "query": q, "did_you_mean": results.did_you_mean, "total": results.total,
        "total_all": results.total_all, "confident": results.confident,
        "rebuilding": search_index().broken,  # true: the index is being rebuilt, ask again soon
        "page": results.page, "pages": results.pages, "category": category,
        "results": [_hit_json(h) for h in results.hits],
    })


@bp.get("/suggest")
def suggest() -> Response:
    """Titles for search-as-you-type (progressive enhancement of the search box)."""
    q = request.args.get("q", "").strip()[:100]
    items = search_index().suggest(q, limit=8) if len(q) >= 2 else []
    lib = library()
    out = []
    for article_id, title in items:
        art = lib.get(article_id)
        if art is not None:
            out.append({"id": art.kb_id, "title": title,
                        "url": url_for("public.article", article_id=art.id, slug=art.slug)})
    return jsonify({"query": q, "suggestions": out})


def article_json(art: Article) -> dict[str, Any]:
    return {
        "id": art.kb_id, "number": art.id, "title": art.title, "summary": art.summary,
        "category": art.category, "tags": list(art.tags), "url": _url(art.id, art.slug),
        "reviewed": art.reviewed.isoformat() if art.reviewed else None,
        "html": art.html,
    }


@bp.get("/articles/<article_ref>")
def article(article_ref: str) -> Response:
    number = parse_id(article_ref.upper().removeprefix("KB-"))
    art = library().get(number) if number is not None else None
    if art is None:
        abort(404)
    return jsonify(article_json(art))


@bp.errorhandler(404)
def not_found(_e: Exception) -> tuple[Response, int]:
    return jsonify({"error": "not found"}), 404
