"""gunicorn settings for the site (read from the working folder, or ``-c gunicorn.conf.py``).

The app is loaded once in the master (``preload_app``): the articles are read and the search
index brought up to date before any worker forks, so every worker starts ready, shares that
memory copy-on-write, and a missing index is built once, never beside an empty search.
"""

from __future__ import annotations

from typing import Any

preload_app = True
workers = 2


def when_ready(server: Any) -> None:
    """In the master, after the app is loaded and before the workers fork."""
    from kb.core.services import warm

    if server.cfg.preload_app:
        warm(server.app.wsgi(), searcher=False)


def post_worker_init(worker: Any) -> None:
    """Each worker opens its own searcher (file handles are never shared across a fork);
    without preload this is also where it loads the articles."""
    from kb.core.services import warm

    warm(worker.wsgi)
