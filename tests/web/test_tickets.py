"""The ticket form: prefilling, validation, CSRF, double submits, passwords and deadlines."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kb.core.privacy import PASSWORD_MARK
from kb.extensions import db
from kb.models import SearchLog, Ticket, TicketEvent, WizardRun
from tests.web.tickets_helpers import form_fields, status_token, ticket_data


def count_tickets(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Ticket)) or 0)


def only_ticket(app: Flask) -> Ticket:
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        db.session.expunge(ticket)
        return ticket


def test_form_is_prefilled_from_a_zero_result_search(client: FlaskClient) -> None:
    html = client.get("/ask?q=plotter+smells+of+toast").get_data(as_text=True)
    assert 'value="plotter smells of toast"' in html
    assert "You searched for “plotter smells of toast”" in html
    assert "password" in html.lower()  # the "never type your password" note


def test_search_query_is_stored_with_the_ticket(app: Flask, client: FlaskClient) -> None:
    data = ticket_data(client, "/ask?q=plotter+smells")
    assert data["q"] == "plotter smells"
    assert client.post("/ask", data=data).status_code == 302
    assert only_ticket(app).search_query == "plotter smells"


def make_run(app: Flask, client: FlaskClient) -> str:
    """A finished wizard run owned by this browser, in the engine's state format."""
    with app.app_context():
        run = WizardRun(wizard_id="printer", state={
            "title": "Printer problems",
            "path": ["describe", "lights", "restart", "handoff"],
            "answers": {
                "describe": {"question": "What happens when you try to print?",
                             "answer": "Nothing <b>prints</b> since this morning",
                             "value": "Nothing <b>prints</b> since this morning",
                             "kind": "open"},
                "lights": {"question": "Is there a red light on the printer?",
                           "answer": "Yes, a red light", "kind": "choice"},
                "restart": {"question": "Turn the printer off and on. Did that work?",
                            "answer": "No", "kind": "step",
                            "step": "Turned the printer off and on again"},
            },
            "handoff": {"category": "printing", "impact": "team", "urgency": "high"},
        })
        db.session.add(run)
        db.session.commit()
        key = run.key
    with client.session_transaction() as sess:
        sess["wizard_keys"] = [key]
    return key


def test_form_is_prefilled_from_a_wizard_run(app: Flask, client: FlaskClient) -> None:
    key = make_run(app, client)
    html = client.get(f"/ask?run={key}").get_data(as_text=True)
    assert 'value="Nothing &lt;b&gt;prints&lt;/b&gt; since this morning"' in html
    assert "Is there a red light on the printer?" in html
    assert "Turned the printer off and on again" in html
    assert '<option selected value="printing">' in html
    assert re.search(r'checked id="impact-1"[^>]*value="team"', html)
    assert re.search(r'checked id="urgency-0"[^>]*value="high"', html)

    data = form_fields(client, f"/ask?run={key}")
    assert data["run"] == key
    response = client.post("/ask", data=ticket_data(
        client, f"/ask?run={key}", summary="Nothing prints", impact="team", urgency="high"))
    assert response.status_code == 302
    ticket = only_ticket(app)
    assert ticket.wizard_id == "printer"
    assert ticket.priority == "P2"
    questions = [i["question"] for i in ticket.transcript]
    assert "Is there a red light on the printer?" in questions
    assert {"question": "Already tried", "answer": "Turned the printer off and on again",
            "kind": "tried"} in ticket.transcript


def test_a_run_from_another_browser_is_not_shown(app: Flask, client: FlaskClient) -> None:
    key = make_run(app, client)
    stranger = app.test_client()
    html = stranger.get(f"/ask?run={key}").get_data(as_text=True)
    assert "red light" not in html
    assert "Nothing" not in html


def test_article_tried_is_noted(app: Flask, client: FlaskClient) -> None:
    html = client.get("/ask?article=KB-5").get_data(as_text=True)
    assert "You tried the article" in html and "KB-5" in html
    client.post("/ask", data=ticket_data(client, "/ask?article=KB-5"))
    assert only_ticket(app).transcript[-1]["answer"].startswith("KB-5: ")


