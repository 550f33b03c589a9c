"""Replies shaped like the ones real mail programs send (Gmail, Outlook, Apple Mail): the
new text on top, a signature, then the quote header and our own email quoted below it."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid
from typing import Any

from flask import Flask
from sqlalchemy import select

from kb.extensions import db
from kb.models import InboundMessage, Ticket, TicketEvent, utcnow
from tests.conftest import email_text

from .agent_helpers import make_agent
from .tickets_helpers import receipt, ticket_data

WHEN = "Mon, 1 Dec 2026 at 16:02"
INBOUND = "Help desk <help@example.org>"  # INBOUND_ADDRESS in these tests


def ask(app: Flask, inbox: Any, **fields: Any) -> tuple[int, Message]:
    """Send the ticket form; the ticket's id and the confirmation email as received."""
    client = app.test_client()
    response = client.post("/ask", data=ticket_data(client, **fields))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        ticket_id = db.session.scalar(select(Ticket.id).where(
            Ticket.receipt == receipt(response.headers["Location"])))
    assert ticket_id is not None
    assert inbox.messages, "the confirmation email never reached the mail server"
    return ticket_id, inbox.messages[-1]


def agent_reply(app: Flask, inbox: Any, ticket_id: int, text: str) -> Message:
    """An agent's reply, as the requester receives it (they opened their link first: only
    then are replies emailed)."""
    from kb.agents.actions import reply as send_reply
    from kb.models import Agent

    before = len(inbox.messages)
    with app.app_context():
        agent = db.session.get(Agent, make_agent(app))
        ticket = db.session.get(Ticket, ticket_id)
        assert agent is not None and ticket is not None
        ticket.verified_at = ticket.verified_at or utcnow()
        send_reply(ticket, text, agent)
        db.session.commit()  # services flush; the email leaves after the commit
    assert len(inbox.messages) == before + 1
    return inbox.messages[-1]


def pipe(app: Flask, raw: bytes, *args: str) -> Any:
    """``flask kb receive-mail`` through Click's runner, the message on standard input."""
    return app.test_cli_runner().invoke(args=["kb", "receive-mail", *args], input=raw)




def quoted(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines())


def gmail_text(new: str, original: Message, wrap: bool = False) -> str:
    """Gmail: "On <date>, <name> <<address>> wrote:", wrapped when long, then "> " lines."""
    sender = str(original["Reply-To"] or original["From"])
    name, _, address = sender.partition(" <")
    header = (f"On {WHEN}, {name} <\n{address} wrote:" if wrap
              else f"On {WHEN}, {name} <{address} wrote:")
    return f"{new}\n\n{header}\n\n{quoted(email_text(original))}\n"


def outlook_text(new: str, original: Message) -> str:
    """Outlook: a line of underscores, From/Sent/To/Subject, the old email unquoted."""
    return (f"{new}\n\n________________________________\n"
            f"From: {original['From']}\nSent: Monday, December 1, 2026 4:02 PM\n"
            f"To: {original['To']}\nSubject: {original['Subject']}\n\n"
            f"{email_text(original)}\n")


def apple_text(new: str, original: Message) -> str:
    """Apple Mail on an iPhone: "Sent from my iPhone", then "> On <date>, … wrote:"."""
    return (f"{new}\n\nSent from my iPhone\n\n> On 1 Dec 2026, at 16:02, "
            f"{original['Reply-To'] or original['From']} wrote:\n>\n"
            f"{quoted(email_text(original))}\n")


def reply(original: Message, text: str, *, sender: str = "Sam Jones <sam@example.org>",
          to: str | None = None, html: str | None = None,
          headers: dict[str, str] | None = None,
          files: list[tuple[str, str, bytes]] | None = None, threaded: bool = True,
          flowed: bool = False) -> bytes:
    """A reply to one of our emails, as bytes on the wire. ``to`` defaults to where the
    Reply-To pointed (else our From), as a mail program's Reply button does."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to or str(original["Reply-To"] or original["From"])
    msg["Subject"] = f"Re: {original['Subject']}"
    msg["Date"] = format_datetime(datetime(2026, 12, 2, 9, 14, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(domain="mail.example.net")
    if threaded:
        msg["In-Reply-To"] = str(original["Message-ID"])
        msg["References"] = str(original["Message-ID"])
    for name, value in (headers or {}).items():
        msg[name] = value
    if flowed:
        msg.set_content(text, params={"format": "flowed"})
    elif text:
        msg.set_content(text)
    if html is not None and text:
        msg.add_alternative(html, subtype="html")
    elif html is not None:  # some mail programs send HTML only
        msg.set_content(html, subtype="html")
    for filename, ctype, data in files or []:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=policy.SMTP)


def held(app: Flask) -> list[InboundMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
        db.session.expunge_all()
        return rows


def email_comments(app: Flask, ticket_id: int) -> list[TicketEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.via == "email")
            .order_by(TicketEvent.id)))
        db.session.expunge_all()
        return rows


def ticket_row(app: Flask, ticket_id: int) -> Ticket:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.attachments  # noqa: B018 - load before the session closes
        db.session.expunge(ticket)
        return ticket


def everything_stored(app: Flask) -> str:
    """Every column of every table but our own outbox (whose emails carry the status link
    on purpose), joined: to check that nothing from a reply keeps a secret."""
    parts: list[Any] = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name == "outbox_email":
                continue
            for row in db.session.execute(table.select()):
                parts.extend(str(v) for v in row if v is not None)
    return "\n".join(parts)
