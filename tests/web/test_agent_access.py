"""Signing in and out of the agent workspace, lock-out, rate limit, and every route guarded."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from kb.extensions import db
from kb.models import Agent

from .agent_helpers import PASSWORD, login, make_agent, token_from


def test_login_and_logout(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    response = login(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/agent/")
    page = client.get("/agent/").get_data(as_text=True)
    assert "Find an article" in page and "Sign out (Ana Agent)" in page
    token = token_from(page)
    assert client.post("/agent/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/agent/").status_code == 302


def test_logout_needs_csrf(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    login(client)
    assert client.post("/agent/logout").status_code == 400
    assert client.get("/agent/").status_code == 200


def test_logout_ends_the_session_everywhere(app: Flask) -> None:
    make_agent(app)
    first, second = app.test_client(), app.test_client()
    login(first)
    login(second)
    token = token_from(first.get("/agent/").get_data(as_text=True))
    first.post("/agent/logout", data={"csrf_token": token})
    assert second.get("/agent/").status_code == 302


def test_same_message_for_wrong_email_and_wrong_password(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    wrong_password = login(client, password="not the password")
    wrong_email = login(client, email="nobody@example.org")
    assert wrong_password.status_code == wrong_email.status_code == 400
    messages = []
    for response in (wrong_password, wrong_email):
        html = response.get_data(as_text=True)
        assert "Email or password is wrong" in html
        messages.append(re.sub(r'value="[^"]*"', "", html.split("<main")[1]))
    assert messages[0].replace("nobody@example.org", "ana@example.org") == messages[1].replace(
        "nobody@example.org", "ana@example.org")


def test_wrong_passwords_make_that_place_wait_not_the_agent(app: Flask) -> None:
    """Five wrong passwords from one address: that address waits, even with the right
    password; the agent signs in from their own desk at once (nobody can lock them out)."""
    make_agent(app)
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(5):
        assert login(attacker, password="wrong password").status_code == 400
    refused = login(attacker)
    assert refused.status_code == 400
    assert "Email or password is wrong" in refused.get_data(as_text=True)
    desk = app.test_client()
    desk.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert login(desk).status_code == 302
    for _ in range(5):  # other accounts from the attacker's address are not blocked either
        login(attacker, email="nobody@example.org", password="x" * 12)
    assert login(attacker, email="nobody@example.org").status_code == 400


def test_an_agent_session_ends_when_idle_and_after_a_day(app: Flask) -> None:
    import time

    make_agent(app)
    client = app.test_client()
    login(client)
    assert client.get("/agent/").status_code == 200
    with client.session_transaction() as sess:
        sess["agent_seen"] = time.time() - 8 * 3600 - 5
    r = client.get("/agent/")
    assert r.status_code == 302 and "/agent/login" in r.location
    assert "without activity" in client.get(r.location).get_data(as_text=True)
    assert client.get("/agent/").status_code == 302  # really signed out
    login(client)
    with client.session_transaction() as sess:
        sess["agent_since"] = time.time() - 25 * 3600
    assert client.get("/agent/").status_code == 302


def test_new_session_on_login(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    with client.session_transaction() as sess:
        sess["planted"] = "by someone else"
    login(client)
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_next_only_goes_to_this_site(app: Flask, client: FlaskClient) -> None:
    make_agent(app)
    page = client.get("/agent/login?next=https://evil.example/").get_data(as_text=True)
    response = client.post("/agent/login", data={
        "csrf_token": token_from(page), "email": "ana@example.org", "password": PASSWORD,
        "next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/agent/")
    client.post("/agent/logout", data={"csrf_token": token_from(
        client.get("/agent/").get_data(as_text=True))})
    assert client.get("/agent/tickets").headers["Location"].startswith(
        "/agent/login?next=/agent/tickets")
    response = login(client)
    assert response.headers["Location"].endswith("/agent/")


def test_login_is_rate_limited(app_factory: object) -> None:
    app = app_factory(RATELIMIT_ENABLED=True)  # type: ignore[operator]
    client = app.test_client()
    codes = [login(client, password=f"wrong {i}").status_code for i in range(11)]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429


def test_every_agent_route_needs_login(app: Flask, client: FlaskClient) -> None:
    checked = 0
    # A valid CSRF token, so POSTs reach the log-in check instead of stopping at CSRF.
    token = token_from(client.get("/agent/login").get_data(as_text=True))
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/agent") or rule.endpoint in ("agent.login",
                                                                   "agent.invite"):
            continue  # the invitation page is public: its one-time link is the key
        url = re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code in (302, 401), (method, url, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/agent/login")
            checked += 1
    assert checked >= 20
    assert client.get("/agent/api/search?q=printer").status_code == 401


def test_create_agent_command(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "create-agent", "--email", "Lee@Example.org",
                                 "--name", "Lee Lead", "--role", "lead",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    with app.app_context():
        agent = db.session.scalar(db.select(Agent))
        assert agent is not None and agent.role == "lead" and agent.email == "lee@example.org"
        assert agent.password_hash.startswith("$argon2") and PASSWORD not in agent.password_hash
    again = runner.invoke(args=["kb", "create-agent", "--email", "lee@example.org",
                                "--name", "Lee", "--password", PASSWORD])
    assert again.exit_code != 0 and "already exists" in again.output
    prompted = runner.invoke(args=["kb", "create-agent", "--email", "kim@example.org",
                                   "--name", "Kim"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output


def test_idle_and_maximum_session_lengths_are_settings(app_factory: Any) -> None:
    import time

    app = app_factory(AGENT_IDLE_MINUTES=1, AGENT_MAX_HOURS=1)
    make_agent(app)
    client = app.test_client()
    login(client)
    with client.session_transaction() as sess:
        sess["agent_seen"] = time.time() - 61
    assert client.get("/agent/").status_code == 302
