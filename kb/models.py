"""Database tables. Articles and wizards live in files; the database holds what people do:
searches, votes, wizard runs, tickets, agents and outages."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db


def utcnow() -> datetime:
    """Naive UTC: SQLite drops time zones, so every stored time is UTC without one."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class SearchLog(db.Model):  # type: ignore[name-defined]
    """Every search, so the help desk can see what people look for and do not find.

    Kept for analysis (kb/insights): the words that carry the meaning (``normalised``), what
    was shown and which of it was opened, how long it took, and an anonymous key for the
    browser session (kb.core.visitor: a random number, never a name, an address or an IP)
    so a search can be matched with a ticket sent from the same browser soon after."""

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200))
    # Lower-cased, small words dropped, stemmed, misspellings folded: "Printers ofline"
    # and "printer offline" are one group.
    normalised: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(80))
    # The category of the article opened, else of the best result, else the filter.
    topic: Mapped[str | None] = mapped_column(String(80))
    result_count: Mapped[int]
    shown_ids: Mapped[str | None] = mapped_column(String(200))  # "12,4,7": the first page
    did_you_mean: Mapped[str | None] = mapped_column(String(200))
    confident: Mapped[bool | None]  # the best result answered the request well (None: before)
    clicked_article_id: Mapped[int | None]
    clicked_position: Mapped[int | None]  # 1 = the first result
    latency_ms: Mapped[int | None]
    session_key: Mapped[int | None] = mapped_column(BigInteger)
    # Seconds until the first ticket from the same browser, when one came within 24 hours
    # (set when the ticket is made: kb.core.searchlog.mark_followed).
    ticket_after_s: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(20), default="public")  # public | api | agent
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (
        # Popular articles and the reports count clicks per article over recent days.
        Index("ix_search_log_clicked", "clicked_article_id", "created_at"),
        # A new ticket marks the same browser's searches of the day before.
        Index("ix_search_log_session", "session_key", "created_at"),
    )


class ArticleView(db.Model):  # type: ignore[name-defined]
    """An article page opened, for views, deflection and "never opened" (kb/insights)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int]
    search_id: Mapped[int | None]  # the logged search it was opened from, if any
    session_key: Mapped[int | None] = mapped_column(BigInteger)
    ticket_after_s: Mapped[int | None]  # as SearchLog.ticket_after_s
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_article_view_period", "created_at", "article_id"),
        Index("ix_article_view_session", "session_key", "created_at"),
    )


class ScoreWeek(db.Model):  # type: ignore[name-defined]
    """The self-service score's people for one final week (kb/insights/rollup.py): how many
    browsers helped themselves, or sent a ticket, in one category or in all ("*"). Counts
    only: nothing here leads back to a browser, let alone a person."""

    week: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # week_index
    category: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # helped | tickets
    people: Mapped[int]


class RolledUpWeek(db.Model):  # type: ignore[name-defined]
    """A week whose ScoreWeek rows are made (a week with no visits is not made again)."""

    week: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    made_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(db.Model):  # type: ignore[name-defined]
    """A "Was this helpful?" vote, with the optional reason."""

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(index=True)
    helpful: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WizardRun(db.Model):  # type: ignore[name-defined]
    """Server-side state of one wizard run, found again through a key in the browser session."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    wizard_id: Mapped[str] = mapped_column(String(80), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str | None] = mapped_column(String(20))  # resolved | handoff | abandoned
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WizardEvent(db.Model):  # type: ignore[name-defined]
    """One step of a run (visit, answer, resolved, handoff, abandon, goto; ``unmatched`` for
    a general question no wizard took) for funnel analytics. ``version`` is a short digest
    of the wizard file, so a funnel can be read per version of the questions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("wizard_run.id"), index=True)
    wizard_id: Mapped[str] = mapped_column(String(80), index=True)
    node_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(String(16))
    session_key: Mapped[int | None] = mapped_column(BigInteger)
    ticket_after_s: Mapped[int | None]  # as SearchLog.ticket_after_s
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_wizard_event_period", "created_at", "wizard_id"),
        Index("ix_wizard_event_session", "session_key", "created_at"),
    )


class Agent(UserMixin, db.Model):  # type: ignore[name-defined]
    """A help-desk agent or lead who signs in to the agent workspace."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="agent")  # agent | lead
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Changing this invalidates every session of the agent (Flask-Login's alternative id).
    session_token: Mapped[str] = mapped_column(String(64), default=new_token)
    # Set once the agent signs in with the organisation's OpenID provider (kb/sso).
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_agent_oidc", "oidc_issuer", "oidc_subject", unique=True),
    )

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"


class Requester(db.Model):  # type: ignore[name-defined]
    """Someone who signed in with the organisation's OpenID provider to ask for help. Keyed
    by issuer and subject (stable), with the verified email and name from the ID token."""

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_requester_oidc", "issuer", "subject", unique=True),)


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
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    summary: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    wizard_id: Mapped[str | None] = mapped_column(String(80))
    search_query: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(80), default="other", index=True)
    impact: Mapped[str] = mapped_column(String(10), default="me")  # me | team | everyone
    urgency: Mapped[str] = mapped_column(String(10), default="normal")  # low | normal | high
    priority: Mapped[str] = mapped_column(String(2), default="P3", index=True)  # P1..P4
    group: Mapped[str] = mapped_column(String(40), default="Help desk")  # tier 1/2/3 group
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outage.id"))
    # Set when a signed-in requester sent it: name and email came from the ID token.
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("requester.id"), index=True)
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
    # created | comment | reply | note | status | assign | link | escalate | resolved |
    # reopened | closed | update | rating
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(120), default="")
    public: Mapped[bool] = mapped_column(default=True)
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
    state: Mapped[str] = mapped_column(String(10), default="queued")
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
