"""Known errors: a lead records one; searches and wizard answers with its words show its
public workaround on top; agents see it on matching tickets and link them in one step;
marking it fixed emails every linked, verified requester once (real SMTP) with only their
own status link, and writes a timeline event; agents vs leads vs anonymous, CSRF, bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.extensions import db
from kb.models import KnownError, KnownErrorTicket, Ticket, TicketEvent
from tests.conftest import csrf_token, email_text
from tests.web.agent_helpers import login, make_agent, make_ticket, post, token_from

SYMPTOMS = "Outlook asks for the password again and again\nThe password box keeps coming back"
OUTLOOK = 26


def record(client: FlaskClient, **fields: str) -> Any:
    data = {"title": "Outlook keeps asking for my password", "symptoms": SYMPTOMS,
            "cause": "A bad update of the sign-in module", "workaround": f"KB-{OUTLOOK}",
            "status": "known error", **fields}
    return post(client, "/agent/problems/new", "/agent/problems/new", **data)


def lead_of(app: Flask) -> FlaskClient:
    make_agent(app, "lee@example.org", "lead", "Lee Lead")
    client = app.test_client()
    assert login(client, "lee@example.org").status_code == 302
    return client


@pytest.fixture
def lead(app: Flask) -> FlaskClient:
    return lead_of(app)


def notice_then_results(html: str) -> tuple[int, int]:
    return html.find('class="known-error"'), html.find('<ol class="results"')


def test_a_known_errors_workaround_is_on_top_of_a_matching_search(app: Flask,
                                                                  lead: FlaskClient) -> None:
    r = record(lead)
    assert r.status_code == 302 and r.location == "/agent/problems/1"
    person = app.test_client()
    html = person.get("/search?q=outlook+keeps+asking+for+my+password").get_data(as_text=True)
    notice, results = notice_then_results(html)
    assert 0 < notice < results, "the notice comes before the results"
    assert "Known problem" in html and "Outlook keeps asking for my password" in html
    assert re.search(r'known-error-1".*?href="/articles/26-', html, re.S)
    assert "bad update" not in html  # the cause is for agents
    for unrelated in ("password", "printer offline"):
        page = person.get("/search", query_string={"q": unrelated}).get_data(as_text=True)
        assert 'class="known-error"' not in page, unrelated
    # An internal workaround is never shown to the public.
    post(lead, "/agent/problems/1", "/agent/problems/1", title="Outlook keeps asking for my "
         "password", symptoms=SYMPTOMS, workaround="KB-100", status="known error")
    html = person.get("/search?q=outlook+keeps+asking+for+my+password").get_data(as_text=True)
    assert 'class="known-error"' not in html and "KB-100" not in html


def test_a_wizard_answer_with_its_words_shows_the_workaround(app: Flask,
                                                            lead: FlaskClient) -> None:
    record(lead)
    person = app.test_client()
    r = person.post("/wizards/email/describe", data={
        "csrf_token": csrf_token(person, "/wizards/email"),
        "answer": "Outlook asks for my password again and again"})
    assert r.status_code == 302
    html = person.get(r.location).get_data(as_text=True)
    assert 'class="known-error"' in html and "/articles/26-" in html
    other = app.test_client()
    r = other.post("/wizards/email/describe", data={
        "csrf_token": csrf_token(other, "/wizards/email"), "answer": "My mailbox is full"})
    assert 'class="known-error"' not in other.get(r.location).get_data(as_text=True)


def test_agents_see_it_on_a_matching_ticket_and_link_it_in_one_step(app: Flask,
                                                                    lead: FlaskClient) -> None:
    record(lead)
    ticket_id = make_ticket(app, summary="Outlook keeps asking for my password",
                            description="Since this morning.", category="email")
    other_id = make_ticket(app)  # the printer
    make_agent(app)
    agent = app.test_client()
    login(agent)
    page = f"/agent/tickets/{ticket_id}"
    html = agent.get(page).get_data(as_text=True)
    assert 'id="known-errors"' in html and "KE-1 Outlook keeps asking" in html
    assert "Link this ticket" in html
    assert 'id="known-errors"' not in agent.get(f"/agent/tickets/{other_id}").get_data(
        as_text=True)
    r = agent.post("/agent/problems/1/tickets", data={
        "csrf_token": token_from(html), "ticket": str(ticket_id), "back": "ticket"})
    assert r.status_code == 302 and r.location == page
    html = agent.get(page).get_data(as_text=True)
    assert "· linked ·" in html and "Link this ticket" not in html
    with app.app_context():
        event = db.session.scalars(select(TicketEvent).where(
            TicketEvent.kind == "known error")).one()
        assert event.public is False and "KE-1" in event.body
    again = agent.post("/agent/problems/1/tickets", data={
        "csrf_token": token_from(html), "ticket": f"HD-{ticket_id:06d}"})
    assert again.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(KnownErrorTicket)) == 1
    # The lead's page lists it, and offers open tickets that match its words.
    make_ticket(app, summary="The password box keeps coming back in Outlook")
    show = lead.get("/agent/problems/1").get_data(as_text=True)
    assert f"HD-{ticket_id:06d}</a> Outlook keeps asking" in show
    assert "Open tickets that match its words" in show and "The password box keeps" in show


def test_fixing_it_emails_each_linked_requester_once(mail_app: Flask, inbox: Any) -> None:
    lead = lead_of(mail_app)
    record(lead)
    sam_1 = make_ticket(mail_app, summary="Outlook asks for my password", email="sam@example.org")
    sam_2 = make_ticket(mail_app, summary="Password box again", email="Sam@Example.org")
    kim = make_ticket(mail_app, summary="Outlook password loop", email="kim@example.org",
                      name="Kim Lee")
    unverified = make_ticket(mail_app, summary="Outlook password", email="who@example.org",
                             verified_at=None)
    for ticket_id in (sam_1, sam_2, kim, unverified):
        r = post(lead, "/agent/problems/1", "/agent/problems/1/tickets", ticket=str(ticket_id))
        assert r.status_code == 302
    inbox.messages.clear()
    r = post(lead, "/agent/problems/1", "/agent/problems/1/fixed")
    assert r.status_code == 302
    assert "2 people were told by email" in lead.get(r.location).get_data(as_text=True)
    assert sorted(m["To"].lower() for m in inbox.messages) == ["kim@example.org",
                                                              "sam@example.org"]
    with mail_app.app_context():
        tokens = {t.id: t.token for t in db.session.scalars(select(Ticket))}
        known = db.session.get(KnownError, 1)
        assert known is not None and known.status == "fixed" and known.fixed_at is not None
        events = db.session.scalars(select(TicketEvent).where(
            TicketEvent.kind == "known error", TicketEvent.public.is_(True))).all()
        assert sorted(e.ticket_id for e in events) == sorted([sam_1, sam_2, kim, unverified])
        note = db.session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == unverified, TicketEvent.kind == "note")).one()
        assert "Not emailed" in note.body
    by_to = {m["To"].lower(): email_text(m) for m in inbox.messages}
    sam, kims = by_to["sam@example.org"], by_to["kim@example.org"]
    assert "is now fixed" in sam and "Outlook keeps asking for my password" in sam
    assert tokens[sam_1] in sam and tokens[sam_2] in sam  # both are Sam's own
    assert tokens[kim] not in sam and tokens[unverified] not in sam
    assert tokens[kim] in kims and tokens[sam_1] not in kims and tokens[sam_2] not in kims
    # Once: marking it fixed again, or saving it as fixed, tells nobody again.
    post(lead, "/agent/problems/1", "/agent/problems/1/fixed")
    post(lead, "/agent/problems/1", "/agent/problems/1", title="Outlook password",
         symptoms=SYMPTOMS, status="fixed")
    assert len(inbox.messages) == 2
    # Fixed: no notice on the public pages any more.
    html = mail_app.test_client().get("/search?q=outlook+keeps+asking+for+my+password")
    assert 'class="known-error"' not in html.get_data(as_text=True)


def test_agents_read_and_link_leads_change_anonymous_signs_in(app: Flask,
                                                              client: FlaskClient) -> None:
    lead = lead_of(app)
    record(lead)
    assert client.get("/agent/problems").location.startswith("/agent/login")
    assert client.get("/agent/problems/1").status_code == 302
    make_agent(app)
    agent = app.test_client()
    login(agent)
    assert agent.get("/agent/problems").status_code == 200
    html = agent.get("/agent/problems/1").get_data(as_text=True)
    assert "It is fixed" not in html and "Change it" not in html
    assert agent.get("/agent/problems/new").status_code == 403
    token = token_from(html)
    assert agent.post("/agent/problems/1/fixed", data={"csrf_token": token}).status_code == 403
    assert agent.post("/agent/problems/1", data={"csrf_token": token, "title": "x",
                                                 "symptoms": "y", "status": "fixed"}
                      ).status_code == 403
    with app.app_context():
        assert db.session.get(KnownError, 1).status == "known error"  # type: ignore[union-attr]


def test_csrf_and_bad_input(app: Flask, lead: FlaskClient) -> None:
    assert lead.post("/agent/problems/new", data={"title": "x", "symptoms": "y",
                                                  "status": "investigating"}).status_code == 400
    r = record(lead, workaround="KB-99999")
    assert r.status_code == 400 and "There is no article with that ID" in r.get_data(
        as_text=True)
    for bad in ({"status": "solved"}, {"title": ""}, {"symptoms": ""}, {"title": "x" * 201},
                {"workaround": "KB-٣"}):
        assert record(lead, **bad).status_code == 400, bad
    with app.app_context():
        assert db.session.scalar(select(KnownError)) is None
    record(lead)
    assert lead.get("/agent/problems/2").status_code == 404
    assert lead.get("/agent/problems/abc").status_code == 404
    token = token_from(lead.get("/agent/problems/1").get_data(as_text=True))
    for ticket in ("HD-999999", "nope", "", "٣"):
        r = lead.post("/agent/problems/1/tickets", data={"csrf_token": token, "ticket": ticket})
        assert r.status_code == 400, ticket
    assert lead.post("/agent/problems/1/fixed").status_code == 400  # no CSRF token
    assert lead.post("/agent/problems/9/fixed", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.get(KnownError, 1).status == "known error"  # type: ignore[union-attr]
        assert db.session.scalar(select(KnownErrorTicket)) is None
