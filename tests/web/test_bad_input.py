"""Bad input never gives a 500: every route in the URL map, every path parameter, query
argument and form field, with NUL bytes, Unicode digits, huge numbers and random text, on
SQLite and PostgreSQL alike (the suite runs on both). Signed in as a lead, so the agent
routes get past the sign-in check."""

from __future__ import annotations

import re
import tempfile
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import Form

from kb import create_app
from kb.core.inputs import MAX_ID, arg_page, parse_id, parse_number
from kb.models import InboundMessage, Outage
from tests.conftest import csrf_token

from .agent_helpers import PASSWORD, make_agent, make_ticket


def _rules() -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) for every route but static files and sign-out."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INDEX_ON_START": False,
                      "INSTANCE_PATH": tempfile.mkdtemp(), "DATABASE_URL": "sqlite://"})
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "agent.logout"):
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            out.append((rule.rule, method, rule.endpoint))
    return out


RULES = _rules()
REAL_NAMES = ("token", "receipt", "ticket_id", "agent_id", "article_id", "outage_id", "wizard_id",
              "node_id", "category_id", "article_ref", "slug", "attachment_id", "flag_id",
              "invitation_id", "message_id", "name", "draft_id", "override_id", "known_id",
              "lang")
# Each of these was a 500 somewhere; every route gets each of them in every position.
BAD = ["a\x00b", "²", "١٢", "99999999999999999999999", "x" * 300]
MORE = ["\x00", "0", "-1", "2147483648", "1e5", " 1", "KB-²", "%", "..", "<script>", "'; --",
        "\u202e"]
NASTY = st.one_of(st.sampled_from(BAD + MORE), st.text(max_size=40))
QUERY_ARGS = ["q", "page", "s", "category", "ticket", "run", "article", "answer", "change",
              "next", "voted", "email", "status", "mine", "priority", "nomatch"]
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _form_fields() -> list[str]:
    """Every field name of every form the site defines (and the preview button)."""
    names = {"preview"}
    todo: list[type] = list(Form.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        names |= {k for k, v in vars(cls).items() if hasattr(v, "field_class")}
    return sorted(names)


FIELDS = _form_fields()


def _url(rule: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: quote(values[m.group(2)], safe=""), rule)


def _signed_in(app: Flask) -> tuple[FlaskClient, dict[str, str]]:
    """A lead's client and real values (a ticket's token and id, an outage, a CSRF token so
    generated forms reach the code behind them) to mix in."""
    make_agent(app, "lee@example.org", role="lead", name="Lee Lead")
    ticket_id = make_ticket(app)
    with app.app_context():
        from kb.extensions import db
        from kb.models import Ticket

        outage = Outage(title="Printers down", message="All printers", keywords="printer")
        held = InboundMessage(from_addr="kim@example.org", subject="Hi", body="Hello",
                              reason="no ticket", state="held")
        db.session.add_all([outage, held])
        db.session.commit()
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        real = {"token": ticket.token, "receipt": str(ticket.receipt), "ticket_id": str(ticket_id),
                "agent_id": "1",
                "article_id": "1",
                "outage_id": str(outage.id), "wizard_id": "printer", "node_id": "describe",
                "category_id": "printing", "article_ref": "KB-1", "slug": "x",
                "attachment_id": "1", "flag_id": "1", "invitation_id": "1",
                "message_id": str(held.id), "name": "logo.svg", "draft_id": "1",
                "override_id": "1", "known_id": "1", "lang": "fr"}
    assert set(real) == set(REAL_NAMES)
    client = app.test_client()
    response = client.post("/agent/login", data={
        "email": "lee@example.org", "password": PASSWORD,
        "csrf_token": csrf_token(client, "/agent/login")})
    assert response.status_code == 302
    real["csrf_token"] = csrf_token(client, "/ask")
    return client, real


def test_every_path_parameter_has_a_real_value() -> None:
    """A new route's parameter needs a real value above, or its checks would not run."""
    names = {m.group(2) for rule, _m, _e in RULES for m in PARAM.finditer(rule)}
    assert names <= set(REAL_NAMES), names - set(REAL_NAMES)


@pytest.mark.parametrize(("rule", "method", "endpoint"), RULES,
                         ids=[f"{m} {r}" for r, m, _e in RULES])
def test_no_route_answers_500(app: Flask, rule: str, method: str, endpoint: str) -> None:
    client, real = _signed_in(app)
    params = [m.group(2) for m in PARAM.finditer(rule)]

    def check(path: dict[str, str], args: dict[str, str], form: dict[str, str]) -> None:
        url = _url(rule, path)
        data = {"csrf_token": real["csrf_token"], **form} if method == "POST" else None
        response = client.open(url, method=method, query_string=args, data=data)
        assert response.status_code < 500, (method, url, args, form, response.status_code)

    # The known offenders, in every position, first.
    for bad in BAD:
        for name in params:
            check({**real, name: bad}, {}, {})
        check(real, {name: bad for name in QUERY_ARGS}, {})
        if method == "POST":
            check(real, {}, {name: bad for name in FIELDS})

    @settings(max_examples=6, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(path=st.fixed_dictionaries({p: st.one_of(st.just(real.get(p, "1")), NASTY)
                                       for p in params}),
           args=st.dictionaries(st.sampled_from(QUERY_ARGS), NASTY, max_size=4),
           form=st.dictionaries(st.sampled_from(FIELDS), NASTY, max_size=8))
    def random_input(path: dict[str, str], args: dict[str, str], form: dict[str, str]) -> None:
        check({**real, **path}, args, form)

    random_input()


def test_nul_is_refused_with_a_message(client: FlaskClient) -> None:
    response = client.get("/search", query_string={"q": "printer\x00"})
    assert response.status_code == 400
    assert "hidden character" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/articles/²", "/a/١٢", "/articles/99999999999999999999999",
                                  "/articles/2147483648", "/api/v1/articles/KB-²"])
def test_odd_ids_are_not_found(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_query_ids_fall_back_to_their_default(client: FlaskClient) -> None:
    for value in ("99999999999999999999999", "²", "-3", "1e3"):
        assert client.get(f"/articles/1?s={value}").status_code in (200, 301)
        assert client.get(f"/search?q=printer&page={value}").status_code == 200


def test_strict_number_parsing(app: Flask) -> None:
    assert parse_id("42") == 42 and parse_id(" 7 ") == 7 and parse_id(MAX_ID) == MAX_ID
    for bad in ("²", "١٢", "0", "-1", "1_000", "+1", str(MAX_ID + 1), "", None, True, 1.0):
        assert parse_id(bad) is None, bad
    assert parse_number("0", 0, 3) == 0 and parse_number("4", 0, 3) is None
    with app.test_request_context("/?page=99999"):
        assert arg_page() == 1
    with app.test_request_context("/?page=3"):
        assert arg_page() == 3
