"""Read-only JSON API for other tools (chat bots, the intranet). Public articles only.
Each view's docstring ends with its OpenAPI operation (YAML after ``---``), which
kb/api/openapi.py publishes at /api/v1/openapi.json."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from kb.api.openapi import openapi_description
from kb.api.schemas import PER_MINUTE
from kb.core.content.article import Article
from kb.core.inputs import NUL_MESSAGE, arg_page, has_nul, parse_id
from kb.core.search import Hit
from kb.core.searchlog import MAX_QUERY, run_search
from kb.core.services import library, search_index, support
from kb.core.urls import public_url
from kb.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # GET only; nothing here changes state a browser could be tricked into
limiter.limit(f"{PER_MINUTE}/minute")(bp)

MESSAGES = {
    400: "The request could not be read.",
    404: "There is no public article with that id.",
    429: "Too many requests from your address: please wait a minute and try again.",
    503: "The help site is busy for a moment: please try again in a few minutes.",
}


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
    is weak (then offer the open question and a person first, the hits as "might help").
    ---
    get:
      summary: Search the public articles
      description: The same search as the site's, ranked and corrected the same way.
      parameters:
        - in: query
          schema: SearchArgsSchema
      responses:
        200:
          description: One page of results (none for an empty request).
          content:
            application/json:
              schema: Search
    """
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
    """Titles for search-as-you-type (progressive enhancement of the search box).
    ---
    get:
      summary: Suggest article titles as someone types
      parameters:
        - in: query
          schema: SuggestArgsSchema
      responses:
        200:
          description: Up to 8 titles (none for fewer than 2 characters).
          content:
            application/json:
              schema: Suggest
    """
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
    """One public article.
    ---
    get:
      summary: Read one public article
      parameters:
        - in: path
          name: article_ref
          required: true
          description: The article's id, `KB-12` (any case) or `12`.
          schema:
            type: string
          example: KB-12
      responses:
        200:
          description: The article.
          content:
            application/json:
              schema: Article
        404: NotFound
    """
    number = parse_id(article_ref.upper().removeprefix("KB-"))
    art = library().get(number) if number is not None else None
    if art is None:
        abort(404)
    return jsonify(article_json(art))


@bp.get("/openapi.json")
def openapi() -> Response:
    """This description of the API (OpenAPI 3).
    ---
    get:
      summary: This description of the API
      responses:
        200:
          description: The OpenAPI 3 description of /api/v1.
          content:
            application/json:
              schema:
                type: object
    """
    name = str(support().get("name") or "Help desk")
    return jsonify(openapi_description(current_app, name))


def _error(status: int, message: str | None = None) -> tuple[Response, int]:
    try:
        reason = HTTPStatus(status).phrase.lower()
    except ValueError:  # a code Python does not name
        reason = "error"
    return jsonify({"error": reason, "message": message or MESSAGES.get(status, reason)}), status


@bp.errorhandler(HTTPException)
def http_error(e: HTTPException) -> tuple[Response, int]:
    """Errors in JSON, as a program reading the API expects (the rate limit's 429 too)."""
    return _error(e.code or 500)


@bp.after_request
def json_errors(response: Response) -> Response:
    """An error answered before the view ran, by the site's own handlers (a NUL refused, the
    database down), comes as a page: give the program JSON instead, keeping the status and
    the headers (Retry-After, the rate-limit counts)."""
    if response.status_code < 400 or response.is_json:
        return response
    message = NUL_MESSAGE if response.status_code == 400 and has_nul() else None
    body, status = _error(response.status_code, message)
    for key, value in response.headers.items():
        if key.lower() not in ("content-type", "content-length"):
            body.headers.setdefault(key, value)
    body.status_code = status
    return body
