"""What people do on the public side, kept for the insights: searches, article views,
votes, wizard runs and their events, and the weekly self-service counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy import text as sql  # the class below has a column named text
from sqlalchemy.orm import Mapped, mapped_column

from kb.dbtypes import JSONDocument, closed_set
from kb.extensions import db
from kb.models.base import new_token, utcnow
from kb.states import (
    WizardEventKind,
    WizardOutcome,
)

# The searches the content worklist lists (kb/insights/worklist_queries.py says the same).
FAILED = "source = 'public' AND (result_count = 0 OR confident IS false)"


class SearchLog(db.Model):  # type: ignore[name-defined]
    """Every search, so the help desk can see what people look for and do not find.

    Kept for analysis (kb/insights): the words that carry the meaning (``normalised``), what
    was shown and which of it was opened, how long it took, and an anonymous key for the
    browser session (kb.core.visitor: a random number, never a name, an address or an IP)
    so a search can be matched with a ticket sent from the same browser soon after."""

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))  # what was searched for, redacted
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
        # The content worklist: searches that found nothing or only weak matches, grouped by
        # their words over a period from the index alone (a quarter of the rows at most).
        Index("ix_search_log_failed", "created_at", "normalised", "result_count", "id",
              postgresql_where=sql(FAILED), sqlite_where=sql(FAILED)),
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
    state: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    outcome: Mapped[WizardOutcome | None] = mapped_column(closed_set(WizardOutcome, "outcome", 20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # `flask kb prune` deletes runs by their last change.
    __table_args__ = (Index("ix_wizard_run_updated_at", "updated_at"),)


class WizardEvent(db.Model):  # type: ignore[name-defined]
    """One step of a run (visit, answer, resolved, handoff, abandon, goto; ``unmatched`` for
    a general question no wizard took) for funnel analytics. ``version`` is a short digest
    of the wizard file, so a funnel can be read per version of the questions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("wizard_run.id"), index=True)
    wizard_id: Mapped[str] = mapped_column(String(80), index=True)
    node_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[WizardEventKind] = mapped_column(closed_set(WizardEventKind, "kind", 20))
    value: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(String(16))
    session_key: Mapped[int | None] = mapped_column(BigInteger)
    ticket_after_s: Mapped[int | None]  # as SearchLog.ticket_after_s
    # Funnel reports count by date; `flask kb prune` deletes by it.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (
        Index("ix_wizard_event_period", "created_at", "wizard_id"),
        Index("ix_wizard_event_session", "session_key", "created_at"),
    )
