"""Replies by email: one raw RFC 5322 message in, a comment on its ticket or a message held
for an agent out. ``flask kb receive-mail`` (an MTA pipes mail to it) and the built-in SMTP
receiver both call :func:`receive`, which flushes; the caller commits.

The ticket is found from the signed reply address (``kb.tickets.replyaddr``) among the
recipients, else from In-Reply-To/References naming an email we sent. The reply is added
only when it comes from the requester's own address to an open ticket; everything else
(no ticket, a forged token, a stranger, a closed ticket, an auto-reply, too big, nothing
left once quotes are cut, a sender our mail server could not vouch for) is held in the agent
inbox with its reason. Nothing is ever emailed back: an auto-reply answering our auto-reply
is how mail loops start.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from enum import StrEnum
from io import BytesIO
from typing import cast

from flask import current_app
from sqlalchemy import func, select

from kb.core.privacy import redact
from kb.extensions import db
from kb.models import InboundMessage, OutboxEmail, Ticket, TicketEvent, utcnow
from kb.states import InboundState
from kb.tickets.inbound_text import body_text, cut, latest_reply, scrub_status_links
from kb.tickets.lifecycle import TicketStatus, move, record
from kb.tickets.mailauth import authenticated
from kb.tickets.replyaddr import token_in
from kb.tickets.service import attach_file
from kb.tickets.uploads import CheckedUpload, UploadError, check_upload

log = logging.getLogger(__name__)

MAX_ATTACHMENTS = 5
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
# Signatures of signed mail, not files anyone sent us: left out without a note.
SIGNATURE_TYPES = {"application/pgp-signature", "application/pkcs7-signature",
                   "application/x-pkcs7-signature"}
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")


class Reason(StrEnum):
    """Why a message was held for an agent instead of added to a ticket."""

    NO_TICKET = "no ticket"
    BAD_TOKEN = "bad token"
    UNKNOWN_TICKET = "unknown ticket"
    WRONG_SENDER = "wrong sender"
    CLOSED = "closed ticket"
    AUTO_REPLY = "auto-reply"
    TOO_BIG = "too big"
    NO_TEXT = "no text"
    UNAUTHENTICATED = "unauthenticated"


REASON_WORDS: dict[str, str] = {
    Reason.NO_TICKET: "It does not answer one of our emails, so we do not know the ticket.",
    Reason.BAD_TOKEN: "The reply address was changed or made up: it was not signed by us.",
    Reason.UNKNOWN_TICKET: "The reply address names a ticket that no longer exists.",
    Reason.WRONG_SENDER: "It came from another address than the one on the ticket.",
    Reason.CLOSED: "The ticket is closed. Adding it does not open the ticket again.",
    Reason.AUTO_REPLY: "It was sent by a machine (an out-of-office reply, a bounce or a list).",
    Reason.TOO_BIG: "The email was too big to read. Only who sent it and the subject are kept.",
    Reason.NO_TEXT: "Nothing was left once the quoted old emails and the signature were cut.",
    Reason.UNAUTHENTICATED: "Our mail server could not confirm it really came from that "
                            "address (SPF, DKIM and DMARC did not pass). It may be forged.",
}


class Unreadable(ValueError):
    """The input is not an email at all (EX_DATAERR for the MTA: retrying will not help)."""


# ---------------------------------------------------------------- reading the message
def parse(raw: bytes, headers_only: bool = False) -> EmailMessage:
    """The message, parsed by the standard library (policy=default)."""
    if not raw.strip():
        raise Unreadable("the input is empty")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw, headersonly=headers_only)
        names = message.keys()
    except Exception as exc:  # the parser is lenient; what still breaks it is not mail
        raise Unreadable(f"not an email: {type(exc).__name__}") from exc
    if not names:
        raise Unreadable("no headers: this is not an email")
    return cast(EmailMessage, message)


def header(message: EmailMessage, name: str) -> str:
    """One header as text; a header too broken to parse is read as it came."""
    return " ".join(all_headers(message, name)[:1])


def all_headers(message: EmailMessage, name: str) -> list[str]:
    try:
        return [str(v) for v in message.get_all(name) or []]
    except Exception:
        return [str(v) for k, v in message.raw_items() if k.lower() == name.lower()]


def addresses(message: EmailMessage, *names: str) -> list[str]:
    values = [v for name in names for v in all_headers(message, name)]
    return [addr.strip().lower() for _name, addr in getaddresses(values) if "@" in addr]


def is_auto_reply(message: EmailMessage) -> bool:
    """Out-of-office replies, bounces and list mail (RFC 3834 and what servers really send)."""
    auto = header(message, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return True
    if header(message, "X-Autoreply") or header(message, "X-Autorespond"):
        return True
    if header(message, "Precedence").strip().lower() in {"bulk", "auto_reply", "list", "junk"}:
        return True
    if header(message, "List-Id") or header(message, "Return-Path").strip() == "<>":
        return True
    sender = (addresses(message, "From") or [""])[0]
    return (message.get_content_type() == "multipart/report"
            or sender.startswith(("mailer-daemon@", "postmaster@")))


def attachments(message: EmailMessage) -> tuple[list[CheckedUpload], list[str]]:
    """Files in the message that pass the upload checks (PNG, JPEG, PDF up to 5 MB), and a
    note for each one dropped."""
    body = message.get_body(preferencelist=("plain", "html"))
    kept: list[CheckedUpload] = []
    notes: list[str] = []
    for part in message.walk():
        ctype = part.get_content_type()
        if part.is_multipart() or part is body or ctype in SIGNATURE_TYPES:
            continue
        if part.get_content_disposition() != "attachment" and ctype in ("text/plain",
                                                                        "text/html"):
            continue  # the other form of the text (the HTML beside the plain text)
        try:
            filename = part.get_filename() or ""
        except Exception:
            filename = ""
        name = redact(filename).text.strip()[:100] or "attachment"
        if len(kept) >= MAX_ATTACHMENTS:
            notes.append(f'We did not keep the file "{name}": we keep at most '
                         f"{MAX_ATTACHMENTS} files from one email.")
            continue
        payload = part.get_payload(decode=True)
        try:
            kept.append(check_upload(BytesIO(payload if isinstance(payload, bytes) else b""),
                                     name))
        except UploadError as exc:
            notes.append(f'We did not keep the file "{name}". {exc}')
    return kept, notes


def reply_words(message: EmailMessage) -> str:
    """The newest part of the text, redacted, without our status links, cut to size."""
    text = latest_reply(body_text(message))
    text = scrub_status_links(text, str(current_app.config.get("BASE_URL") or ""))
    return cut(redact(text).text.strip())


# ---------------------------------------------------------------- finding the ticket
def find_ticket(message: EmailMessage, recipients: Iterable[str] = ()
                ) -> tuple[Ticket | None, Reason | None, bool]:
    """(ticket, reason when none, whether it was found by our signed reply address)."""
    found = token_in([*recipients, *addresses(message, *RECIPIENT_HEADERS)])
    if found is not None:
        if found.ticket_id is None:
            return None, Reason.BAD_TOKEN, False
        ticket = db.session.get(Ticket, found.ticket_id)
        return (ticket, None, True) if ticket else (None, Reason.UNKNOWN_TICKET, False)
    ids = _MESSAGE_ID.findall(" ".join(all_headers(message, "In-Reply-To")
                                       + all_headers(message, "References")))[-50:]
    if ids:
        ticket_id = db.session.scalar(
            select(OutboxEmail.ticket_id)
            .where(OutboxEmail.message_id.in_(ids), OutboxEmail.ticket_id.is_not(None))
            .order_by(OutboxEmail.id.desc()).limit(1))
        ticket = db.session.get(Ticket, ticket_id) if ticket_id else None
        if ticket is not None:
            return ticket, None, False
    return None, Reason.NO_TICKET, False


# ---------------------------------------------------------------- the one entry point
def receive(raw: bytes, recipients: Iterable[str] = (), now: datetime | None = None
            ) -> InboundMessage:
    """Add one emailed reply to its ticket, or hold it for an agent (flushed, not committed).

    ``recipients`` are the envelope's (the MTA's ``${recipient}``, the SMTP RCPT TO), which
    a Bcc leaves out of the headers. Raises :class:`Unreadable` for input that is not mail.
    """
    now = now or utcnow()
    if len(raw) > int(current_app.config["INBOUND_MAX_BYTES"]):
        message = parse(raw[:256 * 1024], headers_only=True)
        row = _new_row(message, now)
        row.ticket = find_ticket(message, recipients)[0]
        return _hold(row, Reason.TOO_BIG, f"The email was {len(raw) / 1024 / 1024:.0f} MB. "
                     "Ask the sender to send the files another way.")
    message = parse(raw)
    row = _new_row(message, now)
    earlier = _delivered_before(row)
    if earlier is not None:  # the MTA gave it to us again (say, after a time-out)
        return earlier
    ticket, reason, signed = find_ticket(message, recipients)
    row.ticket = ticket
    row.body = reply_words(message)
    uploads, notes = attachments(message)
    if is_auto_reply(message):
        return _hold(row, Reason.AUTO_REPLY, _not_kept(uploads))
    if reason is not None or ticket is None:
        return _hold(row, reason or Reason.NO_TICKET, _not_kept(uploads))
    if set(addresses(message, "From")) != {ticket.email.strip().lower()}:
        return _hold(row, Reason.WRONG_SENDER, _not_kept(uploads))
    authserv_id = str(current_app.config["INBOUND_AUTHSERV_ID"])
    if authserv_id and not authenticated(message, authserv_id, ticket.email.strip().lower()):
        return _hold(row, Reason.UNAUTHENTICATED, _not_kept(uploads))
    if ticket.status == TicketStatus.CLOSED:
        return _hold(row, Reason.CLOSED, _not_kept(uploads))
    if not row.body and not uploads:
        return _hold(row, Reason.NO_TEXT, " ".join(notes))
    _add(row, ticket, uploads, notes, verify=signed, now=now)
    log.info("inbound message %s added to ticket %s", row.id, ticket.id)
    return row


def _new_row(message: EmailMessage, now: datetime) -> InboundMessage:
    """Who sent it and about what (the subject redacted), not yet in the session."""
    sender = (addresses(message, "From") or [header(message, "From").strip().lower()])[0]
    return InboundMessage(
        received_at=now, from_addr=sender[:200],
        subject=redact(" ".join(header(message, "Subject").split())).text[:300],
        message_id=header(message, "Message-ID").strip()[:250] or None,
        body="", note="", state=InboundState.HELD)


def _delivered_before(row: InboundMessage) -> InboundMessage | None:
    if not row.message_id:
        return None
    return db.session.scalar(
        select(InboundMessage).where(InboundMessage.message_id == row.message_id,
                                     InboundMessage.from_addr == row.from_addr).limit(1))


def _not_kept(uploads: list[CheckedUpload]) -> str:
    if not uploads:
        return ""
    names = ", ".join(f'"{u.download_name}"' for u in uploads)
    return f"Files in a held email are not kept: {names}. Ask the sender to add them again."


def _hold(row: InboundMessage, reason: Reason, note: str = "") -> InboundMessage:
    row.state, row.reason, row.note = InboundState.HELD, reason.value, note
    db.session.add(row)
    db.session.flush()
    log.info("inbound message %s held: %s", row.id, reason.value)
    return row


def _add(row: InboundMessage, ticket: Ticket, uploads: list[CheckedUpload],
         notes: list[str], *, verify: bool, now: datetime) -> None:
    """The reply as a public comment "by email"; waiting on the user → in progress."""
    body = row.body or f"Sent {len(uploads)} file{'s' if len(uploads) != 1 else ''} by email."
    if notes:
        body += "\n\n" + "\n".join(f"[{n}]" for n in notes)
    record(ticket, "comment", body, author=ticket.name, public=True, now=now, via="email")
    for upload in uploads:
        attach_file(ticket, upload)
    _answered(ticket, ticket.name, now)
    if verify and ticket.verified_at is None:
        # Only the owner of the address got our signed reply address: it is theirs.
        ticket.verified_at = now
        record(ticket, "note", "Email address confirmed: they replied to our email.",
               "Help desk", public=False, now=now)
    row.state, row.reason, row.note = InboundState.ADDED, None, "\n".join(notes)
    db.session.add(row)
    db.session.flush()


def _answered(ticket: Ticket, author: str, now: datetime) -> None:
    if ticket.status == TicketStatus.WAITING:
        move(ticket, TicketStatus.IN_PROGRESS, kind="status", body="The user answered by email.",
             author=author, public=False, now=now)


# ---------------------------------------------------------------- the agent inbox
def held_messages(limit: int = 200) -> list[InboundMessage]:
    return list(db.session.scalars(
        select(InboundMessage).where(InboundMessage.state == InboundState.HELD)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(limit)))


def held_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(InboundMessage)
                                 .where(InboundMessage.state == InboundState.HELD)) or 0)


def add_held(row: InboundMessage, ticket: Ticket, agent_id: int, agent_name: str,
             now: datetime | None = None) -> TicketEvent:
    """An agent adds a held message to a ticket: a public comment "by email", and an
    internal note saying who decided. A closed ticket stays closed (reopen it if needed)."""
    if row.state != InboundState.HELD:
        raise ValueError("only a held message can be added")
    now = now or utcnow()
    own = row.from_addr == ticket.email.strip().lower()
    body = row.body or "(The email had no text.)"
    event = record(ticket, "comment", body, author=ticket.name if own else row.from_addr,
                   public=True, now=now, via="email")
    words = REASON_WORDS.get(row.reason or "", row.reason or "")
    record(ticket, "note", f"Email from {row.from_addr or 'an unknown sender'} added from the "
           f"inbox by {agent_name}. It was held because: {words}", agent_name, public=False,
           now=now)
    _answered(ticket, ticket.name if own else agent_name, now)
    _handled(row, InboundState.ADDED, agent_id, now)
    row.ticket = ticket
    db.session.flush()
    return event


def discard_held(row: InboundMessage, agent_id: int, now: datetime | None = None) -> None:
    if row.state != InboundState.HELD:
        raise ValueError("only a held message can be discarded")
    _handled(row, InboundState.DISCARDED, agent_id, now or utcnow())
    db.session.flush()


def _handled(row: InboundMessage, state: InboundState, agent_id: int, now: datetime) -> None:
    row.state, row.handled_by_id, row.handled_at = state, agent_id, now
