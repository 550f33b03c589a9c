"""Leads manage the team in the browser: add an agent, change a role, switch an account off
(which signs it out everywhere) or on. Agents who are not leads cannot."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from kb.core.staff import find_agent
from tests.web.agent_helpers import PASSWORD, login, make_agent, post


def test_a_lead_adds_an_agent_changes_the_role_and_switches_them_off(app: Flask) -> None:
    make_agent(app, "lee@example.org", "lead", "Lee Lead")
    lead = app.test_client()
    login(lead, "lee@example.org")
    r = post(lead, "/agent/team", "/agent/team", name="Kim New", email="kim@example.org",
             role="agent", password="a long first password")
    assert r.status_code == 302
    kim = app.test_client()
    assert login(kim, "kim@example.org", "a long first password").status_code == 302
    assert kim.get("/agent/tickets").status_code == 200
    with app.app_context():
        kim_id = find_agent("kim@example.org").id  # type: ignore[union-attr]
    post(lead, "/agent/team", f"/agent/team/{kim_id}/role", role="lead")
    with app.app_context():
        assert find_agent("kim@example.org").role == "lead"  # type: ignore[union-attr]
    post(lead, "/agent/team", f"/agent/team/{kim_id}/active")
    assert kim.get("/agent/tickets").status_code == 302  # signed out at once
    assert login(kim, "kim@example.org", "a long first password").status_code == 400
    html = lead.get("/agent/team").get_data(as_text=True)
    assert "Kim New" in html and "Switch on" in html
    bad = post(lead, "/agent/team", "/agent/team", name="X", email="x?cc=a@example.org",
               role="agent", password="a long first password")
    assert bad.status_code == 400


def test_only_leads_manage_the_team(app: Flask, client: FlaskClient) -> None:
    agent_id = make_agent(app)
    login(client)
    assert client.get("/agent/team").status_code == 403
    assert post(client, "/agent/", f"/agent/team/{agent_id}/role", role="lead").status_code \
        == 403
    assert "Team</a>" not in client.get("/agent/").get_data(as_text=True)
    assert PASSWORD
