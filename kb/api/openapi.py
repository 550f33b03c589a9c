"""The OpenAPI 3 description of /api/v1, built by apispec from the code: the paths from the
app's URL map, each operation from the YAML part of its view's docstring, the bodies from the
marshmallow schemas in kb/api/schemas.py. A route of the API without a description is an
error, so the published description cannot silently miss one."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.yaml_utils import load_operations_from_docstring
from flask import Flask

from kb.api.schemas import PER_MINUTE, SCHEMAS

OPENAPI_VERSION = "3.0.3"
_PARAM = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")  # <article_ref>, <int:n> -> {article_ref}, {n}

_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed in the current window.",
    "X-RateLimit-Remaining": "Requests left in the current window.",
    "X-RateLimit-Reset": "When the window starts again (Unix time, seconds).",
    "Retry-After": "Seconds until the window starts again: over the limit, wait that long.",
}

# Answers any operation can give, whatever it does: added to every operation.
_COMMON = {
    "400": "BadRequest",
    "429": "TooManyRequests",
    "503": "Unavailable",
}


def _error(description: str, **headers: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description,
                           "content": {"application/json": {"schema": "Error"}}}
    if headers:
        out["headers"] = headers
    return out


def build_spec(app: Flask, name: str = "Help desk") -> dict[str, Any]:
    """The description as a dict (JSON-ready), titled with the site's name. Raises
    ValueError for an undescribed route."""
    spec = APISpec(
        title=f"{name} articles API", version="1", openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin()],
        info={"description": (
            "Read-only access to the public help articles: search them as the site does, "
            "suggest titles as someone types, read one article. No sign-in; internal articles "
            f"are never included. Each address may make {PER_MINUTE} requests a minute to "
            "each operation; over that the answer is 429, with Retry-After in seconds.")},
    )
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    for name, text in _LIMIT_HEADERS.items():
        spec.components.header(name, {"description": text, "schema": {"type": "integer"}})
    spec.components.response("BadRequest", _error(
        "The request held a character that cannot be read (a NUL, code 0)."))
    spec.components.response("NotFound", _error("No public article has that id."))
    spec.components.response("TooManyRequests", _error(
        "Too many requests from this address: wait for Retry-After seconds.",
        **{"Retry-After": {"$ref": "#/components/headers/Retry-After"}}))
    spec.components.response("Unavailable", _error(
        "The site's database cannot be reached for a moment: ask again later."))

    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        operations = load_operations_from_docstring(view.__doc__ or "")
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        missing = [m for m in methods if m.lower() not in operations]
        if missing:
            raise ValueError(f"{rule.rule} ({', '.join(missing)}) has no OpenAPI description: "
                             f"add it to the docstring of {rule.endpoint}")
        for operation in operations.values():
            operation.setdefault("operationId", rule.endpoint.removeprefix("api."))
            responses = operation["responses"] = {  # YAML reads 200 as a number
                str(status): answer for status, answer in operation.get("responses", {}).items()}
            for status, ref in _COMMON.items():
                responses.setdefault(status, ref)
            ok = responses.get("200")
            if isinstance(ok, dict):  # sent on every answer while limits are on
                ok.setdefault("headers", {}).update(
                    {h: {"$ref": f"#/components/headers/{h}"} for h in _LIMIT_HEADERS})
        spec.path(path=_PARAM.sub(r"{\1}", rule.rule), operations=operations)
    return spec.to_dict()


def openapi_description(app: Flask, name: str) -> dict[str, Any]:
    """Built once per app and site name (the routes do not change after start-up; the name
    in support.yml can)."""
    cached: dict[str, dict[str, Any]] = app.extensions.setdefault("kb_openapi", {})
    if name not in cached:
        cached.clear()
        cached[name] = build_spec(app, name)
    return cached[name]
