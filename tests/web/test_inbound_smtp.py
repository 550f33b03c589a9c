"""The built-in SMTP receiver (aiosmtpd) for real: replies sent to it with smtplib reach the
ticket; mail for other domains is refused (it never relays); the agent inbox shows what
waits, behind sign-in and CSRF, and adds or discards it."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from kb.extensions import db
from kb.models import Agent, Ticket, TicketEvent
from kb.tickets.smtp_receiver import make_receiver

from .agent_helpers import login, make_agent, make_ticket, token_from
from .inbound_helpers import (
    INBOUND,
    apple_text,
    ask,
    email_comments,
    gmail_text,
    held,
    reply,
    ticket_row,
)
from .outbox_helpers import port_in_range

# A server on a fixed port range: one xdist process runs these.
pytestmark = pytest.mark.xdist_group("inbound-smtp")


@pytest.fixture
def site(mail_app: Flask, inbox: Any) -> Flask:
    mail_app.config["INBOUND_ADDRESS"] = INBOUND
    return mail_app


@contextmanager
def receiver(app: Flask) -> Iterator[int]:
    port = port_in_range(19100, 19199)
    controller = make_receiver(app, "127.0.0.1", port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def send(port: int, raw: bytes, sender: str, recipients: list[str]) -> dict[str, Any]:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        return smtp.sendmail(sender, recipients, raw)


def reply_address(message: Message) -> str:
    return str(message["Reply-To"]).split("<")[1].rstrip(">")


def test_replies_sent_by_smtp_reach_the_ticket(site: Flask, inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    gmail = reply(confirmation, gmail_text(
        "Restarting did not help.\n- I tried another cable\n- I tried another socket\n\n"
        "-- \nSam Jones | Finance", confirmation))
    apple = reply(confirmation, apple_text("Now it shows Paper jam.", confirmation))
    with receiver(site) as port:
        for raw in (gmail, apple):
            assert send(port, raw, "sam@example.org", [reply_address(confirmation)]) == {}
    assert [c.body for c in email_comments(site, ticket_id)] == [
        "Restarting did not help.\n- I tried another cable\n- I tried another socket",
        "Now it shows Paper jam."]
    assert [r.state for r in held(site)] == ["added", "added"]


def test_the_receiver_takes_mail_only_for_our_domain(site: Flask, inbox: Any) -> None:
    _ticket_id, confirmation = ask(site, inbox)
    raw = reply(confirmation, "Hello", to="someone@elsewhere.example.com")
    with receiver(site) as port, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(port, raw, "sam@example.org", ["someone@elsewhere.example.com"])
    code, words = refused.value.recipients["someone@elsewhere.example.com"]
    assert code == 550 and b"only take mail for the help desk" in words
    assert held(site) == []


def test_a_wrong_sender_by_smtp_is_held(site: Flask, inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    raw = reply(confirmation, "Hi, I am the new owner of this.",
                sender="Eve <eve@example.net>")
    with receiver(site) as port:
        send(port, raw, "eve@example.net", [reply_address(confirmation)])
    assert email_comments(site, ticket_id) == []
    assert [(r.reason, r.ticket_id) for r in held(site)] == [("wrong sender", ticket_id)]


def test_not_an_email_is_refused_for_good(site: Flask) -> None:
    with receiver(site) as port, smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("x@example.net")
        smtp.rcpt("help@example.org")
        code, _words = smtp.data(b"no headers here, only words")
    assert code == 554
    assert held(site) == []


# ---------------------------------------------------------------- the agent inbox
def _held_by_smtp(site: Flask, inbox: Any) -> tuple[int, int]:
    """A ticket and a stranger's reply to it, held; (ticket id, other open ticket id)."""
    ticket_id, confirmation = ask(site, inbox)
    other = make_ticket(site, summary="Laptop will not charge", email="kim@example.org")
    raw = reply(confirmation, "Sam is away, I sit next to the printer: it works now.",
                sender="Lee <lee@example.org>")
    with receiver(site) as port:
        send(port, raw, "lee@example.org", [reply_address(confirmation)])
    return ticket_id, other


