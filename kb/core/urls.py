"""Absolute links built from BASE_URL only: a request's Host header is whatever the client
sent, and a link built from it could point people at another site."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for


def public_url(endpoint: str, **values: Any) -> str:
    """BASE_URL + the endpoint's path (without the script root the request came in on)."""
    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    path = url_for(endpoint, **values)
    root = request.script_root if request else ""
    if root and path.startswith(root):
        path = path[len(root):]
    return f"{base}{path}"
