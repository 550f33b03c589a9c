"""Date arithmetic that reads the same on SQLite and PostgreSQL.

SQLAlchemy has no portable "week of" or "seconds between": each construct here compiles to
the dialect's own functions. A week is a whole number (weeks since Monday 3 January 2000,
see :func:`monday`), the cheapest thing to group a large table by."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Float, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

EPOCH = date(2000, 1, 3)  # a Monday: week 0
EPOCH_JULIAN = 2451546.5  # SQLite's julianday('2000-01-03')


def monday(week: int) -> date:
    """The Monday that starts week number ``week`` (as :class:`week_index` counts)."""
    return EPOCH + timedelta(weeks=int(week))


def week_number(day: date) -> int:
    return (day - EPOCH).days // 7


class week_index(FunctionElement[int]):  # noqa: N801 - reads as the SQL function it is
    """Whole weeks from Monday 3 January 2000 to a timestamp (its day, from 2000-01-03)."""

    type = Integer()
    inherit_cache = True


class day_of(FunctionElement[date]):  # noqa: N801
    """A timestamp's day (a DATE; SQLite keeps dates as 'YYYY-MM-DD' text)."""

    type = Date()
    inherit_cache = True


class seconds_between(FunctionElement[float]):  # noqa: N801
    """Seconds from the first timestamp to the second (negative when earlier)."""

    type = Float()
    inherit_cache = True


class plus_seconds(FunctionElement[Any]):  # noqa: N801
    """A timestamp moved on by a whole number of seconds (a literal, never user input)."""

    inherit_cache = True

    def __init__(self, when: ColumnElement[Any], seconds: int) -> None:
        self.seconds = int(seconds)
        super().__init__(when)
        self.type = when.type


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(c, **kw) for c in element.clauses]


@compiles(week_index, "sqlite")
def _week_sqlite(element: week_index, compiler: SQLCompiler, **kw: Any) -> str:
    when = _args(element, compiler, **kw)[0]
    return f"CAST((julianday(date({when})) - {EPOCH_JULIAN}) / 7 AS INTEGER)"


@compiles(week_index, "postgresql")
def _week_pg(element: week_index, compiler: SQLCompiler, **kw: Any) -> str:
    return f"((CAST({_args(element, compiler, **kw)[0]} AS DATE) - DATE '{EPOCH}') / 7)"


@compiles(day_of, "sqlite")
def _day_sqlite(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({_args(element, compiler, **kw)[0]})"


@compiles(day_of, "postgresql")
def _day_pg(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({_args(element, compiler, **kw)[0]} AS DATE)"


@compiles(seconds_between, "sqlite")
def _between_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"((julianday({b}) - julianday({a})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _between_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"EXTRACT(EPOCH FROM ({b} - {a}))"


@compiles(plus_seconds, "sqlite")
def _plus_sqlite(element: plus_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # strftime keeps the fraction, so the result compares with stored times as text does.
    when = _args(element, compiler, **kw)[0]
    return f"strftime('%Y-%m-%d %H:%M:%f', {when}, '+{element.seconds} seconds')"


@compiles(plus_seconds, "postgresql")
def _plus_pg(element: plus_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({_args(element, compiler, **kw)[0]} + INTERVAL '{element.seconds} seconds')"
