"""Rate limits that hold: counted in a real Redis (db 3) they are shared by every app process;
with Redis unreachable they fall back to per-process memory with a warning, never a 500;
behind a trusted proxy each person has their own limit."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

from kb.extensions import limiter

from .agent_helpers import login

# db 3 is ours on shared machines; KB_TEST_REDIS_URL lets parallel checkouts use others.
REDIS_URL = os.environ.get("KB_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
PREFIX = f"kbtest-{uuid.uuid4().hex[:8]}"  # Flask-Limiter keeps the first prefix it is given


@pytest.fixture
def clean_limits() -> Iterator[None]:
    """Empty counters before and after; the limiter forgets a Redis it thought was down."""
    try:
        conn = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        conn.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running at 127.0.0.1:6379")

    def wipe() -> None:
        for key in conn.scan_iter(f"*{PREFIX}*"):
            conn.delete(key)

    wipe()
    yield
    wipe()
    limiter._storage_dead = False  # Flask-Limiter's one shared object outlives the app


def limited(app_factory: Any, **config: Any) -> FlaskClient:
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=PREFIX, **config)
    client: FlaskClient = app.test_client()
    return client


def test_redis_limits_are_shared_by_every_process(app_factory: Any,
                                                  clean_limits: None) -> None:
    """Ten wrong passwords through one app; a second app (another worker: its own storage
    object) refuses the eleventh, because the count is in Redis."""
    first = limited(app_factory, REDIS_URL=REDIS_URL)
    assert [login(first, password=f"wrong {i}").status_code for i in range(10)] == [400] * 10
    second = limited(app_factory, REDIS_URL=REDIS_URL)
    assert login(second, password="wrong again").status_code == 429


def test_memory_limits_are_per_process(app_factory: Any) -> None:
    """The contrast: with memory:// a second process starts counting from zero."""
    first = limited(app_factory)
    assert [login(first, password=f"wrong {i}").status_code for i in range(10)] == [400] * 10
    second = limited(app_factory)
    assert login(second, password="wrong again").status_code == 400


def test_explicit_limiter_uri_wins_over_redis_url(app_factory: Any) -> None:
    app = app_factory(REDIS_URL=REDIS_URL, RATELIMIT_STORAGE_URI="memory://")
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    app = app_factory(REDIS_URL=REDIS_URL)
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    assert app.config["RATELIMIT_STORAGE_OPTIONS"]["socket_timeout"] == 1.0


def test_unreachable_redis_falls_back_to_memory(app_factory: Any, clean_limits: None,
                                                caplog: pytest.LogCaptureFixture) -> None:
    client = limited(app_factory, REDIS_URL="redis://127.0.0.1:1/3")
    with caplog.at_level(logging.WARNING):
        codes = [login(client, password=f"wrong {i}").status_code for i in range(11)]
        assert client.get("/api/v1/search?q=printer").status_code == 200
    assert codes == [400] * 10 + [429]  # still limited, in this process's memory
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("trusted", "other_person"), [(1, 400), (0, 429)])
def test_proxy_fix_gives_each_person_their_own_limit(app_factory: Any, trusted: int,
                                                     other_person: int) -> None:
    """Behind one trusted proxy the limit follows X-Forwarded-For; trusting none, everyone
    behind the proxy shares the proxy's limit (and a forged header changes nothing)."""
    client = limited(app_factory, PROXY_FIX_X_FOR=trusted)
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "10.0.0.1"
    assert [login(client, password=f"wrong {i}").status_code for i in range(11)] == (
        [400] * 10 + [429])
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "10.0.0.2"
    assert login(client, password="wrong").status_code == other_person


@pytest.mark.parametrize(("setting", "header", "value", "seen"), [
    ("PROXY_FIX_X_PROTO", "X-Forwarded-Proto", "https", "https://localhost/"),
    ("PROXY_FIX_X_HOST", "X-Forwarded-Host", "help.example.org", "http://help.example.org/"),
    ("PROXY_FIX_X_PORT", "X-Forwarded-Port", "8443", "http://localhost:8443/"),
    ("PROXY_FIX_X_PREFIX", "X-Forwarded-Prefix", "/help", "http://localhost/help/"),
])
def test_proxy_fix_settings(app_factory: Any, setting: str, header: str, value: str,
                            seen: str) -> None:
    """Each X-Forwarded-* header is believed only when its setting trusts a proxy."""
    for trusted, expected in ((1, seen), (0, "http://localhost/")):
        app = app_factory(**{setting: trusted})

        @app.get("/_where")
        def where() -> str:
            from flask import request

            return request.host_url + request.script_root.lstrip("/") + (
                "/" if request.script_root else "")

        body = app.test_client().get("/_where", headers={header: value}).get_data(as_text=True)
        assert body == expected, (setting, trusted)
