"""Helpdesk KB: self-service IT support. ``create_app`` is the only entry point."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool
from werkzeug.middleware.proxy_fix import ProxyFix

from kb.config import ROOT, Defaults

log = logging.getLogger(__name__)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Config order: defaults → instance/config.py → KB_* environment → ``test_config``."""
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("KB_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(instance) if instance else None,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from kb.core.inputs import install_converters

    install_converters(app.url_map)  # before any route: strict <int:…> everywhere
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("KB")
    if test_config:
        app.config.from_mapping(test_config)
    _finish_config(app)
    _proxy_fix(app)

    from kb import extensions as ext

    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(ROOT / "migrations"), render_as_batch=True)
    ext.csrf.init_app(app)
    ext.login_manager.init_app(app)
    ext.mail.init_app(app)
    ext.limiter.init_app(app)

    from kb.core.i18n import init_i18n

    init_i18n(app)

    from kb.core.logs import install as redact_access_logs
    from kb.core.worker import init_queue

    redact_access_logs()

    init_queue(app)

    from kb.core.inputs import init_inputs
    from kb.web import init_web

    init_inputs(app)
    init_web(app)

    from kb.cli import kb_cli

    app.cli.add_command(kb_cli)

    from kb.core.services import init_content

    init_content(app)
    return app


def _finish_config(app: Flask) -> None:
    """Derive paths and secrets that depend on the instance folder."""
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:  # the database, uploads, index and secret key inside: owner only
        os.chmod(instance, 0o700)
    except OSError:
        log.warning("could not make %s private (chmod 700)", instance)
    url = app.config.get("DATABASE_URL") or app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = f"sqlite:///{instance / 'kb.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("postgresql+psycopg://"):
        # An unreachable server fails a request in seconds instead of hanging a worker.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"connect_timeout": 5, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    for key in ("INDEX_DIR", "UPLOAD_DIR"):
        path = Path(app.config[key])
        app.config[key] = str(path if path.is_absolute() else instance / path)
    if str(app.config.get("BASE_URL", "")).startswith("https://"):
        # Served over HTTPS: cookies never travel in clear text.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    _limits_storage(app)


def _limits_storage(app: Flask) -> None:
    """Where rate limits are counted: the limiter's URI, else REDIS_URL, else memory."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    app.config["RATELIMIT_STORAGE_URI"] = uri
    if uri.startswith(("redis://", "rediss://", "unix://")):
        timeout = float(app.config.get("REDIS_TIMEOUT") or 1.0)
        options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        options.update(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
        app.config["RATELIMIT_STORAGE_OPTIONS"] = options


def _proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-* from as many proxies as configured (none by default), so limits
    and logs see each person's address, not the proxy's."""
    counts = {part: int(app.config.get(f"PROXY_FIX_X_{part.upper()}") or 0)
              for part in ("for", "proto", "host", "port", "prefix")}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=counts["for"],  # type: ignore[method-assign]
                                x_proto=counts["proto"], x_host=counts["host"],
                                x_port=counts["port"], x_prefix=counts["prefix"])


def _instance_secret(path: Path) -> str:
    """A random key kept in the instance folder, so sessions survive a restart."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers and one writer work at once; busy_timeout waits instead of failing."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


UNHURRIED = "kb_unhurried"  # set on a SQLite connection whose next commit skips the fsync


@event.listens_for(Pool, "checkin")
def _sqlite_durable_again(dbapi_connection: Any, record: Any) -> None:
    """After an unhurried commit (kb.core.searchlog) the connection waits for the disk again
    before anyone else uses it."""
    if dbapi_connection is not None and record.info.pop(UNHURRIED, False):
        dbapi_connection.execute("PRAGMA synchronous=FULL")
