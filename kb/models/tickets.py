"""Tickets with their timeline, attachments and linked articles; outages; article flags."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.dbtypes import JSONDocument, closed_set
from kb.extensions import db
from kb.models.base import new_token, utcnow
from kb.states import (
    Priority,
    TicketEventKind,
    TicketStatus,
)

if TYPE_CHECKING:
    from kb.models.people import Agent, Requester


class Outage(db.Model):  # type: ignore[name-defined]
    """A known problem shown as an "out of order" banner where users look."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    services: Mapped[str] = mapped_column(String(300), default="")
    keywords: Mapped[str] = mapped_column(String(300), default="")  # comma-separated
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    expected_fix_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    updates: Mapped[list[OutageUpdate]] = relationship(
        back_populates="outage", order_by="OutageUpdate.created_at"
    )
    tickets: Mapped[list[Ticket]] = relationship(back_populates="outage")


class OutageUpdate(db.Model):  # type: ignore[name-defined]
    id: Mapped[int] = mapped_column(primary_key=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outage.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    outage: Mapped[Outage] = relationship(back_populates="updates")


class Ticket(db.Model):  # type: ignore[name-defined]
    """A request for help. Seen by its owner only through ``token``; by agents after log-in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # Set from a hidden form field: a double-click or resubmit finds the first ticket.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[TicketStatus] = mapped_column(closed_set(TicketStatus, "status", 20),
                                                 default=TicketStatus.NEW, index=True)
    summary: Mapped[str] = mapped_column(String(200))
    # The summary's words as searches are grouped (kb.core.search.normal): tickets with the
    # same words and no linked article are a cluster on the content worklist.
    summary_words: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    wizard_id: Mapped[str | None] = mapped_column(String(80))
    search_query: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(80), default="other", index=True)
    impact: Mapped[str] = mapped_column(String(10), default="me")  # me | team | everyone
    urgency: Mapped[str] = mapped_column(String(10), default="normal")  # low | normal | high
    priority: Mapped[Priority] = mapped_column(closed_set(Priority, "priority", 2),
                                               default=Priority.P3, index=True)
    # The tier 1/2/3 group working on it (the UI says "group"; support.yml lists them).
    team: Mapped[str] = mapped_column(String(40), default="Help desk")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outage.id"))
    # Set when a signed-in requester sent it: name and email came from the ID token.
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("requester.id"), index=True)
    # Set when an agent merged this ticket into another one (closed through the lifecycle,
    # never reopened: the requester follows the other ticket).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    # The confirmation page's key: shows the reference and what happens next, never the
    # ticket. The status link (``token``) goes only to the address, by email.
    receipt: Mapped[str | None] = mapped_column(String(64), unique=True, default=new_token)
    # When someone opened the emailed link (or signed in): only then do replies go by email.
    verified_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None]
    respond_by: Mapped[datetime | None]
    resolve_by: Mapped[datetime | None]  # the resolution target in support hours
    first_response_at: Mapped[datetime | None]
    last_touched_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The anonymous key of the browser that sent it (kb.core.visitor).
    session_key: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    assignee: Mapped[Agent | None] = relationship()
    requester: Mapped[Requester | None] = relationship()
    outage: Mapped[Outage | None] = relationship(back_populates="tickets")
    merged_into: Mapped[Ticket | None] = relationship(remote_side="Ticket.id",
                                                      foreign_keys=[merged_into_id])
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan"
    )
    links: Mapped[list[TicketArticle]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # The agent queue: open tickets outside outages, earliest response deadline first.
        Index("ix_ticket_queue", "outage_id", "status", "respond_by"),
        # "Only mine", and each agent's open work.
        Index("ix_ticket_assignee_status", "assignee_id", "status"),
        # My requests, lost links, outage joins and duplicates match the address in any case.
        # SQLite cannot reflect an expression index: a batch migration that rebuilds this
        # table there drops it, so such a migration must create it again.
        Index("ix_ticket_email_lower", func.lower(email)),
        # Insights: people who sent a ticket, counted by browser.
        Index("ix_ticket_session", "session_key", "created_at"),
    )

    @property
    def reference(self) -> str:
        return f"HD-{self.id:06d}"


class TicketEvent(db.Model):  # type: ignore[name-defined]
    """The ticket's timeline. ``public`` events show on the user's status page."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[TicketEventKind] = mapped_column(closed_set(TicketEventKind, "kind", 20))
    body: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(120), default="")
    public: Mapped[bool] = mapped_column(default=True)
    # How it reached us when not through the site: "email" for a reply to one of our emails.
    via: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ticket: Mapped[Ticket] = relationship(back_populates="events")


class Attachment(db.Model):  # type: ignore[name-defined]
    """An uploaded screenshot, stored outside static/ under a random name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    mime: Mapped[str] = mapped_column(String(80))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ticket: Mapped[Ticket] = relationship(back_populates="attachments")


class TicketArticle(db.Model):  # type: ignore[name-defined]
    """A KB article linked to a ticket (the link rate counts these)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    article_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ticket: Mapped[Ticket] = relationship(back_populates="links")

    __table_args__ = (Index("ix_ticket_article_unique", "ticket_id", "article_id", unique=True),)


class ArticleFlag(db.Model):  # type: ignore[name-defined]
    """"Flag it or fix it": an agent marks an article wrong, out of date or unclear."""

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(20))  # wrong | outdated | unclear
    note: Mapped[str] = mapped_column(Text, default="")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    agent: Mapped[Agent | None] = relationship()
