"""Pages that are the same for every visitor (home, an article, a wizard's first question)
rendered once and served from memory: Jinja and ~20 ``url_for`` calls cost a page 5-10 times
what Flask itself does.

A page is kept under its URL and the objects it was made from (the article library, the
support settings, the outage banners, the popular list...): when one of them is replaced the
page is made again, and it is never older than FAIL_SOFT_CACHE_SECONDS, the age already
allowed for banners and popular lists. The visitor's own parts are never kept: the CSRF token
is put in on the way out, and a visitor with a message to see (flash), or signed in, gets a
freshly rendered page.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app, g, request, session
from flask_wtf.csrf import generate_csrf

KEY = "kb_page_cache"
MAX_PAGES = 2000  # least recently used pages beyond this are dropped (~10 KB each)
TOKEN = "kb-csrf-token-7c1e9a"  # stands for the visitor's CSRF token in a kept page


def _cacheable() -> bool:
    if request.method != "GET" or session.get("_flashes"):
        return False
    from kb.core.identity import current_requester
    from kb.sso import sso_enabled

    return not (sso_enabled(current_app) and current_requester() is not None)


def page(render: Callable[[], str], values: tuple[Hashable, ...] = (),
         ignore: tuple[str, ...] = (), objects: tuple[Any, ...] = ()) -> str:
    """``render()``'s page for this URL (less the ``ignore`` arguments, which it does not
    show) and ``values``, kept while the library, the support settings, the banners and
    ``objects`` are the same objects (the kept page holds them, so no other object can take
    their ``id`` meanwhile)."""
    ttl = float(current_app.config.get("FAIL_SOFT_CACHE_SECONDS", 10))
    if ttl <= 0 or not current_app.config.get("PAGE_CACHE", True) or not _cacheable():
        return render()
    from kb.core.services import library, support
    from kb.outages.service import active_banners

    held = (library(), support(), active_banners(), *objects)
    args = tuple(sorted((k, v) for k, v in request.args.items(multi=True) if k not in ignore))
    key: Hashable = (request.path, args, values, tuple(map(id, held)))
    store: OrderedDict[Hashable, tuple[float, str, tuple[Any, ...]]] = \
        current_app.extensions.setdefault(KEY, OrderedDict())
    now = time.monotonic()
    kept = store.get(key)
    if kept is not None and now - kept[0] < ttl:
        store.move_to_end(key)
        html = kept[1]
    else:
        html = _render_shared(render)
        store[key] = (now, html, held)
        while len(store) > MAX_PAGES:
            store.popitem(last=False)
    return html.replace(TOKEN, generate_csrf()) if TOKEN in html else html


def _render_shared(render: Callable[[], str]) -> str:
    """Render with a stand-in CSRF token (Flask-WTF reads the request's token from ``g``)."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    before = g.get(name)
    setattr(g, name, TOKEN)
    try:
        return render()
    finally:
        if before is None:
            g.pop(name, None)
        else:
            setattr(g, name, before)
