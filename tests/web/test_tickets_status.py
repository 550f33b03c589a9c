"""After sending: uploads, the confirmation email, the status page and its token."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kb.core.privacy import PASSWORD_MARK
from kb.extensions import db
from kb.models import Attachment, Ticket, TicketEvent
from kb.tickets.uploads import TOO_BIG, WRONG_TYPE
from tests.conftest import csrf_token
from tests.web.tickets_helpers import PNG, sent_url, status_token, ticket_data

SCRIPT = '<script>alert("x")</script>'


def send(client: FlaskClient, **fields: object) -> str:
    response = client.post("/ask", data=ticket_data(client, **fields),
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return status_token(client.application, response.headers["Location"])


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


# ---------------------------------------------------------------- uploads
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize(("data", "name", "mime"), [(JPEG, "photo.jpg", "image/jpeg"),
                                                    (PDF, "error.pdf", "application/pdf")])
def test_jpeg_and_pdf_are_accepted(app: Flask, client: FlaskClient, data: bytes, name: str,
                                   mime: str) -> None:
    send(client, screenshot=(io.BytesIO(data), name, "application/octet-stream"))
    with app.app_context():
        att = db.session.scalars(select(Attachment)).one()
        assert att.mime == mime and att.size == len(data)


def test_png_is_accepted_and_served_only_as_a_download(app: Flask, client: FlaskClient) -> None:
    token = send(client, screenshot=(io.BytesIO(PNG), "my screen.PNG", "image/png"))
    with app.app_context():
        att = db.session.scalars(select(Attachment)).one()
        stored = Path(app.config["UPLOAD_DIR"]) / att.stored_name
        assert att.mime == "image/png" and att.size == len(PNG)
        assert "my screen" not in att.stored_name
        assert att.original_name == "my screen.png"
        att_id = att.id
    assert stored.read_bytes() == PNG
    assert "static" not in str(stored)
    page = client.get(f"/status/{token}").get_data(as_text=True)
    url = f"/status/{token}/files/{att_id}"
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == PNG
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"/status/{'x' * 43}/files/{att_id}").status_code == 404
    other = send(client)
    assert client.get(f"/status/{other}/files/{att_id}").status_code == 404


def refused(app: Flask, client: FlaskClient, data: bytes, name: str, mime: str) -> str:
    response = client.post("/ask", data=ticket_data(
        client, screenshot=(io.BytesIO(data), name, mime)), content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert count(app, Ticket) == 0 and count(app, Attachment) == 0
    assert '<a href="#screenshot">' in html
    assert 'value="The printer on floor 2 says Offline"' in html
    assert "please choose it again" in html
    return html


def test_svg_html_and_disguised_files_are_refused(app: Flask, client: FlaskClient) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    message = WRONG_TYPE.replace("'", "&#39;")
    assert message in refused(app, client, svg, "picture.svg", "image/svg+xml")
    assert message in refused(app, client, b"<html><script>alert(1)</script></html>",
                              "page.html", "text/html")
    assert message in refused(app, client, b"just some text, honestly a PNG", "shot.png",
                              "image/png")
    assert not list(Path(app.config["UPLOAD_DIR"]).glob("*")) if Path(
        app.config["UPLOAD_DIR"]).exists() else True


def test_file_over_5_mb_is_refused_with_a_clear_message(app: Flask,
                                                         client: FlaskClient) -> None:
    big = PNG + b"\0" * (5 * 1024 * 1024)
    assert TOO_BIG in refused(app, client, big, "big.png", "image/png")


def test_request_far_over_the_limit_gets_a_plain_page(app: Flask, client: FlaskClient) -> None:
    huge = PNG + b"\0" * (7 * 1024 * 1024)
    response = client.post("/ask", data=ticket_data(
        client, screenshot=(io.BytesIO(huge), "huge.png", "image/png")),
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "The file is too big" in response.get_data(as_text=True)
    assert count(app, Ticket) == 0


# ---------------------------------------------------------------- email
def test_confirmation_email_has_reference_deadline_and_link(mail_app: Flask, inbox) -> None:
    client = mail_app.test_client()
    token = send(client, summary=f"Printer {SCRIPT}", name=f"Sam {SCRIPT}")
    with mail_app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        reference = ticket.reference
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "sam@example.org"
    assert reference in message["Subject"]
    parts = {p.get_content_type(): p.get_payload(decode=True).decode()
             for p in message.walk() if not p.is_multipart()}
    text, html = parts["text/plain"], parts["text/html"]
    link = f"http://localhost/status/{token}"
    for body in (text, html):
        assert reference in body
        assert link in body
        assert re.search(r"by \d\d:\d\d (today|tomorrow|on )", body)
    assert "What happens next" in html and "WHAT HAPPENS NEXT" in text
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    page = client.get(sent_url(client.application, token)).get_data(as_text=True)
    assert "We have sent a confirmation email to" in page


def test_failed_email_keeps_the_ticket(app: Flask, client: FlaskClient) -> None:
    token = send(client)  # MAIL_PORT 1: nothing listens
    assert count(app, Ticket) == 1
    page = client.get(sent_url(client.application, token)).get_data(as_text=True)
    assert "your request is saved" in page and "We will keep trying" in page


# ---------------------------------------------------------------- status page
def test_script_is_shown_as_text_on_confirmation_and_status(client: FlaskClient) -> None:
    token = send(client, summary=SCRIPT, description=f"{SCRIPT}\nline two", name=SCRIPT,
                 phone="")
    for url in (sent_url(client.application, token), f"/status/{token}"):
        html = client.get(url).get_data(as_text=True)
        assert SCRIPT not in html
        assert "&lt;script&gt;" in html
    data = {"csrf_token": csrf_token(client, f"/status/{token}"), "comment": SCRIPT}
    client.post(f"/status/{token}/comment", data=data)
    html = client.get(f"/status/{token}").get_data(as_text=True)
    assert SCRIPT not in html


def test_status_page_needs_the_right_token(client: FlaskClient) -> None:
    token = send(client, summary="Secret project printer")
    page = client.get(f"/status/{token}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    for bad in ("x" * 43, token[:-1], token[:-1] + ("A" if token[-1] != "A" else "B"), "1"):
        for url in (f"/status/{bad}", f"/ask/sent/{bad}"):
            response = client.get(url)
            assert response.status_code == 404
            body = response.get_data(as_text=True)
            assert "Secret project" not in body and "HD-0" not in body


def test_comment_is_added_to_the_timeline(app: Flask, client: FlaskClient) -> None:
    token = send(client)
    url = f"/status/{token}"
    assert client.post(f"{url}/comment", data={"comment": "no token"}).status_code == 400
    empty = client.post(f"{url}/comment",
                        data={"csrf_token": csrf_token(client, url), "comment": ""})
    assert empty.status_code == 400 and "Type your comment." in empty.get_data(as_text=True)
    response = client.post(f"{url}/comment", data={"csrf_token": csrf_token(client, url),
                                                   "comment": "It now says Paper jam."})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "It now says Paper jam." in page
    assert "We have added your comment" in page


def test_password_in_comment_is_redacted_before_saving(app: Flask, client: FlaskClient) -> None:
    token = send(client)
    url = f"/status/{token}"
    response = client.post(f"{url}/comment", data={
        "csrf_token": csrf_token(client, url), "comment": "my password is Hunter2!"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "We removed a password" in html and "Hunter2" not in html
    assert f"my password is {PASSWORD_MARK}" in html
    with app.app_context():
        assert db.session.scalars(select(TicketEvent.kind)).all() == ["created"]
    client.post(f"{url}/comment", data={"csrf_token": csrf_token(client, url),
                                        "comment": f"my password is {PASSWORD_MARK}"})
    with app.app_context():
        bodies = db.session.scalars(select(TicketEvent.body)).all()
    assert f"my password is {PASSWORD_MARK}" in bodies
    assert not any("Hunter2" in b for b in bodies)


def test_its_fixed_now_closes_the_ticket(app: Flask, client: FlaskClient) -> None:
    token = send(client)
    url = f"/status/{token}"
    assert client.post(f"{url}/fixed").status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Ticket)).one().status == "new"
    response = client.post(f"{url}/fixed", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.status == "closed"
        assert ticket.closed_at is not None
        assert [e.kind for e in ticket.events] == ["created", "closed"]
    page = client.get(url).get_data(as_text=True)
    assert "Status: Closed" in page
    assert "It&#39;s fixed now</button>" not in page
    assert "Add a comment" not in page


def test_agent_only_events_stay_hidden(app: Flask, client: FlaskClient) -> None:
    from kb.tickets.service import add_event

    token = send(client)
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        add_event(ticket, "note", "Internal: user is a VIP", author="Agent", public=False)
        add_event(ticket, "reply", "Please restart the printer.", author="Alex")
        db.session.commit()
    page = client.get(f"/status/{token}").get_data(as_text=True)
    assert "Please restart the printer." in page
    assert "VIP" not in page
