"""Leads manage the team in the browser: change a role, switch an account off (which signs
it out everywhere) or on. Agents who are not leads cannot. Inviting is in
test_agent_invites.py; the old "add with a first password" form is gone."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from kb.core.staff import find_agent
from tests.web.agent_helpers import PASSWORD, login, make_agent, post


def test_a_lead_changes_the_role_and_switches_an_agent_off(app: Flask) -> None:
    make_agent(app, "lee@example.org", "lead", "Lee Lead")
    kim_id = make_agent(app, "kim@example.org", name="Kim New")
    lead = app.test_client()
    login(lead, "lee@example.org")
    kim = app.test_client()
    assert login(kim, "kim@example.org").status_code == 302
    assert kim.get("/agent/tickets").status_code == 200
    post(lead, "/agent/team", f"/agent/team/{kim_id}/role", role="lead")
    with app.app_context():
        assert find_agent("kim@example.org").role == "lead"  # type: ignore[union-attr]
    post(lead, "/agent/team", f"/agent/team/{kim_id}/active")
    assert kim.get("/agent/tickets").status_code == 302  # signed out at once
    assert login(kim, "kim@example.org").status_code == 400
    html = lead.get("/agent/team").get_data(as_text=True)
    assert "Kim New" in html and "Switch on" in html
    # Nobody gets a password from a lead any more: the invitation is the way in.
    old_form = post(lead, "/agent/team", "/agent/team", name="X", email="x@example.org",
                    role="agent", password="a long first password")
    assert old_form.status_code == 405
    assert 'name="password"' not in html


def test_only_leads_manage_the_team(app: Flask, client: FlaskClient) -> None:
    agent_id = make_agent(app)
    login(client)
    assert client.get("/agent/team").status_code == 403
    assert post(client, "/agent/", f"/agent/team/{agent_id}/role", role="lead").status_code \
        == 403
    assert "Team</a>" not in client.get("/agent/").get_data(as_text=True)
    assert PASSWORD
