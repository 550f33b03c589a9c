"""Column types that behave the same on SQLite and PostgreSQL, so code never has to care
which one it runs on: aware UTC times, JSON (JSONB on PostgreSQL), and small closed sets of
values that the database itself refuses to widen."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Enum
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

# JSON documents (wizard state, ticket transcripts): JSONB on PostgreSQL, so they can be
# indexed and compared; plain JSON text on SQLite.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC time in and out. PostgreSQL keeps it as ``timestamptz``; SQLite keeps
    no zone, so the UTC wall time is stored and the zone put back on load. A naive value is
    refused: it would mean some code still guesses which zone a time is in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise ValueError(f"a time without a time zone cannot be stored: {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def closed_set(enum: type[StrEnum], name: str, length: int) -> Enum:
    """A StrEnum stored as its values in a VARCHAR with a CHECK constraint (named
    ``ck_<table>_<name>`` by the naming convention), on every database: no native PostgreSQL
    type, so adding a value is a constraint change, never an ``ALTER TYPE``. Strings are not
    checked on the way in: a filter typed in a URL (``?priority=P9``) matches nothing
    instead of failing, and a wrong value written is refused by the CHECK at the flush."""
    return Enum(enum, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda e: [m.value for m in e])
