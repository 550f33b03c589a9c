"""Request-level wiring: blueprints, security headers, error pages and template helpers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from kb.core.urls import public_url

# Strict: no inline script or style anywhere, so an injected <script> cannot run.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def init_web(app: Flask) -> None:
    from kb import agents, insights, tickets
    from kb.api import routes as api
    from kb.core.health import init_health
    from kb.ops import routes as ops
    from kb.outages import routes as outages
    from kb.problems import routes as problems
    from kb.public import (
        brand_routes,  # noqa: F401  (its routes join the public blueprint)
        language_routes,  # noqa: F401  (the language picker, the same)
        widget_routes,  # noqa: F401  (the same)
    )
    from kb.public import routes as public
    from kb.wizards import routes as wizards

    _template_overrides(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(wizards.bp)
    app.register_blueprint(tickets.make_blueprint())
    app.register_blueprint(agents.make_blueprint())
    app.register_blueprint(insights.make_blueprint())
    app.register_blueprint(outages.bp)
    app.register_blueprint(problems.bp)
    app.register_blueprint(ops.bp)
    init_health(app)

    from kb.sso import init_sso, sso_enabled

    init_sso(app)
    if sso_enabled(app):  # "My requests" needs a signed-in requester: no sign-in, no page
        from kb.tickets import mine_routes

        app.register_blueprint(mine_routes.bp)

    app.after_request(_security_headers)
    app.url_defaults(_static_version)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    app.context_processor(_template_context)
    app.add_template_filter(_when, "when")
    app.add_template_filter(_nl2br, "nl2br")
    app.add_template_global(public_url, "public_url")

    @app.errorhandler(404)
    def not_found(_e: Exception) -> tuple[str, int]:
        return render_template("errors/404.html"), 404

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError) -> tuple[str, int] | WerkzeugResponse:
        from flask_login import current_user

        if request.path.startswith("/agent/") and not current_user.is_authenticated \
                and request.endpoint != "agent.invite":  # an invitee was never signed in
            # The session ran out while a reply was being typed: say so plainly, and send
            # them back to the page after signing in (agent.js kept the text in the browser).
            flash("You were signed out, so that was not sent. Your text is kept: sign in and "
                  "it will be back in the box.")
            back = request.referrer or ""
            parts = urlsplit(back)
            target = parts.path if parts.path.startswith("/agent/") else "/agent/"
            return redirect(url_for("agent.login", next=target))
        return render_template("errors/400.html", reason=e.description), 400

    @app.errorhandler(429)
    def too_many(_e: Exception) -> tuple[str, int]:
        return render_template("errors/429.html"), 429

    @app.errorhandler(500)
    def server_error(_e: Exception) -> tuple[str, int]:
        return render_template("errors/500.html"), 500


def _template_overrides(app: Flask) -> None:
    """Templates in OVERRIDES_DIR/templates win over ours of the same name."""
    folder = app.config.get("OVERRIDES_DIR")
    if folder:
        from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader

        ours: list[BaseLoader] = [app.jinja_loader] if app.jinja_loader else []
        app.jinja_loader = ChoiceLoader(
            [FileSystemLoader(str(Path(folder) / "templates")), *ours])


def _static_version(endpoint: str, values: dict[str, Any]) -> None:
    """Static URLs carry a digest of the file (``?v=…``): a changed file gets a new URL, so
    browsers may keep each version for a year without asking again."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        from flask import current_app

        digest = _digest(str(current_app.static_folder), values["filename"])
        if digest:
            values["v"] = digest


_DIGESTS: dict[tuple[str, str, float], str] = {}


def _digest(folder: str, filename: str) -> str:
    import hashlib
    from pathlib import Path

    path = Path(folder, filename)
    try:
        key = (folder, filename, path.stat().st_mtime)
    except OSError:
        return ""
    if key not in _DIGESTS:
        _DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return _DIGESTS[key]


def _favicon() -> WerkzeugResponse:
    """Browsers ask for /favicon.ico whatever the page says: the site's icon, not a 404
    (the organisation's when support.yml names one; it can change, so not a 301)."""
    from kb.public.brand_routes import brand_links

    return redirect(brand_links().get("favicon") or url_for("static", filename="favicon.svg"))


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
        response.headers.setdefault("X-Frame-Options", "DENY")  # the widget sets its own
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.path.startswith(("/agent", "/status/", "/my-requests", "/sso/")):
        response.headers["Cache-Control"] = "no-store"
    elif request.endpoint == "static" and response.status_code == 200:
        if request.args.get("v"):  # versioned URL: this content never changes
            response.cache_control.max_age = 31536000
            response.cache_control.public = True
            response.cache_control.immutable = True
        else:
            response.cache_control.no_cache = True
    return response


def _template_context() -> dict[str, Any]:
    from flask import current_app

    from kb.core.identity import current_requester
    from kb.core.services import library, support
    from kb.outages.service import active_banners, matches
    from kb.public.brand_routes import brand_links
    from kb.sso import sso_enabled

    lib = library()
    banners = active_banners()
    enabled = sso_enabled(current_app)
    return {
        "categories": lib.categories,
        "support": support(),
        "brand": brand_links(),
        # Fetched here, before the template runs (soft-cached; [] with the database down):
        # the template only filters this list by the page's words.
        "outage_banners": lambda text=None: [
            b for b in banners if text is None or matches(b, text)],
        "sso_enabled": enabled,
        "signed_in_requester": current_requester() if enabled else None,
    }


def _when(value: datetime | None, fmt: str = "%A %d %B at %H:%M") -> str:
    """Dates as people say them: 'Tuesday 24 November at 14:00'."""
    if value is None:
        return ""
    from kb.tickets.hours import to_local

    local = to_local(value)
    if fmt == "%A %d %B at %H:%M":  # the default: day and month names in the reader's language
        from babel.dates import format_date
        from flask_babel import gettext as _

        from kb.core.i18n import current_language

        day = format_date(local.date(), "EEEE d MMMM", locale=current_language())
        return _("%(day)s at %(clock)s", day=day, clock=local.strftime("%H:%M"))
    return local.strftime(fmt).replace(" 0", " ")


def _nl2br(text: str | None) -> Markup:
    """User text keeps its line breaks and stays escaped."""
    escaped = Markup.escape(text or "")
    return Markup("<br>\n").join(escaped.split("\n"))
