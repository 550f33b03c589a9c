"""A small SMTP server (aiosmtpd) that takes replies for the help desk, for sites without a
mail server of their own: ``flask kb mail-receiver``. It accepts mail only for the
INBOUND_ADDRESS domain (it never relays), and gives each message to the same
:func:`kb.tickets.inbound.receive` that ``flask kb receive-mail`` uses, committing once.

It speaks plain SMTP without TLS or spam filtering: put it on a private network, or let
Postfix (or another MTA) face the internet and pipe to ``flask kb receive-mail``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask

from kb.extensions import db
from kb.tickets.inbound import Unreadable, receive
from kb.tickets.replyaddr import inbound_domain

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 20


class InboundHandler:
    """aiosmtpd handler: RCPT checks the domain, DATA stores the message (in a thread, so a
    slow database never stalls other connections)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        with app.app_context():
            domain = inbound_domain()
        if domain is None:
            raise RuntimeError("Set INBOUND_ADDRESS (e.g. help@example.org) first.")
        self.domain = domain

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        if address.rpartition("@")[2].lower() != self.domain:
            return "550 5.7.1 We only take mail for the help desk here"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.store, raw, list(envelope.rcpt_tos))

    def store(self, raw: bytes, recipients: list[str]) -> str:
        """One message in, one commit; the SMTP answer says whether to try again. Anything
        but unreadable input is a temporary failure: the sender's server keeps the message
        and tries again, so nothing is lost while the database is down."""
        with self.app.app_context():
            try:
                state = receive(raw, recipients).state
                db.session.commit()
            except Unreadable as exc:
                db.session.rollback()
                return f"554 5.6.0 This is not an email we can read ({exc})"
            except Exception:
                db.session.rollback()
                log.exception("could not store an inbound message; the sender will retry")
                return "451 4.3.0 We cannot take mail right now, please try again later"
            finally:
                db.session.remove()
        return f"250 OK {state}"


def make_receiver(app: Flask, host: str, port: int) -> Controller:
    """The receiver, not started (``.start()`` runs it in a thread, ``.stop()`` ends it)."""
    limit = int(app.config["INBOUND_MAX_BYTES"]) * 2  # bigger than that: refused; above the
    # limit but below this: held for an agent with its sender and subject
    return Controller(InboundHandler(app), hostname=host, port=port, data_size_limit=limit,
                      ident="Helpdesk KB")
