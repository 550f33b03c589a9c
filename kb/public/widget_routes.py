"""The embeddable help widget. One tag on any intranet page::

    <script src="https://helpdesk.example.org/widget.js" defer></script>

adds a "Get IT help" button; it opens a panel holding an iframe of ``/widget`` (search and
the open question). The page may be framed by this site and by the origins in
``WIDGET_ORIGINS`` only (its CSP ``frame-ancestors``); every other page stays unframeable.
No third-party code: both scripts are ours, served from this site."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from flask import (
    Response,
    current_app,
    make_response,
    render_template,
    request,
    send_from_directory,
)

from kb.core.searchlog import MAX_QUERY, run_search
from kb.public.routes import bp

log = logging.getLogger(__name__)
# scheme://host[:port], nothing else: a value goes into a CSP header as it is.
_ORIGIN = re.compile(r"https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?")
WIDGET_RESULTS = 5


def widget_origins(value: str | Iterable[str] | None) -> list[str]:
    """Origins allowed to frame the widget: comma- or space-separated text, or a list. A value
    that is not a bare origin is logged and left out (never put into the header)."""
    items = re.split(r"[\s,]+", value) if isinstance(value, str) else list(value or [])
    out: list[str] = []
    for item in (str(i).strip().rstrip("/").lower() for i in items):
        if not item:
            continue
        if _ORIGIN.fullmatch(item):
            out.append(item)
        else:
            log.warning("KB_WIDGET_ORIGINS: %r is not an origin like https://intranet.example.org;"
                        " left out", item[:80])
    return out


def frame_ancestors() -> str:
    return " ".join(["'self'", *widget_origins(current_app.config.get("WIDGET_ORIGINS"))])


@bp.get("/widget.js")
def widget_script() -> Response:
    """The loader an intranet page includes: a button and a panel, styled from script (no
    stylesheet or inline style to allow on the host page)."""
    response = send_from_directory(str(current_app.static_folder), "js/widget.js",
                                   mimetype="text/javascript", max_age=300)
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/widget")
def widget() -> Response:
    """The panel's page: search (results open in a new tab) and "Tell us what's happening"."""
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    results, log_id = (run_search(q, None, 1, "public") if q else (None, None))
    from kb.web import CSP

    response = make_response(render_template(
        "widget/panel.html", q=q, results=results, log_id=log_id,
        hits=results.hits[:WIDGET_RESULTS] if results else []))
    response.headers["Content-Security-Policy"] = CSP.replace(
        "frame-ancestors 'none'", f"frame-ancestors {frame_ancestors()}")
    response.headers["Cache-Control"] = "no-store"
    return response
