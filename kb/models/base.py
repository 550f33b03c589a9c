"""Helpers every table module uses: the time and the random tokens they default to."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, aware, in UTC: every time the site stores or compares is aware UTC."""
    return datetime.now(UTC)


def new_token() -> str:
    return secrets.token_urlsafe(32)