def test_validation_error_keeps_everything_typed(app: Flask, client: FlaskClient) -> None:
    data = ticket_data(client, summary="Teams has no sound", description="Since Monday.\nAll calls",
                       name="", email="not-an-email", phone="ext 4123", impact="",
                       category="meetings")
    response = client.post("/ask", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert '<a href="#name">Enter your name' in html
    assert '<a href="#email">Enter an email address like' in html
    assert '<a href="#impact-0">Choose who is affected.' in html
    assert 'id="name-error"' in html
    assert 'value="Teams has no sound"' in html
    assert "Since Monday.\nAll calls</textarea>" in html
    assert 'value="not-an-email"' in html
    assert '<option selected value="meetings">' in html
    assert re.search(r'checked id="urgency-1"', html)
    assert "please choose it again" in html
    assert data["submission_key"] in html
    assert count_tickets(app) == 0


def test_post_without_csrf_token_is_rejected(app: Flask, client: FlaskClient) -> None:
    data = ticket_data(client)
    del data["csrf_token"]
    assert client.post("/ask", data=data).status_code == 400
    assert count_tickets(app) == 0


def test_double_submit_creates_one_ticket(app: Flask, client: FlaskClient) -> None:
    data = ticket_data(client)
    first = client.post("/ask", data=data)
    second = client.post("/ask", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count_tickets(app) == 1
    other = client.post("/ask", data=ticket_data(client))
    assert other.status_code == 302
    assert count_tickets(app) == 2


def test_ticket_is_saved_with_reference_deadline_and_event(app: Flask,
                                                          client: FlaskClient) -> None:
    response = client.post("/ask", data=ticket_data(client, impact="everyone", urgency="high",
                                                    phone="4123"))
    token = status_token(app, response.headers["Location"])
    ticket = only_ticket(app)
    assert ticket.token == token and len(token) >= 40
    assert ticket.priority == "P1"
    assert ticket.respond_by is not None and ticket.respond_by > ticket.created_at
    assert ticket.phone == "4123"
    assert ticket.reference == f"HD-{ticket.id:06d}"
    with app.app_context():
        kinds = db.session.scalars(select(TicketEvent.kind)).all()
    assert kinds == ["created"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Request sent" in page and ticket.reference in page
    assert "What happens next" in page
    assert re.search(r"by \d\d:\d\d (today|tomorrow|on )", page)
    assert token not in page and token not in response.headers["Location"]  # emailed only
    # No SMTP server in this test: the ticket is kept and the page says so.
    assert "We could not send you an email just now" in page


def test_password_in_description_is_redacted_and_warned(app: Flask,
                                                        client: FlaskClient) -> None:
    data = ticket_data(client, description="Outlook keeps asking. My password is Hunter2! ok")
    response = client.post("/ask", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "We removed a password" in html
    assert "Hunter2" not in html
    assert f"My password is {PASSWORD_MARK} ok" in html
    assert count_tickets(app) == 0
    # Sending again stores the redacted text, which the user has now seen.
    data["description"] = f"Outlook keeps asking. My password is {PASSWORD_MARK} ok"
    assert client.post("/ask", data=data).status_code == 302
    ticket = only_ticket(app)
    assert "Hunter2" not in ticket.description
    assert PASSWORD_MARK in ticket.description


def test_preview_shows_suggestions_and_keeps_input(app: Flask, client: FlaskClient) -> None:
    data = ticket_data(client, summary="printer offline", name="Ana")
    data.pop("send")
    data["preview"] = "1"
    response = client.post("/ask", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Check these articles first" in html
    assert "KB-5" in html
    assert 'value="Ana"' in html and 'value="printer offline"' in html
    assert count_tickets(app) == 0


def test_suggestions_endpoint_for_javascript(app: Flask, client: FlaskClient) -> None:
    data = client.get("/ask/suggestions?q=printer+offline").get_json()
    assert data["results"][0]["id"] == "KB-5"
    assert data["results"][0]["url"].startswith("/articles/5-")
    assert client.get("/ask/suggestions?q=pr").get_json() == {"results": []}
    with app.app_context():  # half-typed text is not a search for the worklist
        assert db.session.scalar(select(func.count()).select_from(SearchLog)) == 0


def test_internal_category_is_not_offered(client: FlaskClient) -> None:
    html = client.get("/ask").get_data(as_text=True)
    assert 'value="agents"' not in html
    assert 'value="printing"' in html


def test_hand_off_from_a_real_wizard_run(app: Flask, client: FlaskClient) -> None:
    """Walk the bundled printer wizard with "it did not work" answers to its hand-off, then
    send the ticket: the open answer is the summary and every answer is stored."""
    url = "/wizards/printer"
    html = client.get(url).get_data(as_text=True)
    action = re.search(r'<form[^>]*method="post"[^>]*action="([^"]+)"', html) or re.search(
        r'<form[^>]*action="([^"]+)"[^>]*method="post"', html)
    assert action
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    response = client.post(action.group(1), data={
        "csrf_token": token.group(1), "answer": "It says offline and <i>nothing</i> prints"})
    for _ in range(25):
        location = response.headers.get("Location", "")
        if location.startswith("/ask?run="):
            break
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        html = client.get(location).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        assert token
        values = re.findall(r'name="answer"[^>]*type="radio" value="([^"]+)"', html)
        data = {"csrf_token": token.group(1)}
        if values:  # a step or article: say it did not work; a question: the first answer
            data["answer"] = "no" if "no" in values else values[0]
        response = client.post(location, data=data)
    else:
        raise AssertionError("the wizard never handed off")
    run_key = location.split("=", 1)[1]
    page = client.get(location).get_data(as_text=True)
    assert 'value="It says offline and &lt;i&gt;nothing&lt;/i&gt; prints"' in page
    assert "Turn the printer off and on again" in page
    response = client.post("/ask", data=ticket_data(
        client, location, summary="It says offline and nothing prints"))
    assert response.status_code == 302
    ticket = only_ticket(app)
    assert ticket.wizard_id == "printer"
    assert ticket.transcript[0]["answer"] == "It says offline and <i>nothing</i> prints"
    assert any(i["kind"] == "tried" for i in ticket.transcript)
    assert form_fields(client, location)["run"] == run_key


def test_sending_is_rate_limited_per_address(app_factory) -> None:
    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    data = ticket_data(client)
    data.pop("send")
    data["preview"] = "1"
    codes = [client.post("/ask", data=data).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30
    assert codes[30] == 429
    assert client.get("/ask").status_code == 200  # reading the form is never limited


def test_instance_folder_and_uploads_are_private(app: Flask) -> None:
    import stat
    from pathlib import Path

    from kb.tickets.uploads import CheckedUpload

    mode = stat.S_IMODE(Path(app.instance_path).stat().st_mode)
    assert mode == 0o700
    with app.app_context():
        from kb.tickets.service import attach_file, attachment_path
        ticket = Ticket(summary="s", description="", name="n", email="n@example.org",
                        category="other")
        db.session.add(ticket)
        att = attach_file(ticket, CheckedUpload(data=b"%PDF-1.4 x", mime="application/pdf",
                                                extension="pdf", original_name="a.pdf"))
        assert stat.S_IMODE(attachment_path(att).stat().st_mode) == 0o600
