"""A PostgreSQL database of one's own, made on the shared server and dropped afterwards (its
sessions ended first), so test runs, xdist workers and benchmarks never collide."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


def psycopg_url(url: str) -> str:
    """``postgresql://…`` as SQLAlchemy's psycopg 3 driver names it."""
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)


@contextmanager
def throwaway_database(server_url: str, prefix: str, *setup: str) -> Iterator[str]:
    """Yield the URL of a new database named ``prefix`` + random; ``setup`` statements
    (``{name}`` filled in) run on it first, e.g. a time zone of its own."""
    admin = sa.create_engine(psycopg_url(server_url), isolation_level="AUTOCOMMIT")
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            for statement in setup:
                conn.execute(sa.text(statement.format(name=name)))
        try:
            yield f"{psycopg_url(server_url).rsplit('/', 1)[0]}/{name}"
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE datname = :n"), {"n": name})
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()
