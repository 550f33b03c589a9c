"""Several languages: which one a visitor reads (a remembered choice, else their browser's
Accept-Language), and the interface's message catalogues (Flask-Babel, kb/translations).

Agents' pages stay in the default language: the help desk works in one language, and the
visitor's language is only the public side's."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import Babel, get_locale

from kb.config import ROOT

COOKIE = "kb_lang"  # the language picked with the picker, kept a year
COOKIE_AGE = 365 * 24 * 3600
# Staff-only areas: always the default language (see the module docstring).
STAFF_PATHS = ("/agent",)


def languages(app: Flask | None = None) -> list[str]:
    """The configured languages, the default first (LANGUAGES: a list or "en,fr")."""
    value = (app or current_app).config.get("LANGUAGES") or ["en"]
    if isinstance(value, str):
        value = value.split(",")
    return [str(v).strip() for v in value if str(v).strip()] or ["en"]


def default_language(app: Flask | None = None) -> str:
    return languages(app)[0]


def select_language() -> str:
    """The picker's cookie wins, then the browser's Accept-Language, then the default."""
    langs = languages()
    if not has_request_context():  # the worker, the CLI: the default language
        return langs[0]
    if request.path.startswith(STAFF_PATHS):
        return langs[0]
    chosen = request.cookies.get(COOKIE)
    if chosen in langs:
        return str(chosen)
    return request.accept_languages.best_match(langs) or langs[0]


def current_language() -> str:
    """The language of this request; outside one (CLI, worker), the default."""
    if not has_request_context():
        return default_language() if current_app else "en"
    locale = get_locale()
    return str(locale) if locale is not None else default_language()


def language_names() -> list[tuple[str, str]]:
    """(code, name in that language) for the picker: "English", "Français"."""
    from babel import Locale

    out = []
    for code in languages():
        name = Locale.parse(code).get_display_name(code) or code
        out.append((code, name[:1].upper() + name[1:]))
    return out


def _vary(response: Response) -> Response:
    """A page's language depends on the cookie and the header: caches must keep them apart."""
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


def _context() -> dict[str, Any]:
    return {"current_language": current_language(), "language_names": language_names}


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", default_language(app))
    Babel(app, locale_selector=select_language,
          default_translation_directories=str(ROOT / "kb" / "translations"))
    app.after_request(_vary)
    app.context_processor(_context)
