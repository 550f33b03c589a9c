"""The organisation's look, served: ``/brand.css`` (the accent colour: the CSP allows no inline
style), the logo and icon that support.yml names (only those files, only from BRAND_DIR), and
the overrides stylesheet. Each URL carries a digest (``?v=…``), so browsers keep it a year."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    has_request_context,
    request,
    send_from_directory,
    url_for,
)

from kb.core import brand
from kb.core.services import support
from kb.public.routes import bp

YEAR = 31536000
OVERRIDES_CSS = "overrides.css"
# An SVG opened on its own runs nothing and loads nothing.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _cached(response: Response, version: str) -> Response:
    """A year for the URL of this very version; any other asks again each time."""
    if version and request.args.get("v") == version:
        response.cache_control.no_cache = None  # send_file's default
        response.cache_control.max_age = YEAR
        response.cache_control.public = True
        response.cache_control.immutable = True
    else:
        response.cache_control.max_age = 0
        response.cache_control.no_cache = True
    return response


def _look() -> dict[str, Any]:
    look = support().get("brand")
    return look if isinstance(look, dict) else {}


def _overrides() -> Path | None:
    folder = current_app.config.get("OVERRIDES_DIR")
    return Path(folder) if folder else None


@bp.get("/brand.css")
def brand_css() -> Response:
    look = _look()
    return _cached(Response(brand.css(look), mimetype="text/css"), brand.css_digest(look))


@bp.get("/brand/<name>")
def brand_file(name: str) -> Response:
    """Only the logo or icon support.yml names, and only while it passes the check."""
    folder = Path(current_app.config["BRAND_DIR"])
    look = _look()
    if name not in (look.get("logo"), look.get("favicon")) or brand.file_problem(folder, name):
        abort(404)
    kind = brand.IMAGE_TYPES[Path(name).suffix.lower()]
    response = send_from_directory(folder, name, mimetype=kind)
    if kind == "image/svg+xml":
        response.headers["Content-Security-Policy"] = SVG_CSP
    return _cached(response, brand.file_digest(folder, name))


@bp.get("/overrides.css")
def overrides_css() -> Response:
    folder = _overrides()
    if folder is None or not (folder / OVERRIDES_CSS).is_file():
        abort(404)
    response = send_from_directory(folder, OVERRIDES_CSS, mimetype="text/css")
    return _cached(response, brand.file_digest(folder, OVERRIDES_CSS))


def brand_links() -> dict[str, str]:
    """What base.html links: brand.css, the logo and icon when they pass the check, and the
    overrides stylesheet when there is one (nothing outside a request, e.g. emails from the
    command line)."""
    if not has_request_context():
        return {}
    look, folder = _look(), Path(current_app.config["BRAND_DIR"])
    links: dict[str, str] = {}
    if look.get("accent"):
        links["css"] = url_for("public.brand_css", v=brand.css_digest(look))
    for key in ("logo", "favicon"):
        name = look.get(key)
        if isinstance(name, str) and brand.file_problem(folder, name) is None:
            links[key] = url_for("public.brand_file", name=name,
                                 v=brand.file_digest(folder, name))
            if key == "favicon":
                links["favicon_type"] = brand.IMAGE_TYPES[Path(name).suffix.lower()]
    overrides = _overrides()
    if overrides is not None and (overrides / OVERRIDES_CSS).is_file():
        links["overrides_css"] = url_for("public.overrides_css",
                                         v=brand.file_digest(overrides, OVERRIDES_CSS))
    return links
