"""Known errors (ITIL problem management): a problem with its symptoms in users' words, its
cause, the workaround article and its status, and the tickets it caused."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.dbtypes import closed_set
from kb.extensions import db
from kb.models.base import utcnow
from kb.states import KnownErrorStatus

if TYPE_CHECKING:
    from kb.models.people import Agent
    from kb.models.tickets import Ticket


class KnownError(db.Model):  # type: ignore[name-defined]
    """One problem behind many tickets. Its title and symptoms are the words searches,
    wizard answers and tickets are matched with (kb/core/known_errors.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    symptoms: Mapped[str] = mapped_column(Text, default="")  # one way people say it a line
    cause: Mapped[str] = mapped_column(Text, default="")  # for agents
    workaround_article_id: Mapped[int | None]
    status: Mapped[KnownErrorStatus] = mapped_column(
        closed_set(KnownErrorStatus, "status", 20), default=KnownErrorStatus.INVESTIGATING,
        index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    fixed_at: Mapped[datetime | None]

    created_by: Mapped[Agent | None] = relationship()
    links: Mapped[list[KnownErrorTicket]] = relationship(
        back_populates="known_error", order_by="KnownErrorTicket.id",
        cascade="all, delete-orphan")

    @property
    def reference(self) -> str:
        return f"KE-{self.id}"


class KnownErrorTicket(db.Model):  # type: ignore[name-defined]
    """A ticket linked to a known error: its requester is told when it is fixed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    known_error_id: Mapped[int] = mapped_column(ForeignKey("known_error.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    known_error: Mapped[KnownError] = relationship(back_populates="links")
    ticket: Mapped[Ticket] = relationship()

    __table_args__ = (Index("ix_known_error_ticket_unique", "known_error_id", "ticket_id",
                            unique=True),)
