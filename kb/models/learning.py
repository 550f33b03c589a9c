"""The learning loop's own rows: a lead's decisions on worklist items (the items themselves
are computed from the logs), the search changes made from there (synonyms and pinned
articles, read by search at query time), and articles drafted from tickets."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.dbtypes import JSONDocument, closed_set
from kb.extensions import db
from kb.models.base import utcnow
from kb.states import DraftState, OverrideKind, WorklistAction, WorklistKind, WorklistState

if TYPE_CHECKING:
    from kb.models.people import Agent


class WorklistItem(db.Model):  # type: ignore[name-defined]
    """What a lead decided about one computed worklist item, found by its kind and key (the
    normalised words of a search group, an article id, "wizard/node", a ticket summary's
    words). No row: the item is open and nobody's."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[WorklistKind] = mapped_column(closed_set(WorklistKind, "kind", 20))
    key: Mapped[str] = mapped_column(String(200))
    state: Mapped[WorklistState] = mapped_column(closed_set(WorklistState, "state", 10),
                                                 default=WorklistState.OPEN)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    snoozed_until: Mapped[datetime | None]  # back on the list from this moment
    closed_how: Mapped[WorklistAction | None] = mapped_column(
        closed_set(WorklistAction, "closed_how", 20))
    note: Mapped[str] = mapped_column(Text, default="")  # what was done, in the lead's words
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    assignee: Mapped[Agent | None] = relationship(foreign_keys=[assignee_id])
    closed_by: Mapped[Agent | None] = relationship(foreign_keys=[closed_by_id])

    __table_args__ = (Index("ix_worklist_item_kind_key", "kind", "key", unique=True),)


class SearchOverride(db.Model):  # type: ignore[name-defined]
    """A synonym (``words`` mean ``means``) or a pin (searches whose normalised words are
    ``words`` show ``article_id`` first), made from the worklist and merged into search at
    query time. Removing one sets ``removed_at`` (rows are never deleted), so the pair
    (highest id, removed rows) changes with every change: the version search compares."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OverrideKind] = mapped_column(closed_set(OverrideKind, "kind", 10))
    words: Mapped[str] = mapped_column(String(200))
    means: Mapped[str | None] = mapped_column(String(200))  # synonyms: what the words mean
    article_id: Mapped[int | None]  # pins: the article shown first
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))

    created_by: Mapped[Agent | None] = relationship(foreign_keys=[created_by_id])


class ArticleDraft(db.Model):  # type: ignore[name-defined]
    """An article drafted from a resolved ticket ("flag it or fix it"): the Markdown file in
    the house shape, the lint's findings, and who it waits for (the owner named in it)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(120), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)  # the whole file: front matter and Markdown
    problems: Mapped[list[Any]] = mapped_column(JSONDocument, default=list)  # the lint's lines
    state: Mapped[DraftState] = mapped_column(closed_set(DraftState, "state", 10),
                                              default=DraftState.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    article_id: Mapped[int | None]  # once published
    published_at: Mapped[datetime | None]

    created_by: Mapped[Agent | None] = relationship(foreign_keys=[created_by_id])
