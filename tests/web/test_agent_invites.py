"""Invitations by email: a lead invites, the email (received by a real SMTP server) carries
a one-time link, the invitee sets their own password and is signed in. The link works once,
expires, dies when revoked or resent, and ends with the lead who sent it."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.core.staff import find_agent
from kb.extensions import db
from kb.models import Agent, Invitation, OutboxEmail, utcnow
from tests.conftest import email_text

from .agent_helpers import login, make_agent, make_ticket, post, token_from

NEW_PASSWORD = "plum tractor lantern 7"


def _lead(app: Flask) -> FlaskClient:
    make_agent(app, "lee@example.org", "lead", "Lee Lead")
    lead = app.test_client()
    login(lead, "lee@example.org")
    return lead


def _invite(lead: FlaskClient, email: str = "kim@example.org", **extra: Any) -> Any:
    data: dict[str, Any] = {"name": "Kim New", "email": email, "role": "agent",
                            "teams": ["Network team"], **extra}
    return post(lead, "/agent/team", "/agent/team/invite", **data)


def _link(inbox: Any, to: str = "kim@example.org") -> str:
    message = [m for m in inbox.messages if m["To"] == to][-1]
    found = re.search(r"http://localhost(/agent/invite/[A-Za-z0-9_\-]+)", email_text(message))
    assert found, email_text(message)
    return found.group(1)


def _set_password(client: FlaskClient, path: str, password: str = NEW_PASSWORD,
                  confirm: str | None = None) -> Any:
    page = client.get(path)
    return client.post(path, data={"csrf_token": token_from(page.get_data(as_text=True)),
                                   "password": password,
                                   "confirm": password if confirm is None else confirm})


def _invitation(app: Flask, email: str = "kim@example.org") -> Invitation:
    with app.app_context():
        row = db.session.scalars(select(Invitation).where(Invitation.email == email)).one()
        db.session.expunge(row)
        return row


def test_the_link_works_once_and_signs_the_invitee_in(mail_app: Flask, inbox: Any) -> None:
    lead = _lead(mail_app)
    assert _invite(lead).status_code == 302
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "kim@example.org"
    path = _link(inbox)
    token = path.rsplit("/", 1)[1]
    row = _invitation(mail_app)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert row.expires_at - row.sent_at == timedelta(hours=72)
    team = lead.get("/agent/team").get_data(as_text=True)
    assert "Invitations waiting" in team and "kim@example.org" in team and "Resend" in team

    kim = mail_app.test_client()
    page = kim.get(path)
    assert page.status_code == 200 and "Join the help desk team" in page.get_data(as_text=True)
    with mail_app.app_context():
        assert find_agent("kim@example.org") is None  # opening the link creates nothing
    short = _set_password(kim, path, "short one")
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)
    assert "short one" not in short.get_data(as_text=True)  # never echoed
    different = _set_password(kim, path, NEW_PASSWORD, "plum tractor lantern 8")
    body = different.get_data(as_text=True)
    assert different.status_code == 400 and "not the same" in body
    assert NEW_PASSWORD not in body and "lantern 8" not in body
    done = _set_password(kim, path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/agent/")
    assert kim.get("/agent/tickets").status_code == 200  # signed in
    with mail_app.app_context():
        agent = find_agent("kim@example.org")
        assert agent is not None and agent.role == "agent" and agent.teams == ["Network team"]
        assert agent.password_hash.startswith("$argon2") and NEW_PASSWORD not in \
            agent.password_hash
        assert db.session.scalars(select(Invitation)).one().accepted_at is not None

    again = mail_app.test_client()
    assert again.get(path).status_code == 410
    assert "used already" in again.get(path).get_data(as_text=True)
    token_page = again.get("/agent/login").get_data(as_text=True)
    reuse = again.post(path, data={"csrf_token": token_from(token_page),
                                   "password": "another long password",
                                   "confirm": "another long password"})
    assert reuse.status_code == 410
    assert login(again, "kim@example.org", NEW_PASSWORD).status_code == 302
    assert "kim@example.org" not in lead.get("/agent/team").get_data(as_text=True).split(
        "Invitations waiting", 1)[1]


def test_an_expired_link_is_refused_and_resend_sends_a_new_one(mail_app: Flask,
                                                                 inbox: Any) -> None:
    lead = _lead(mail_app)
    _invite(lead)
    old = _link(inbox)
    with mail_app.app_context():
        row = db.session.scalars(select(Invitation)).one()
        row.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        invitation_id = row.id
    kim = mail_app.test_client()
    expired = kim.get(old)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert "Expired" in lead.get("/agent/team").get_data(as_text=True)
    post(lead, "/agent/team", f"/agent/team/invitations/{invitation_id}/resend")
    assert len(inbox.messages) == 2
    new = _link(inbox)
    assert new != old
    assert kim.get(old).status_code == 404  # replaced: the old token is unknown now
    assert _invitation(mail_app).expires_at > utcnow() + timedelta(hours=71)
    assert _set_password(kim, new).status_code == 302


def test_a_revoked_link_is_refused(mail_app: Flask, inbox: Any) -> None:
    lead = _lead(mail_app)
    _invite(lead)
    path = _link(inbox)
    row = _invitation(mail_app)
    post(lead, "/agent/team", f"/agent/team/invitations/{row.id}/revoke")
    kim = mail_app.test_client()
    refused = kim.get(path)
    assert refused.status_code == 410 and "withdrawn" in refused.get_data(as_text=True)
    token = token_from(kim.get("/agent/login").get_data(as_text=True))
    assert kim.post(path, data={"csrf_token": token, "password": NEW_PASSWORD,
                                "confirm": NEW_PASSWORD}).status_code == 410
    with mail_app.app_context():
        assert find_agent("kim@example.org") is None
    resend = post(lead, "/agent/team", f"/agent/team/invitations/{row.id}/resend")
    assert resend.status_code == 302 and len(inbox.messages) == 1  # a revoked one stays dead


def test_switching_off_ends_sessions_and_invitations(mail_app: Flask, inbox: Any) -> None:
    lead = _lead(mail_app)
    second_id = make_agent(mail_app, "max@example.org", "lead", "Max Lead")
    max_client = mail_app.test_client()
    login(max_client, "max@example.org")
    _invite(max_client, "pat@example.org")  # Max invites Pat, then loses access
    pat_link = _link(inbox, "pat@example.org")
    _invite(lead)
    kim_link = _link(inbox)
    post(lead, "/agent/team", f"/agent/team/{second_id}/active")
    assert max_client.get("/agent/tickets").status_code == 302  # signed out everywhere
    pat = mail_app.test_client()
    assert pat.get(pat_link).status_code == 410
    assert _invitation(mail_app, "pat@example.org").revoked_at is not None
    assert _invitation(mail_app).revoked_at is None  # Lee's own invitation still stands
    # Access ended elsewhere (organisation sign-in switches agents off without this page):
    # the link checks its lead at use.
    with mail_app.app_context():
        lee = find_agent("lee@example.org")
        assert lee is not None
        lee.active = False
        db.session.commit()
    assert mail_app.test_client().get(kim_link).status_code == 410


def test_invite_refusals(mail_app: Flask, inbox: Any) -> None:
    lead = _lead(mail_app)
    make_agent(mail_app, "ana@example.org")
    taken = _invite(lead, "ANA@example.org")
    assert taken.status_code == 400 and "already an agent" in taken.get_data(as_text=True)
    _invite(lead)
    twice = _invite(lead)
    assert twice.status_code == 400 and "has an invitation already" in twice.get_data(
        as_text=True)
    bad_group = _invite(lead, "zed@example.org", teams=["Nobody's group"])
    assert bad_group.status_code == 400
    bad_email = _invite(lead, "x?cc=boss@example.org")
    assert bad_email.status_code == 400
    assert len(inbox.messages) == 1


def test_a_link_for_an_address_that_got_an_account_meanwhile(mail_app: Flask,
                                                             inbox: Any) -> None:
    lead = _lead(mail_app)
    _invite(lead)
    path = _link(inbox)
    make_agent(mail_app, "kim@example.org", name="Kim Elsewhere")  # e.g. by organisation sign-in
    response = mail_app.test_client().get(path)
    assert response.status_code == 410 and "already an agent" in response.get_data(as_text=True)


def test_with_organisation_sign_in_the_invite_says_so(app_factory: Any, smtp_server: Any,
                                                      inbox: Any, oidc_provider: Any) -> None:
    app = app_factory(MAIL_PORT=smtp_server[0], **oidc_provider.config())
    lead = _lead(app)
    assert 'id="sso-hint"' in lead.get("/agent/team").get_data(as_text=True)
    _invite(lead)
    text = email_text(inbox.messages[-1])
    assert "organisation account" in text and "/agent/login" in text
    page = app.test_client().get(_link(inbox)).get_data(as_text=True)
    assert 'id="sso-note"' in page


def test_only_leads_invite_and_set_groups(app: Flask, client: FlaskClient) -> None:
    agent_id = make_agent(app)
    make_agent(app, "lee@example.org", "lead", "Lee Lead")
    lead = app.test_client()
    login(lead, "lee@example.org")
    _invite(lead)
    with app.app_context():
        invitation_id = db.session.scalars(select(Invitation)).one().id
    login(client)
    for url, data in (("/agent/team/invite", {"name": "X", "email": "x@example.org",
                                              "role": "lead"}),
                      (f"/agent/team/{agent_id}/teams", {"teams": "Network team"}),
                      (f"/agent/team/invitations/{invitation_id}/resend", {}),
                      (f"/agent/team/invitations/{invitation_id}/revoke", {}),
                      (f"/agent/team/{agent_id}/role", {"role": "lead"})):
        assert post(client, "/agent/", url, **data).status_code == 403, url
    with app.app_context():
        agent = db.session.get(Agent, agent_id)
        assert agent is not None and agent.teams == [] and agent.role == "agent"
        assert db.session.scalars(select(Invitation)).one().revoked_at is None
        assert len(db.session.scalars(select(Invitation)).all()) == 1
    anonymous = app.test_client()
    assert anonymous.get("/agent/team").status_code == 302


def test_every_new_post_needs_a_csrf_token(mail_app: Flask, inbox: Any) -> None:
    lead = _lead(mail_app)
    agent_id = make_agent(mail_app)
    _invite(lead)
    path = _link(inbox)
    invitation_id = _invitation(mail_app).id
    for url, data in (("/agent/team/invite", {"name": "Zed", "email": "zed@example.org",
                                              "role": "agent"}),
                      (f"/agent/team/{agent_id}/teams", {"teams": "Network team"}),
                      (f"/agent/team/invitations/{invitation_id}/resend", {}),
                      (f"/agent/team/invitations/{invitation_id}/revoke", {})):
        assert lead.post(url, data=data).status_code == 400, url
    kim = mail_app.test_client()
    kim.get(path)
    assert kim.post(path, data={"password": NEW_PASSWORD,
                                "confirm": NEW_PASSWORD}).status_code == 400
    with mail_app.app_context():
        assert find_agent("kim@example.org") is None and find_agent("zed@example.org") is None
        assert db.session.get(Agent, agent_id).teams == []  # type: ignore[union-attr]
        row = db.session.scalars(select(Invitation)).one()
        assert row.revoked_at is None and row.accepted_at is None
        assert len(db.session.scalars(select(OutboxEmail)).all()) == 1


def test_groups_and_the_my_groups_view(app: Flask) -> None:
    lead = _lead(app)
    agent_id = make_agent(app)
    loner_id = make_agent(app, "lou@example.org", name="Lou Loner")
    make_ticket(app, summary="Switch port dead", team="Network team")
    make_ticket(app, summary="Laptop will not boot", team="Desktop support")
    make_ticket(app, summary="Password reset please", team="Help desk")
    make_ticket(app, summary="Old wifi problem", team="Network team", status="closed")
    make_ticket(app, summary="Mailbox full", team="Messaging team")
    saved = post(lead, "/agent/team", f"/agent/team/{agent_id}/teams",
                 teams=["Network team", "Desktop support"])
    assert saved.status_code == 302
    wrong = post(lead, "/agent/team", f"/agent/team/{agent_id}/teams",
                 teams=["Network team", "Made-up group"])
    assert wrong.status_code == 400
    with app.app_context():  # kept in support.yml's order; the refused form changed nothing
        agent = db.session.get(Agent, agent_id)
        assert agent is not None and agent.teams == ["Desktop support", "Network team"]
    assert "Desktop support, Network team" in lead.get("/agent/team").get_data(as_text=True)

    ana = app.test_client()
    login(ana)
    html = ana.get("/agent/tickets?view=groups").get_data(as_text=True)
    assert "Switch port dead" in html and "Laptop will not boot" in html
    for other in ("Password reset please", "Old wifi problem", "Mailbox full"):
        assert other not in html
    assert 'href="/agent/tickets?view=groups" aria-current="page"' in html
    lou = app.test_client()
    login(lou, "lou@example.org")
    assert lou.get("/agent/tickets?view=groups").status_code == 200
    empty = lou.get("/agent/tickets?view=groups").get_data(as_text=True)
    assert "You are in no group yet" in empty and "Switch port dead" not in empty
    post(lead, "/agent/team", f"/agent/team/{loner_id}/teams", teams=["Messaging team"])
    assert "Mailbox full" in lou.get("/agent/tickets?view=groups").get_data(as_text=True)
    post(lead, "/agent/team", f"/agent/team/{loner_id}/teams")  # none ticked: no groups
    with app.app_context():
        assert db.session.get(Agent, loner_id).teams == []  # type: ignore[union-attr]
