"""Shared fixtures: a real app on a real database (SQLite, or PostgreSQL when
KB_TEST_DATABASE_URL is set), a real SMTP server, a live server for Playwright."""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

# Authlib adds an "always" warnings filter when first imported; imported here, before any
# test, it cannot push in front of the suite's own filters.
import authlib.deprecate  # noqa: F401
import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import text
from werkzeug.serving import make_server

from kb import create_app
from kb.config import ROOT
from kb.extensions import db, limiter
from tests.pgdb import psycopg_url, throwaway_database
from tests.web.sso_helpers import Provider, running_provider

PG_URL = os.environ.get("KB_TEST_DATABASE_URL", "")


# ---------------------------------------------------------------- test folders
_IN_MEMORY = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Test folders (SQLite databases, search indexes, uploads) in memory, on /dev/shm where
    there is one: SQLite syncs the disk at every commit and the index writes many small files,
    both pure cost for a test. Removed at the end; give --basetemp DIR to keep them on disk."""
    if (config.option.basetemp or hasattr(config, "workerinput")
            or not os.path.isdir("/dev/shm") or not os.access("/dev/shm", os.W_OK)):
        return  # xdist workers get a folder inside the controller's
    config.option.basetemp = tempfile.mkdtemp(prefix="kb-tests-", dir="/dev/shm")
    config.stash[_IN_MEMORY] = config.option.basetemp


def pytest_unconfigure(config: pytest.Config) -> None:
    if _IN_MEMORY in config.stash:
        shutil.rmtree(config.stash[_IN_MEMORY], ignore_errors=True)


# ---------------------------------------------------------------- databases
@pytest.fixture(scope="session")
def pg_database(worker_id: str) -> Iterator[str | None]:
    """A PostgreSQL database of our own for this process (each xdist worker has one), dropped
    afterwards, so runs and workers never collide."""
    if not PG_URL:
        yield None
        return
    with throwaway_database(PG_URL, f"kb_test_{worker_id}_") as url:
        yield url


_psycopg = psycopg_url


@pytest.fixture(scope="session")
def database_url(pg_database: str | None, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One database per test process: tables are made once, then emptied before each test."""
    return pg_database or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled articles indexed once per run; tests that change the index make their own."""
    return tmp_path_factory.mktemp("index") / "index"


def empty_tables() -> None:
    """Every table emptied and its ids restarted, as after a fresh ``create_all``: much cheaper
    than dropping and creating the tables for every test (inside an app context)."""
    db.session.remove()
    db.create_all()  # idempotent; puts back tables a migration test dropped
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
        if db.engine.dialect.name == "postgresql":  # DELETE + RESTART: 5 ms, TRUNCATE 30 ms
            for seq in conn.execute(text("SELECT sequencename FROM pg_sequences "
                                         "WHERE schemaname = current_schema()")).scalars():
                conn.execute(text(f'ALTER SEQUENCE "{seq}" RESTART'))


def make_app(tmp_path: Path, database_url: str, **overrides: Any) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,  # nothing listens: tests that send mail use the smtp fixture
        # Queued emails are sent inside the commit that queues them, so a test about content
        # reads the inbox right after its request; tests/web/test_outbox.py runs a worker.
        "QUEUE_IMMEDIATE": True,
        "RATELIMIT_ENABLED": False,
        "BASE_URL": "http://localhost",
        "ARGON2_CHEAP": True,
        "FAIL_SOFT_CACHE_SECONDS": 0,  # tests change outages behind the app's back
    }
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = _TEMPLATES  # compiled once per process, not once per app
    with app.app_context():
        empty_tables()
    return app


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app a test process builds (keyed by Jinja on the
    template's name and source checksum, so an edited template is compiled again)."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _MemoryBytecodeCache()


class _Shared:
    """An app built once per process and handed to test after test: building one (content,
    index, wizards, templates) costs far more than most tests. Between tests its tables are
    emptied, its settings restored and its uploads removed."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.config = dict(app.config)

    def fresh(self) -> Flask:
        app = self.app
        app.config.clear()
        app.config.update(self.config)
        # Flask-Limiter keeps "enabled" on its one shared object: an app built with limits on
        # (app_factory(RATELIMIT_ENABLED=True)) would otherwise switch them on here too.
        limiter.enabled = bool(app.config["RATELIMIT_ENABLED"])
        with app.app_context():
            empty_tables()
        shutil.rmtree(app.config["UPLOAD_DIR"], ignore_errors=True)
        return app


