"""Strict reading of what arrives in a request. Python's ``int()`` takes '٣' and
'99999999999999999999999', and PostgreSQL refuses text holding a NUL byte: each of those was
a 500. Ids are ASCII digits within a PostgreSQL integer; a NUL anywhere is refused with a 400."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, render_template, request
from werkzeug.routing import BaseConverter, Map, ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL integer
MAX_PAGE = 10_000
_ID = re.compile(r"[0-9]{1,10}")  # [0-9], not \d: \d matches every script's digits
NUL = "\x00"
NUL_MESSAGE = ("Part of what you sent contains a hidden character (a NUL, code 0) that we "
               "cannot store. Please type it again rather than pasting it.")


def parse_number(text: object, low: int = 0, high: int = MAX_ID) -> int | None:
    """A whole number from text: ASCII digits only, from ``low`` to ``high``, else None."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if low <= text <= high else None
    if not isinstance(text, str) or not _ID.fullmatch(text := text.strip()):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_id(text: object) -> int | None:
    """A database or article id: 1 to ``MAX_ID``."""
    return parse_number(text, 1, MAX_ID)


def arg_id(name: str) -> int | None:
    """A query-string id such as ``?s=12``, or None when absent or not a plain id."""
    return parse_id(request.args.get(name))


def arg_page(name: str = "page") -> int:
    """A page number from the query string: 1 unless it is a plain number up to MAX_PAGE."""
    value = parse_id(request.args.get(name))
    return value if value is not None and value <= MAX_PAGE else 1


class StrictIntConverter(BaseConverter):
    """``<int:…>`` in every route: ASCII digits within ``MAX_ID``, else the route does not
    match (404). Werkzeug's own takes any Unicode digit and then fails in ``int()``."""

    regex = r"[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def install_converters(url_map: Map) -> None:
    """Before any route is added: replace the ``int`` converter for the whole site."""
    url_map.converters["int"] = StrictIntConverter


def has_nul() -> bool:
    """True when the path, a query or form value or key, or a file name holds a NUL."""
    if NUL in request.path:
        return True
    for multi in (request.args, request.form):
        for key, value in multi.items(multi=True):
            if NUL in key or NUL in value:
                return True
    return any(NUL in (f.filename or "") or NUL in key
               for key, f in request.files.items(multi=True))


def init_inputs(app: Flask) -> None:
    @app.before_request
    def _refuse_nul() -> tuple[str, int] | None:
        if has_nul():
            return render_template("errors/400.html", reason=NUL_MESSAGE), 400
        return None
