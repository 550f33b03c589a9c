"""Email both ways: the outbox the worker sends, and messages that came in."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.dbtypes import closed_set
from kb.extensions import db
from kb.models.base import utcnow
from kb.states import (
    EmailState,
    InboundState,
)

if TYPE_CHECKING:
    from kb.models.people import Agent
    from kb.models.tickets import Ticket


class OutboxEmail(db.Model):  # type: ignore[name-defined]
    """One email we mean to send, written in the same transaction as the event it is about,
    so a saved ticket always has its email on record even if the mail server is down.

    The worker (kb.core.worker) sends it and records the outcome; ``state`` is queued →
    sending → sent, or failed once the retries are used up. Agents see it on the ticket.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    to_addr: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    template: Mapped[str] = mapped_column(String(80), default="")  # what kind of email
    # Rendered when queued: the words describe the ticket as it was at the event.
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    # Where a reply goes: the signed reply address of the ticket (None: INBOUND_ADDRESS unset).
    reply_to: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[EmailState] = mapped_column(closed_set(EmailState, "state", 10),
                                              default=EmailState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # When the next try is due; the sweeper re-enqueues rows long past it (a lost task).
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # While "sending": after this, the claim is stale (the worker died mid-send).
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_outbox_email_state_next", "state", "next_attempt_at"),)


class InboundMessage(db.Model):  # type: ignore[name-defined]
    """An email that reached the help desk (kb/tickets/inbound.py). Added to its ticket as a
    comment, or held for an agent with the reason; either way only the redacted text of the
    reply is kept, never the raw message (it may quote a status link or a password)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    from_addr: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # the reply without quotes, redacted
    note: Mapped[str] = mapped_column(Text, default="")  # e.g. attachments that were dropped
    # The sender's Message-ID: an MTA that delivers the same message twice adds it once.
    message_id: Mapped[str | None] = mapped_column(String(250), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(20))  # why held (kb.tickets.inbound)
    state: Mapped[InboundState] = mapped_column(closed_set(InboundState, "state", 10),
                                                default=InboundState.HELD)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    handled_at: Mapped[datetime | None]

    ticket: Mapped[Ticket | None] = relationship()
    handled_by: Mapped[Agent | None] = relationship()

    # The agent inbox: held messages, newest first; the nav counts them.
    __table_args__ = (Index("ix_inbound_message_state", "state", "received_at"),)
