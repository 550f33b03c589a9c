"""Replies by email: real emails we sent (received by aiosmtpd), answered the way Gmail,
Outlook and Apple Mail answer, piped to ``flask kb receive-mail`` (a real subprocess, and
Click's runner), reach the ticket without their quotes and signature, or wait for an agent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from kb.config import ROOT
from kb.extensions import db
from kb.models import Attachment, InboundMessage, Ticket, utcnow
from kb.tickets.lifecycle import TicketStatus
from tests.conftest import email_text

from .agent_helpers import make_agent, make_ticket
from .inbound_helpers import (
    INBOUND,
    agent_reply,
    apple_text,
    ask,
    email_comments,
    everything_stored,
    gmail_text,
    held,
    outlook_text,
    pipe,
    reply,
    ticket_row,
)
from .tickets_helpers import PNG


@pytest.fixture
def site(mail_app: Flask, inbox: Any) -> Flask:
    mail_app.config["INBOUND_ADDRESS"] = INBOUND
    return mail_app


# ---------------------------------------------------------------- our side: reply addresses
def test_every_ticket_email_has_a_signed_reply_address_and_says_so(site: Flask,
                                                                  inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    with site.app_context():
        token = db.session.get(Ticket, ticket_id).token  # type: ignore[union-attr]
    reply_to = str(confirmation["Reply-To"])
    assert reply_to.startswith("Help desk <help+t-") and reply_to.endswith("@example.org>")
    assert token not in reply_to  # never the status link's token
    assert confirmation["Message-ID"]
    assert "You can also answer by replying to this email." in email_text(confirmation)
    second = agent_reply(site, inbox, ticket_id, "Please restart the printer.")
    assert second["Reply-To"] == confirmation["Reply-To"]
    assert second["Message-ID"] != confirmation["Message-ID"]


def test_without_an_inbound_address_nothing_changes(mail_app: Flask, inbox: Any) -> None:
    mail_app.config["INBOUND_ADDRESS"] = ""
    _ticket_id, confirmation = ask(mail_app, inbox)
    assert confirmation["Reply-To"] is None
    assert "replying to this email" not in email_text(confirmation)


# ---------------------------------------------------------------- piped by an MTA
def test_gmail_reply_piped_to_a_real_flask_process_reaches_the_ticket(
        site: Flask, inbox: Any, tmp_path: Path) -> None:
    """Postfix's pipe, for real: a new process configured by KB_* variables only."""
    ticket_id, confirmation = ask(site, inbox)
    text = gmail_text("It is still offline after the restart.\nThe light is orange.\n\n"
                      "--\nSam Jones\nFinance, 2nd floor", confirmation, wrap=True)
    cfg = site.config
    env = {**os.environ, "FLASK_APP": "kb:create_app", "KB_INSTANCE_PATH": str(tmp_path),
           "KB_DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"], "KB_SECRET_KEY": "test-secret",
           "KB_INBOUND_ADDRESS": INBOUND, "KB_BASE_URL": cfg["BASE_URL"],
           "KB_INDEX_DIR": cfg["INDEX_DIR"], "KB_INDEX_ON_START": "false",
           "KB_UPLOAD_DIR": cfg["UPLOAD_DIR"]}
    done = subprocess.run([sys.executable, "-m", "flask", "kb", "receive-mail"], cwd=ROOT,
                          env=env, input=reply(confirmation, text), capture_output=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert b"Added to HD-" in done.stdout
    comments = email_comments(site, ticket_id)
    assert [c.body for c in comments] == [
        "It is still offline after the restart.\nThe light is orange."]
    assert comments[0].public and comments[0].author == "Sam Jones"
    # A reply from the address to our signed address proves the address is theirs.
    assert ticket_row(site, ticket_id).verified_at is not None


def test_not_an_email_is_a_data_error_and_a_dead_database_a_temporary_one(
        site: Flask, tmp_path: Path) -> None:
    assert pipe(site, b"").exit_code == 65
    assert pipe(site, b"just some words, no headers at all\n").exit_code == 65
    env = {**os.environ, "FLASK_APP": "kb:create_app", "KB_INSTANCE_PATH": str(tmp_path),
           "KB_DATABASE_URL": "postgresql://kb@127.0.0.1:19198/nothing-listens-here",
           "KB_SECRET_KEY": "test-secret", "KB_INBOUND_ADDRESS": INBOUND,
           "KB_INDEX_DIR": site.config["INDEX_DIR"], "KB_INDEX_ON_START": "false"}
    raw = b"From: sam@example.org\r\nTo: help@example.org\r\nSubject: hi\r\n\r\nHello\r\n"
    done = subprocess.run([sys.executable, "-m", "flask", "kb", "receive-mail"], cwd=ROOT,
                          env=env, input=raw, capture_output=True, timeout=120)
    assert done.returncode == 75, done.stderr.decode()  # the MTA keeps it and tries again
    assert b"try again later" in done.stderr


@pytest.mark.parametrize("client", ["outlook", "apple"])
def test_outlook_and_apple_mail_replies_lose_quotes_and_signature(site: Flask, inbox: Any,
                                                                  client: str) -> None:
    ticket_id, confirmation = ask(site, inbox)
    new = "Yes, it prints again now. Thank you!"
    if client == "outlook":
        text = outlook_text(f"{new}\n\nBest regards,\nSam Jones\nFinance", confirmation)
        raw = reply(confirmation, text, threaded=False,  # Outlook often leaves them out
                    headers={"Thread-Index": "AQHZ1a2b3c4d5e6f7g8h9i0j"})
    else:
        raw = reply(confirmation, apple_text(new, confirmation), flowed=True)
    result = pipe(site, raw)
    assert result.exit_code == 0, result.output
    assert [c.body for c in email_comments(site, ticket_id)] == [new]
    stored = everything_stored(site)
    assert "Best regards" not in stored and "Sent from my iPhone" not in stored
    assert "/status/" not in stored.replace("[status link removed]", "")


def test_html_only_reply_loses_the_gmail_quote(site: Flask, inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    html = ('<div dir="ltr">The screen stays black.<br>Only the fan runs.</div><br>'
            '<div class="gmail_quote"><div class="gmail_attr">On Mon, Help desk wrote:</div>'
            f'<blockquote class="gmail_quote">{email_text(confirmation)}</blockquote></div>')
    raw = reply(confirmation, "", html=html)
    assert b"text/plain" not in raw
    assert pipe(site, raw).exit_code == 0
    bodies = [c.body for c in email_comments(site, ticket_id)]
    assert bodies == ["The screen stays black.\nOnly the fan runs."]


def test_an_answer_moves_a_waiting_ticket_and_a_second_delivery_adds_nothing(
        site: Flask, inbox: Any) -> None:
    ticket_id, _ = ask(site, inbox)
    with site.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = TicketStatus.WAITING.value
        db.session.commit()
    question = agent_reply(site, inbox, ticket_id, "Which floor is the printer on?")
    raw = reply(question, gmail_text("Floor 2, by the kitchen.", question))
    assert pipe(site, raw).exit_code == 0
    assert pipe(site, raw).exit_code == 0  # the MTA delivered it twice
    assert len(email_comments(site, ticket_id)) == 1
    assert ticket_row(site, ticket_id).status == TicketStatus.IN_PROGRESS.value
    assert len(held(site)) == 1


def test_in_reply_to_alone_finds_the_ticket_but_does_not_verify(site: Flask,
                                                                 inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    raw = reply(confirmation, gmail_text("It works now.", confirmation),
                to="help@example.org")  # the plain address, no reply token
    assert pipe(site, raw).exit_code == 0
    assert [c.body for c in email_comments(site, ticket_id)] == ["It works now."]
    assert ticket_row(site, ticket_id).verified_at is None


def test_the_envelope_recipient_counts_when_the_headers_lack_it(site: Flask,
                                                                 inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    raw = reply(confirmation, "Fixed, thanks.", to="undisclosed-recipients:;",
                threaded=False)
    result = pipe(site, raw, "--recipient", str(confirmation["Reply-To"]).split("<")[1][:-1])
    assert result.exit_code == 0, result.output
    assert [c.body for c in email_comments(site, ticket_id)] == ["Fixed, thanks."]


# ---------------------------------------------------------------- held for an agent
def test_wrong_sender_is_held(site: Flask, inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    raw = reply(confirmation, gmail_text("Please close this.", confirmation),
                sender="Mallory <mallory@example.net>")
    result = pipe(site, raw)
    assert result.exit_code == 0 and "Held for an agent (wrong sender" in result.output
    assert email_comments(site, ticket_id) == []
    [row] = held(site)
    assert (row.state, row.reason, row.ticket_id) == ("held", "wrong sender", ticket_id)
    assert row.from_addr == "mallory@example.net" and row.body == "Please close this."
    assert ticket_row(site, ticket_id).verified_at is None


def test_the_sender_check_ignores_letter_case(site: Flask, inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    raw = reply(confirmation, "Working now.", sender="Sam Jones <Sam@EXAMPLE.org>")
    assert pipe(site, raw).exit_code == 0
    assert len(email_comments(site, ticket_id)) == 1


@pytest.mark.parametrize("forge", ["altered", "other ticket", "no signature"])
def test_forged_or_altered_token_is_held(site: Flask, inbox: Any, forge: str) -> None:
    first, confirmation = ask(site, inbox)
    second, _ = ask(site, inbox, email="kim@example.org")
    address = str(confirmation["Reply-To"]).split("<")[1][:-1]
    local, domain = address.split("@")
    number, signature = local.removeprefix("help+t-").split("-")
    if forge == "altered":
        signature = signature[:-1] + ("a" if signature[-1] != "a" else "b")
    elif forge == "other ticket":
        number = str(second)
    else:
        signature = ""
    forged = f"help+t-{number}-{signature}@{domain}".replace("--", "-")
    raw = reply(confirmation, "Hello", to=forged, sender="Kim <kim@example.org>")
    assert pipe(site, raw).exit_code == 0
    assert email_comments(site, first) == [] and email_comments(site, second) == []
    [row] = held(site)
    assert row.reason == "bad token" and row.ticket_id is None


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},  # Outlook, RFC 3834
    {"X-Autoreply": "yes"},
    {"Precedence": "bulk"},
    {"Precedence": "auto_reply"},
    {"Precedence": "list", "List-Id": "<it-staff.example.org>"},
])
def test_auto_replies_are_held_and_never_answered(site: Flask, inbox: Any,
                                                  headers: dict[str, str]) -> None:
    ticket_id, confirmation = ask(site, inbox)
    sent_before = len(inbox.messages)
    raw = reply(confirmation, "I am out of the office until Monday.", headers=headers)
    assert pipe(site, raw).exit_code == 0
    assert email_comments(site, ticket_id) == []
    assert [r.reason for r in held(site)] == ["auto-reply"]
    assert len(inbox.messages) == sent_before  # nothing was emailed back


def test_closed_ticket_is_not_reopened(site: Flask, inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    with site.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status, ticket.closed_at = TicketStatus.CLOSED.value, utcnow()
        db.session.commit()
    assert pipe(site, reply(confirmation, "It broke again.")).exit_code == 0
    assert ticket_row(site, ticket_id).status == "closed"
    assert [r.reason for r in held(site)] == ["closed ticket"]


def test_nothing_left_once_quotes_are_cut_is_held(site: Flask, inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    assert pipe(site, reply(confirmation, gmail_text("", confirmation))).exit_code == 0
    assert email_comments(site, ticket_id) == []
    assert [r.reason for r in held(site)] == ["no text"]


def test_too_big_is_held_with_only_sender_and_subject(site: Flask, inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    site.config["INBOUND_MAX_BYTES"] = 50_000
    raw = reply(confirmation, "See the photo.", files=[("photo.png", "image/png",
                                                         PNG + os.urandom(60_000))])
    assert pipe(site, raw).exit_code == 0
    [row] = held(site)
    assert (row.reason, row.ticket_id, row.body) == ("too big", ticket_id, "")
    assert row.subject.startswith("Re: We have your request")


def test_a_secret_in_the_reply_is_redacted_and_the_status_link_never_kept(
        site: Flask, inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    with site.app_context():
        token = db.session.get(Ticket, ticket_id).token  # type: ignore[union-attr]
    assert token in email_text(confirmation)  # our email quoted below carries the link
    text = "Still locked out. My password is Winter2026! if that helps.\n\n" \
           f"Old link: http://localhost/status/{token}"
    assert pipe(site, reply(confirmation, gmail_text(text, confirmation))).exit_code == 0
    [comment] = email_comments(site, ticket_id)
    assert "[password removed]" in comment.body and "[status link removed]" in comment.body
    stored = everything_stored(site)
    assert "Winter2026" not in stored
    assert stored.count(token) == 1  # only the ticket's own token column


def test_an_attachment_that_fails_the_upload_checks_is_dropped_with_a_note(
        site: Flask, inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    raw = reply(confirmation, "Screenshot and the tool I was told to run.", files=[
        ("screen.png", "image/png", PNG),
        ("fix.exe", "application/octet-stream", b"MZ\x90\x00" + b"\x00" * 200),
        ("page.png", "image/png", b"<html><script>alert(1)</script></html>"),
    ])
    assert pipe(site, raw).exit_code == 0
    [comment] = email_comments(site, ticket_id)
    assert comment.body.startswith("Screenshot and the tool I was told to run.")
    assert 'We did not keep the file "fix.exe"' in comment.body
    assert 'We did not keep the file "page.png"' in comment.body
    ticket = ticket_row(site, ticket_id)
    assert [(a.original_name, a.mime) for a in ticket.attachments] == [
        ("screen.png", "image/png")]
    with site.app_context():
        stored = db.session.scalars(select(Attachment)).all()
        path = Path(site.config["UPLOAD_DIR"]) / stored[0].stored_name
    assert path.read_bytes() == PNG


def test_comments_by_email_say_so_on_both_ticket_pages(site: Flask, inbox: Any) -> None:
    from .agent_helpers import login

    ticket_id, confirmation = ask(site, inbox)
    assert pipe(site, reply(confirmation, "The toner light blinks.")).exit_code == 0
    with site.app_context():
        token = db.session.get(Ticket, ticket_id).token  # type: ignore[union-attr]
    page = site.test_client().get(f"/status/{token}").get_data(as_text=True)
    assert "Comment by email" in page and "The toner light blinks." in page
    agent = site.test_client()
    make_agent(site)
    login(agent)
    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert 'class="tag by-email">by email</span>' in page


def test_held_message_can_be_added_from_the_model(site: Flask, inbox: Any) -> None:
    """The service the inbox page calls: the comment, an internal note, the message done."""
    from kb.tickets.inbound import add_held

    ticket_id = make_ticket(site, email="kim@example.org", status="waiting on user")
    assert pipe(site, b"From: Kim <kim@example.org>\r\nTo: help@example.org\r\n"
                      b"Subject: printer\r\n\r\nIt is fine now.\r\n").exit_code == 0
    agent_id = make_agent(site)
    with site.app_context():
        row = db.session.scalar(select(InboundMessage))
        ticket = db.session.get(Ticket, ticket_id)
        assert row is not None and ticket is not None and row.reason == "no ticket"
        add_held(row, ticket, agent_id, "Ana Agent")
        db.session.commit()
    assert [c.body for c in email_comments(site, ticket_id)] == ["It is fine now."]
    assert [(r.state, r.ticket_id, r.handled_by_id) for r in held(site)] == [
        ("added", ticket_id, agent_id)]
    assert ticket_row(site, ticket_id).status == "in progress"


# ---------------------------------------------------------------- forged senders
def _vouched(raw: bytes, *results: str) -> bytes:
    """Authentication-Results headers prepended, as each receiving server adds its own on top."""
    return b"".join(f"Authentication-Results: {r}\r\n".encode() for r in results) + raw


@pytest.mark.parametrize(("results", "added"), [
    (["mx.example.org; spf=pass smtp.mailfrom=sam@example.org; dkim=pass header.d=example.org;"
      " dmarc=pass (p=reject) header.from=example.org"], True),
    (["mx.example.org 1; dkim=pass (2048-bit key) header.d=EXAMPLE.org header.s=s1"], True),
    (["mx.example.org; spf=fail smtp.mailfrom=sam@example.org; dkim=none; dmarc=fail"], False),
    # DKIM passed, but for the forger's own domain, not the From address's
    (["mx.example.org; dkim=pass header.d=evil.example.net; dmarc=fail"], False),
    # a header the sender wrote themselves, naming another server, counts for nothing
    (["mx.example.org; spf=softfail smtp.mailfrom=sam@example.org",
      "mx.evil.example.net; dmarc=pass header.from=example.org"], False),
    ([], False),
])
def test_with_an_authserv_id_only_replies_our_mail_server_vouches_for_are_added(
        site: Flask, inbox: Any, results: list[str], added: bool) -> None:
    site.config["INBOUND_AUTHSERV_ID"] = "mx.example.org"
    ticket_id, confirmation = ask(site, inbox)
    raw = _vouched(reply(confirmation, "It works again."), *results)
    assert pipe(site, raw).exit_code == 0
    if added:
        assert [c.body for c in email_comments(site, ticket_id)] == ["It works again."]
        assert [row.state for row in held(site)] == ["added"]
    else:
        assert email_comments(site, ticket_id) == []
        [row] = held(site)
        assert (row.state, row.reason, row.ticket_id) == ("held", "unauthenticated", ticket_id)


def test_without_an_authserv_id_the_headers_are_not_read(site: Flask, inbox: Any) -> None:
    ticket_id, confirmation = ask(site, inbox)
    raw = _vouched(reply(confirmation, "Fine now."), "mx.example.org; dmarc=fail")
    assert pipe(site, raw).exit_code == 0
    assert len(email_comments(site, ticket_id)) == 1
