"""Two web nodes (two gunicorn processes on their own ports) on one PostgreSQL and one Redis,
requests alternating between them: a sign-in on one is valid on the other, rate limits count
across both, ticket numbers never collide, and the index is built by one of them only."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from kb.config import ROOT
from kb.core.staff import create_agent
from kb.extensions import db
from kb.models import Ticket

from .agent_helpers import PASSWORD
from .outbox_helpers import port_in_range

PORTS = range(5100, 5200)  # ours on shared machines
REDIS_URL = os.environ.get("KB_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


def _free_port(taken: set[int]) -> int:
    return port_in_range(PORTS.start, PORTS.stop - 1, taken)


def _wait_until_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    """Wait for the node to answer (an outcome, with a bound so a broken start fails)."""
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"node at {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"node at {url} did not start")


@pytest.fixture
def nodes(app: Flask, database_url: str, tmp_path: Path) -> Iterator[list[str]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("the two-node test runs on PostgreSQL (KB_TEST_DATABASE_URL)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    prefix = f"kbnodes-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_SECRET_KEY": "shared-secret",
           "KB_REDIS_URL": REDIS_URL, "KB_RATELIMIT_KEY_PREFIX": prefix, "KB_MAIL_PORT": "1",
           "KB_INDEX_DIR": str(tmp_path / "index"), "KB_ARGON2_CHEAP": "true"}
    procs: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    taken: set[int] = set()
    try:
        for name in ("a", "b"):
            port = _free_port(taken)
            taken.add(port)
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
                 "kb:create_app()"], cwd=ROOT, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={**env, "KB_INSTANCE_PATH": str(tmp_path / f"instance-{name}"),
                     "KB_BASE_URL": f"http://127.0.0.1:{port}"}))
            urls.append(f"http://127.0.0.1:{port}")
        for url, proc in zip(urls, procs, strict=True):
            _wait_until_up(url, proc)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        conn = redis.Redis.from_url(REDIS_URL)
        for key in conn.scan_iter(f"*{prefix}*"):
            conn.delete(key)


class Browser:
    """One person's browser: one cookie jar for both nodes (cookies ignore the port)."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def open(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, body, timeout=30) as response:
                return response.status, response.read().decode(), response.headers.get(
                    "Location", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers.get("Location", "")

    def token(self, url: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.open(url)[1])
        assert match, url
        return match.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_two_nodes_share_sessions_limits_and_ticket_numbers(app: Flask, nodes: list[str],
                                                            tmp_path: Path) -> None:
    a, b = nodes
    # Both started on a missing index: one built it, the other waited and opened it.
    assert len([p for p in tmp_path.glob(".index.v*") if p.is_dir()]) == 1
    with app.app_context():
        create_agent("ana@example.org", "Ana Agent", PASSWORD)
        db.session.commit()
    agent = Browser()
    status, _html, where = agent.open(a + "/agent/login", {
        "csrf_token": agent.token(a + "/agent/login"), "email": "ana@example.org",
        "password": PASSWORD})
    assert status == 302 and where.endswith("/agent/")
    status, html, _ = agent.open(b + "/agent/tickets")  # signed in on A, seen by B
    assert status == 200 and "Tickets" in html

    # Login attempts alternate between the nodes: the limit (10 a minute) holds in total.
    # The sign-in above was the first of them.
    intruder = Browser()
    codes = []
    for i in range(10):
        node = (b, a)[i % 2]
        codes.append(intruder.open(node + "/agent/login", {
            "csrf_token": intruder.token(node + "/agent/login"), "email": "ana@example.org",
            "password": f"wrong {i}"})[0])
    assert codes[:9] == [400] * 9 and codes[9] == 429

    # Tickets sent to either node get distinct numbers, all stored.
    user = Browser()
    references = []
    for i in range(4):
        node = (a, b)[i % 2]
        page = user.open(node + "/ask")[1]
        fields = dict(re.findall(r'name="(csrf_token|submission_key)"[^>]*value="([^"]*)"',
                                 page))
        status, _html, where = user.open(node + "/ask", {
            **fields, "summary": f"Printer {i} offline", "description": "", "name": "Sam",
            "email": "sam@example.org", "phone": "", "category": "printing", "impact": "me",
            "urgency": "normal", "send": "1"})
        assert status == 302 and "/sent" in where, (status, _html[:500])
        other = (b, a)[i % 2]  # the confirmation page, from the other node
        found = re.search(r"HD-\d{6}", user.open(other + urllib.parse.urlsplit(where).path)[1])
        assert found, where
        references.append(found.group(0))
    assert len(set(references)) == 4
    with app.app_context():
        stored = db.session.scalars(select(Ticket.summary).order_by(Ticket.id)).all()
    assert stored == [f"Printer {i} offline" for i in range(4)]