def test_the_inbox_needs_sign_in(site: Flask, inbox: Any) -> None:
    _held_by_smtp(site, inbox)
    client = site.test_client()
    response = client.get("/agent/inbox")
    assert response.status_code == 302 and "/agent/login" in response.headers["Location"]
    [row] = held(site)
    response = client.post(f"/agent/inbox/{row.id}/discard")
    assert response.status_code in (302, 400)
    assert [r.state for r in held(site)] == ["held"]


def test_agent_sees_held_mail_and_adds_it_to_its_ticket(site: Flask, inbox: Any) -> None:
    ticket_id, _other = _held_by_smtp(site, inbox)
    make_agent(site)
    client = site.test_client()
    login(client)
    page = client.get("/agent/tickets").get_data(as_text=True)
    assert '<span class="count">1</span>' in page  # the nav says one email waits
    page = client.get("/agent/inbox").get_data(as_text=True)
    [row] = held(site)
    assert "It came from another address than the one on the ticket." in page
    assert "lee@example.org" in page and "it works now." in page
    assert f"Add to HD-{ticket_id:06d}" in page
    # Without the CSRF token nothing happens.
    response = client.post(f"/agent/inbox/{row.id}/add", data={"ticket_id": ticket_id})
    assert response.status_code == 400
    assert email_comments(site, ticket_id) == []
    response = client.post(f"/agent/inbox/{row.id}/add", data={
        "ticket_id": ticket_id, "csrf_token": token_from(page)})
    assert response.status_code == 302
    [comment] = email_comments(site, ticket_id)
    assert comment.body == "Sam is away, I sit next to the printer: it works now."
    assert comment.author == "lee@example.org" and comment.public
    with site.app_context():
        notes = db.session.scalars(select(TicketEvent.body).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "note")).all()
        agent_id = db.session.scalar(select(Agent.id))
    assert any("added from the inbox by Ana Agent" in n for n in notes)
    assert [(r.state, r.handled_by_id) for r in held(site)] == [("added", agent_id)]
    page = client.get("/agent/inbox").get_data(as_text=True)
    assert "No emails are waiting." in page and 'class="count"' not in page
    # A message already handled cannot be added twice.
    response = client.post(f"/agent/inbox/{row.id}/add", data={
        "ticket_id": ticket_id, "csrf_token": token_from(page)})
    assert response.status_code == 409
    assert len(email_comments(site, ticket_id)) == 1


def test_agent_adds_unmatched_mail_to_a_chosen_ticket_or_discards_it(site: Flask,
                                                                     inbox: Any) -> None:
    other = make_ticket(site, summary="Laptop will not charge", email="kim@example.org")
    plain = (b"From: Kim <kim@example.org>\r\nTo: help@example.org\r\nSubject: charger\r\n"
             b"Message-ID: <%d@example.org>\r\n\r\nThe new charger works.\r\n")
    with receiver(site) as port:
        send(port, plain % 1, "kim@example.org", ["help@example.org"])
        send(port, plain % 2, "kim@example.org", ["help@example.org"])
    first, second = held(site)
    assert first.reason == second.reason == "no ticket"
    make_agent(site)
    client = site.test_client()
    login(client)
    page = client.get("/agent/inbox").get_data(as_text=True)
    assert f'<option value="{other}">HD-{other:06d} Laptop will not charge' in page
    token = token_from(page)
    assert client.post(f"/agent/inbox/{first.id}/add",
                       data={"ticket_id": other, "csrf_token": token}).status_code == 302
    assert client.post(f"/agent/inbox/{second.id}/discard",
                       data={"csrf_token": token}).status_code == 302
    assert [c.body for c in email_comments(site, other)] == ["The new charger works."]
    assert [r.state for r in held(site)] == ["added", "discarded"]
    with site.app_context():
        ticket = db.session.get(Ticket, other)
        assert ticket is not None and ticket.status == "new"
    assert ticket_row(site, other).verified_at is not None  # make_ticket's, untouched
