"""The published OpenAPI description of /api/v1 is complete and true: every route is in it,
and schemathesis, reading it from the running API over HTTP, finds no answer that breaks it
(an undocumented status, a body or content type other than described, a 5xx)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from kb.api.openapi import build_spec

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
MAX_EXAMPLES = 25  # per operation; with derandomize the same cases every run


def test_every_api_route_is_described(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and spec["info"]["title"] == "IT Help Desk articles API"
    routes = {r.rule.replace("<article_ref>", "{article_ref}") for r in app.url_map.iter_rules()
              if r.endpoint.startswith("api.")}
    assert routes and set(spec["paths"]) == routes
    for path, item in spec["paths"].items():
        assert set(item) == {"get"}, path
        responses = item["get"]["responses"]
        assert {"200", "400", "429"} <= set(responses), path
        assert responses["429"] == {"$ref": "#/components/responses/TooManyRequests"}
    confident = spec["components"]["schemas"]["Search"]["properties"]["confident"]
    assert confident["type"] == "boolean" and "best match" in confident["description"]


def test_a_route_without_a_description_is_an_error() -> None:
    """A route added to the API without its OpenAPI part stops the description being built
    (so the test above fails) rather than being left out of it."""
    site = Flask(__name__)

    @site.get("/api/v1/new/<int:number>", endpoint="api.new")
    def new(number: int) -> str:
        return str(number)

    with pytest.raises(ValueError, match=r"/api/v1/new/<int:number> \(GET\)"):
        build_spec(site)


@pytest.fixture
def live_api(app: Flask) -> Iterator[str]:
    """The shared test app served over real HTTP. Its limiter is off, as in every test but
    the limit tests: a run throttled half-way would test the 429 only (which
    test_429_is_as_described checks on its own)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def _documented_example(operation: Any) -> Any:
    """A case made of each parameter's documented example (KB-12, "printer not working"):
    random text almost never names a real article, so without it the 200 answer of
    /articles/{article_ref} would never be checked."""
    values: dict[str, dict[str, Any]] = {"path": {}, "query": {}}
    for param in operation.definition.raw.get("parameters", []):
        example = param.get("example", param.get("schema", {}).get("example"))
        if example is not None and param["in"] in values:
            values[param["in"]][param["name"]] = example
    return operation.Case(path_parameters=values["path"] or None, query=values["query"] or None)


def test_schemathesis_finds_no_failing_case(live_api: str) -> None:
    """Every operation of the published description: its documented example, then
    MAX_EXAMPLES generated cases (the same ones every run), each answer checked."""
    schema = schemathesis.openapi.from_url(f"{live_api}/api/v1/openapi.json")
    schema.validate()  # a valid OpenAPI 3.0 document (its official JSON Schema)
    operations = [result.ok() for result in schema.get_all_operations()]
    # schemathesis leaves out the description's own address (checked in the first test)
    assert {op.path for op in operations} == set(schema.raw_schema["paths"]) - {
        "/api/v1/openapi.json"}
    for operation in operations:
        example = _documented_example(operation)
        example.call_and_validate(checks=CHECKS)

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.generate])
        def check(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        try:
            check()
        except Exception as exc:
            exc.add_note(f"in {operation.label}")
            raise


def test_errors_are_json_as_described(app_factory: Any) -> None:
    """The answers generated cases rarely reach: a NUL refused before any view runs (the
    site's own check answers with a page; the API turns it into JSON), and the rate limit,
    on: its headers on every answer, then 429 with Retry-After, all as described."""
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=f"openapi-{uuid.uuid4().hex}")
    client = app.test_client()
    schema = schemathesis.openapi.from_dict(client.get("/api/v1/openapi.json").get_json())
    search = schema["/api/v1/search"]["GET"]

    refused = client.get("/api/v1/search", query_string={"q": "print\x00er"})
    assert refused.status_code == 400 and "NUL" in refused.get_json()["message"]
    search.Case(query={"q": "print\x00er"}).validate_response(refused, checks=CHECKS)

    suggest = schema["/api/v1/suggest"]["GET"]
    answers = [client.get("/api/v1/suggest?q=pr") for _ in range(121)]
    codes = [a.status_code for a in answers]
    assert 429 in codes and set(codes[:codes.index(429)]) == {200}
    first, limited = answers[0], answers[codes.index(429)]
    assert int(first.headers["X-RateLimit-Remaining"]) >= 0
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.get_json()["error"] == "too many requests"
    for answer in (first, limited):
        suggest.Case(query={"q": "pr"}).validate_response(answer, checks=CHECKS)
