"""The language picker: a plain link per language (no JavaScript), remembered in a cookie."""

from __future__ import annotations

from flask import abort, redirect, request
from werkzeug.wrappers import Response

from kb.core.i18n import COOKIE, COOKIE_AGE, languages
from kb.public.routes import bp


def _local(target: str) -> str:
    """Back to the page the picker was on, never to another site ("//evil", "/\\evil")."""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


@bp.get("/language/<lang>")
def choose_language(lang: str) -> Response:
    if lang not in languages():
        abort(404)
    response = redirect(_local(request.args.get("next", "/")), 303)
    response.set_cookie(COOKIE, lang, max_age=COOKIE_AGE, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    response.headers["Cache-Control"] = "no-store"
    return response