@pytest.fixture(scope="session")
def _shared_app(tmp_path_factory: pytest.TempPathFactory, database_url: str,
                shared_index: Path) -> _Shared:
    return _Shared(make_app(tmp_path_factory.mktemp("app"), database_url,
                            INDEX_DIR=str(shared_index)))


@pytest.fixture(scope="session")
def _shared_mail_app(tmp_path_factory: pytest.TempPathFactory, database_url: str,
                     shared_index: Path, smtp_server: tuple[int, _Inbox]) -> _Shared:
    return _Shared(make_app(tmp_path_factory.mktemp("mail-app"), database_url,
                            INDEX_DIR=str(shared_index), MAIL_PORT=smtp_server[0]))


def _release(app: Flask) -> None:
    with app.app_context():
        db.session.remove()


@pytest.fixture
def app_factory(tmp_path: Path, database_url: str, shared_index: Path) -> Any:
    """Build an app of its own with config overrides, on the same (emptied) database."""
    made: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        overrides.setdefault("INDEX_DIR", str(shared_index))
        app = make_app(tmp_path, database_url, **overrides)
        made.append(app)
        return app

    yield factory
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(_shared_app: _Shared) -> Iterator[Flask]:
    app = _shared_app.fresh()
    yield app
    _release(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token from a page's form, as a browser would send it back."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


# ---------------------------------------------------------------- email
class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def email_text(message: Message) -> str:
    """The plain-text part of a received email."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("no text part")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[int, _Inbox]]:
    """A real SMTP server (aiosmtpd) in this process; mail sent to it lands in the inbox."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[int, _Inbox]) -> _Inbox:
    smtp_server[1].messages.clear()
    return smtp_server[1]


@pytest.fixture
def mail_app(_shared_mail_app: _Shared) -> Iterator[Flask]:
    app = _shared_mail_app.fresh()
    yield app
    _release(app)


# ---------------------------------------------------------------- organisation sign-in
@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    """One real OpenID provider for the run (tests/web/sso_helpers.py). It serves plain HTTP
    on 127.0.0.1, which Authlib's provider side allows only with AUTHLIB_INSECURE_TRANSPORT
    (our site never needs it)."""
    before = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        with running_provider() as provider:
            yield provider
    finally:
        if before is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = before


# ---------------------------------------------------------------- browser
# Debian's Chromium, as the team's set-up contract says: no browser download is possible here.
# KB_TEST_CHROMIUM=/usr/bin/chromium-headless-shell (Debian's "old headless shell", the build
# Playwright itself runs headless) costs about half the CPU for the same Blink and V8.
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any],
                             pytestconfig: pytest.Config) -> dict[str, Any]:  # noqa: ARG001
    chromium = os.environ.get("KB_TEST_CHROMIUM") or CHROMIUM
    return {
        **browser_type_launch_args,
        "executable_path": chromium,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory, database_url: str,
             smtp_server: tuple[int, _Inbox]) -> Iterator[tuple[Flask, str]]:
    """The real app served over HTTP in a thread, for Playwright."""
    tmp = tmp_path_factory.mktemp("live")
    port = _free_port()
    app = make_app(tmp, database_url, MAIL_PORT=smtp_server[0],
                   BASE_URL=f"http://127.0.0.1:{port}", TESTING=False)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_url(live_app: tuple[Flask, str]) -> str:
    return live_app[1]


@pytest.fixture(scope="session")
def axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    path = ROOT / "node_modules" / "axe-core" / "axe.min.js"
    assert path.exists(), "run `npm install` (make test does) to get axe-core"
    return Axe.from_file(path)


def serious_violations(results: Any) -> list[str]:
    """axe violations that are serious or critical, as readable lines."""
    out = []
    for v in results.response.get("violations", []):
        if v.get("impact") in ("serious", "critical"):
            targets = [n.get("target") for n in v.get("nodes", [])][:3]
            out.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (--dist loadgroup) every browser test goes to one worker, so only one
    process starts Chromium and a live server; the other tests spread over all workers."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
