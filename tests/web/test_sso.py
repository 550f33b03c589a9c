"""Organisation sign-in against a real OpenID provider: the whole flow for agents (role from
the group claim) and requesters, what is refused, and no route at all without an issuer."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import Agent, Requester, Ticket, utcnow
from tests.web.agent_helpers import PASSWORD, login, make_agent, make_ticket
from tests.web.sso_helpers import (
    Provider,
    authorise,
    callback_path,
    free_port_in_range,
    query,
    session_data,
    sign_in,
    start,
)
from tests.web.tickets_helpers import ticket_data


def _agent(app: Flask, email: str) -> Agent | None:
    with app.app_context():
        agent = db.session.scalar(select(Agent).where(Agent.email == email))
        if agent is not None:
            db.session.expunge(agent)
        return agent


def _requesters(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Requester)) or 0)


@pytest.fixture
def sso_app(app_factory: Any, oidc_provider: Provider) -> Flask:
    app: Flask = app_factory(**oidc_provider.config())
    return app


def test_the_sign_in_request_carries_state_nonce_and_pkce(sso_app: Flask,
                                                          oidc_provider: Provider) -> None:
    url = start(sso_app.test_client())
    assert url.startswith(f"{oidc_provider.issuer}/oauth2/authorize?")  # found by discovery
    params = query(url)
    assert params["client_id"] == oidc_provider.client_id
    assert params["redirect_uri"] == "http://localhost/sso/callback"  # from BASE_URL
    assert params["response_type"] == "code"
    assert set(params["scope"].split()) == {"openid", "email", "profile"}
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20


def test_callback_ignores_the_host_header(sso_app: Flask) -> None:
    url = start(sso_app.test_client(), "/sso/login")
    other = sso_app.test_client().get("/sso/login", headers={"Host": "evil.example"})
    assert query(url)["redirect_uri"] == query(other.location)["redirect_uri"]


def test_an_agent_signs_in_and_lands_in_the_workspace(sso_app: Flask,
                                                      oidc_provider: Provider) -> None:
    oidc_provider.add_user("agent-1", email="Kim@Example.org", email_verified=True,
                           name="Kim Agent", groups=["staff", "helpdesk-agents"])
    client = sso_app.test_client()
    page = sign_in(client, "agent-1")
    assert page.status_code == 200 and page.request.path == "/agent/"
    assert "Sign out (Kim Agent)" in page.get_data(as_text=True)
    agent = _agent(sso_app, "kim@example.org")
    assert agent is not None and agent.role == "agent" and agent.active
    assert agent.oidc_issuer == oidc_provider.issuer and agent.oidc_subject == "agent-1"
    assert client.get("/agent/tickets").status_code == 200
    # Created by sign-in, the account has no password to guess.
    assert login(sso_app.test_client(), "kim@example.org", "!sso").status_code == 400


def test_a_lead_group_gives_the_lead_role_and_changes_follow_the_claim(
        sso_app: Flask, oidc_provider: Provider) -> None:
    oidc_provider.add_user("lead-1", email="lee@example.org", email_verified=True,
                           name="Lee Lead", groups=["helpdesk-agents", "helpdesk-leads"])
    assert sign_in(sso_app.test_client(), "lead-1").request.path == "/agent/"
    agent = _agent(sso_app, "lee@example.org")
    assert agent is not None and agent.role == "lead"

    oidc_provider.add_user("lead-1", email="lee@example.org", email_verified=True,
                           name="Lee Lead", groups=["helpdesk-agents"])
    assert sign_in(sso_app.test_client(), "lead-1").request.path == "/agent/"
    agent = _agent(sso_app, "lee@example.org")
    assert agent is not None and agent.role == "agent"


def test_an_agent_who_left_the_groups_is_switched_off_and_signed_out(
        sso_app: Flask, oidc_provider: Provider) -> None:
    oidc_provider.add_user("leaver", email="lou@example.org", email_verified=True,
                           name="Lou", groups=["helpdesk-agents"])
    workspace = sso_app.test_client()
    assert sign_in(workspace, "leaver").request.path == "/agent/"

    oidc_provider.add_user("leaver", email="lou@example.org", email_verified=True,
                           name="Lou", groups=["staff"])
    page = sign_in(sso_app.test_client(), "leaver")
    assert page.request.path == "/my-requests"  # a requester now
    agent = _agent(sso_app, "lou@example.org")
    assert agent is not None and not agent.active
    assert workspace.get("/agent/tickets").status_code == 302  # the old session is over


def test_an_existing_password_agent_is_linked_and_keeps_the_password(
        sso_app: Flask, oidc_provider: Provider) -> None:
    make_agent(sso_app, email="ana@example.org", role="agent")
    oidc_provider.add_user("ana-sub", email="ana@example.org", email_verified=True,
                           name="Ana Agent", groups=["helpdesk-leads"])
    assert sign_in(sso_app.test_client(), "ana-sub").request.path == "/agent/"
    agent = _agent(sso_app, "ana@example.org")
    assert agent is not None and agent.oidc_subject == "ana-sub" and agent.role == "lead"
    with sso_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Agent)) == 1
    # Password sign-in stays as the fallback.
    assert login(sso_app.test_client(), "ana@example.org", PASSWORD).status_code == 302


def test_a_second_account_with_an_agents_email_is_never_merged_into_it(
        sso_app: Flask, oidc_provider: Provider) -> None:
    oidc_provider.add_user("first", email="same@example.org", email_verified=True,
                           name="First", groups=["helpdesk-leads"])
    oidc_provider.add_user("second", email="same@example.org", email_verified=True,
                           name="Second", groups=["helpdesk-agents"])
    assert sign_in(sso_app.test_client(), "first").request.path == "/agent/"
    refused = sign_in(sso_app.test_client(), "second")
    assert refused.status_code == 403
    agent = _agent(sso_app, "same@example.org")
    assert agent is not None and agent.oidc_subject == "first" and agent.name == "First"


def test_a_requester_gets_a_session_holding_only_their_id(sso_app: Flask,
                                                          oidc_provider: Provider) -> None:
    oidc_provider.add_user("req-1", email="rae@example.org", email_verified=True,
                           name="Rae Requester", groups=["staff"])
    client = sso_app.test_client()
    page = sign_in(client, "req-1")
    assert page.request.path == "/my-requests"
    assert "Sign out (Rae Requester)" in page.get_data(as_text=True)
    data = session_data(sso_app, client)
    assert set(data) - {"csrf_token", "_flashes"} == {"requester_id"}
    assert isinstance(data["requester_id"], int)
    assert "rae" not in repr(data).lower()
    with sso_app.app_context():
        requester = db.session.get(Requester, data["requester_id"])
        assert requester is not None
        assert (requester.issuer, requester.subject) == (oidc_provider.issuer, "req-1")
        assert (requester.email, requester.name) == ("rae@example.org", "Rae Requester")
    assert _agent(sso_app, "rae@example.org") is None
    assert client.get("/agent/tickets").status_code == 302  # no way into the workspace


def test_signing_out_ends_the_requester_session(sso_app: Flask,
                                                oidc_provider: Provider) -> None:
    oidc_provider.add_user("req-out", email="out@example.org", email_verified=True, name="O")
    client = sso_app.test_client()
    page = sign_in(client, "req-out").get_data(as_text=True)
    assert client.post("/sso/logout").status_code == 400  # no CSRF token
    from tests.web.agent_helpers import token_from

    assert client.post("/sso/logout", data={"csrf_token": token_from(page)}).status_code == 302
    assert client.get("/my-requests").status_code == 302
    assert "requester_id" not in session_data(sso_app, client)


def test_a_forged_state_signs_nobody_in(sso_app: Flask, oidc_provider: Provider) -> None:
    oidc_provider.add_user("victim", email="vic@example.org", email_verified=True, name="V",
                           groups=["helpdesk-agents"])
    client = sso_app.test_client()
    back = callback_path(authorise(start(client), "victim"))
    forged = back.replace(f"state={query(back)['state']}", "state=forged-state-value")
    response = client.get(forged)
    assert response.status_code == 400
    assert "Signing in did not work" in response.get_data(as_text=True)
    assert _agent(sso_app, "vic@example.org") is None
    assert client.get("/agent/tickets").status_code == 302


def test_an_absent_state_or_a_callback_from_another_browser_is_refused(
        sso_app: Flask, oidc_provider: Provider) -> None:
    oidc_provider.add_user("victim2", email="vi2@example.org", email_verified=True, name="V")
    client = sso_app.test_client()
    back = callback_path(authorise(start(client), "victim2"))
    no_state = "/sso/callback?code=" + query(back)["code"]
    assert client.get(no_state).status_code == 400
    # The code and state were made for `client`'s session: a second browser cannot use them.
    assert sso_app.test_client().get(back).status_code == 400
    assert _requesters(sso_app) == 0


def test_a_callback_cannot_be_replayed(sso_app: Flask, oidc_provider: Provider) -> None:
    oidc_provider.add_user("once", email="once@example.org", email_verified=True, name="O")
    client = sso_app.test_client()
    back = callback_path(authorise(start(client), "once"))
    assert client.get(back).status_code == 302
    client.delete_cookie("session")
    assert client.get(back).status_code == 400


def test_an_unverified_email_is_refused(sso_app: Flask, oidc_provider: Provider) -> None:
    oidc_provider.add_user("unverified", email="who@example.org", email_verified=False,
                           name="Who", groups=["helpdesk-agents"])
    response = sign_in(sso_app.test_client(), "unverified")
    assert response.status_code == 403
    assert "no verified email" in response.get_data(as_text=True)
    assert _agent(sso_app, "who@example.org") is None and _requesters(sso_app) == 0


def test_a_wrong_client_secret_signs_nobody_in(app_factory: Any,
                                               oidc_provider: Provider) -> None:
    app = app_factory(**oidc_provider.config(OIDC_CLIENT_SECRET="not-the-secret"))
    oidc_provider.add_user("sec", email="sec@example.org", email_verified=True, name="S")
    assert sign_in(app.test_client(), "sec").status_code == 400
    assert _requesters(app) == 0


def test_next_only_follows_paths_on_this_site(sso_app: Flask, oidc_provider: Provider) -> None:
    oidc_provider.add_user("nxt", email="nxt@example.org", email_verified=True, name="N")
    assert sign_in(sso_app.test_client(), "nxt", "/sso/login?next=//evil.example/x"
                   ).request.path == "/my-requests"
    assert sign_in(sso_app.test_client(), "nxt", "/sso/login?next=/ask%3Fq%3Dprinter"
                   ).request.full_path == "/ask?q=printer"


def test_a_requester_starting_from_the_agent_page_gets_their_own_requests(
        sso_app: Flask, oidc_provider: Provider) -> None:
    oidc_provider.add_user("not-agent", email="na@example.org", email_verified=True, name="N")
    html = sso_app.test_client().get("/agent/login").get_data(as_text=True)
    start_url = re.search(r'id="sso-button" href="([^"]+)"', html)
    assert start_url is not None
    page = sign_in(sso_app.test_client(), "not-agent", start_url.group(1).replace("&amp;", "&"))
    assert page.request.path == "/my-requests"
    assert "not a help-desk agent" in page.get_data(as_text=True)


def test_a_provider_that_is_down_gets_a_plain_message(app_factory: Any) -> None:
    app = app_factory(OIDC_ISSUER=f"http://127.0.0.1:{free_port_in_range()}",
                      OIDC_CLIENT_ID="kb", OIDC_CLIENT_SECRET="s")
    response = app.test_client().get("/sso/login")
    assert response.status_code == 503
    assert "cannot reach" in response.get_data(as_text=True)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, app_factory: Any,
                                       oidc_provider: Provider) -> None:
    """KB_OIDC_* as README documents them, the groups claim and groups renamed (a list)."""
    monkeypatch.setenv("KB_OIDC_ISSUER", oidc_provider.issuer + "/")
    monkeypatch.setenv("KB_OIDC_CLIENT_ID", oidc_provider.client_id)
    monkeypatch.setenv("KB_OIDC_CLIENT_SECRET", oidc_provider.client_secret)
    monkeypatch.setenv("KB_OIDC_GROUPS_CLAIM", "roles")
    monkeypatch.setenv("KB_OIDC_AGENT_GROUPS", '["it-desk", "it-desk-2"]')
    monkeypatch.setenv("KB_OIDC_LEAD_GROUPS", "it-leads,it-managers")
    app = app_factory()
    oidc_provider.add_user("env-agent", email="env@example.org", email_verified=True,
                           name="Env", roles=["it-desk-2"], groups=["helpdesk-leads"])
    oidc_provider.add_user("env-lead", email="envl@example.org", email_verified=True,
                           name="Env Lead", roles=["it-managers"])
    oidc_provider.add_user("env-req", email="envr@example.org", email_verified=True,
                           name="Env R", groups=["helpdesk-agents"])
    assert sign_in(app.test_client(), "env-agent").request.path == "/agent/"
    assert sign_in(app.test_client(), "env-lead").request.path == "/agent/"
    assert sign_in(app.test_client(), "env-req").request.path == "/my-requests"
    agent, lead = _agent(app, "env@example.org"), _agent(app, "envl@example.org")
    assert agent is not None and agent.role == "agent"
    assert lead is not None and lead.role == "lead"
    assert _agent(app, "envr@example.org") is None


def test_emails_still_render_outside_a_request(app_factory: Any, oidc_provider: Provider,
                                              smtp_server: Any, inbox: Any) -> None:
    """Templates ask who is signed in; the CLI and the worker have no browser to ask."""
    app = app_factory(MAIL_PORT=smtp_server[0], **oidc_provider.config())
    make_ticket(app, summary="Stale", last_touched_at=utcnow() - timedelta(days=2))
    result = app.test_cli_runner().invoke(args=["kb", "send-updates"])
    assert result.exit_code == 0 and "Queued 1" in result.output, result.output
    assert [m["To"] for m in inbox.messages] == ["sam@example.org"]


def test_without_an_issuer_there_is_no_sign_in_at_all(app: Flask) -> None:
    client = app.test_client()
    for url in ("/sso/login", "/sso/callback?code=x&state=y", "/my-requests",
                "/my-requests/1"):
        assert client.get(url).status_code == 404, url
    assert client.post("/sso/logout").status_code in (400, 404)
    for url in ("/", "/ask", "/agent/login"):
        html = client.get(url).get_data(as_text=True)
        assert "/sso/login" not in html and "organisation account" not in html, url


def test_an_old_requester_cookie_counts_for_nothing_once_sign_in_is_off(app: Flask) -> None:
    with app.app_context():
        requester = Requester(issuer="http://idp.example", subject="s", email="old@example.org",
                              name="Old Cookie")
        db.session.add(requester)
        db.session.commit()
        requester_id = requester.id
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["requester_id"] = requester_id
    page = client.get("/ask")
    assert page.status_code == 200
    assert "Old Cookie" not in page.get_data(as_text=True)
    response = client.post("/ask", data=ticket_data(client, email="typed@example.org"))
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        assert ticket is not None and ticket.requester_id is None
        assert ticket.email == "typed@example.org"


def test_with_an_issuer_the_pages_offer_sign_in(sso_app: Flask) -> None:
    client = sso_app.test_client()
    assert 'href="/sso/login"' in client.get("/").get_data(as_text=True)
    assert 'id="sso-offer"' in client.get("/ask").get_data(as_text=True)
    assert 'id="sso-button"' in client.get("/agent/login").get_data(as_text=True)
