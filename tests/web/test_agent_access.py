"""Signing in and out of the agent workspace, lock-out, rate limit, and every route guarded."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from kb.extensions import db
from kb.models import Agent, utcnow

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


def test_lock_out_after_five_wrong_passwords(app: Flask, client: FlaskClient) -> None:
    agent_id = make_agent(app)
    for _ in range(5):
        assert login(client, password="wrong password").status_code == 400
    locked = login(client)  # the right password, but the account is locked
    assert locked.status_code == 400
    assert "Email or password is wrong" in locked.get_data(as_text=True)
    with app.app_context():
        agent = db.session.get(Agent, agent_id)
        assert agent is not None and agent.locked_until is not None
        assert agent.locked_until > utcnow() + timedelta(minutes=14)
        agent.locked_until = utcnow() - timedelta(seconds=1)  # 15 minutes later
        db.session.commit()
    assert login(client).status_code == 302


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
        if not rule.rule.startswith("/agent") or rule.endpoint == "agent.login":
            continue
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
