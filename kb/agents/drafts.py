"""Drafts made from resolved tickets, kept for the article's owner (kb.core.content.drafts
makes and lints the file). Services flush; the request commits."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import select

from kb.core.content import drafts
from kb.core.content.lint import load_jargon
from kb.core.services import library, reload_content, support
from kb.extensions import db
from kb.models import Agent, ArticleDraft, Ticket, utcnow
from kb.states import DraftState
from kb.tickets.lifecycle import DONE
from kb.wizards.registry import all_wizards  # the wizard ids the lint checks links to


class CannotPublish(ValueError):
    """Why a draft cannot be published (in words for the page)."""


def _lint(text: str, filename: str) -> list[str]:
    cfg = current_app.config
    found = drafts.lint_text(text, filename, library(),
                             jargon=load_jargon(Path(cfg["JARGON_FILE"])),
                             wizard_ids=set(all_wizards()),
                             max_grade=float(cfg["MAX_READING_GRADE"]), today=utcnow().date())
    return [str(p) for p in found]


def errors(draft: ArticleDraft) -> list[str]:
    return [p for p in draft.problems if ": error: " in p]


def draft_from(ticket: Ticket, by: Agent) -> ArticleDraft:
    """A draft of the resolved ``ticket`` in the house shape, linted (ValueError if the
    ticket is not resolved or closed)."""
    if ticket.status not in DONE or not (ticket.resolution or "").strip():
        raise ValueError("Only a resolved ticket with its explanation can become an article.")
    lib = library()
    category = drafts.category_for(lib, ticket.category)
    owner = drafts.owner_for(lib, category, [link.article_id for link in ticket.links],
                             str(support().get("name") or "Help desk"))
    source = drafts.Source(ticket.reference, ticket.summary, ticket.description,
                           ticket.resolution or "", category, ticket.name, ticket.wizard_id,
                           owner, by.name)
    made = drafts.markdown(source, lib, utcnow().date())
    row = ArticleDraft(ticket_id=ticket.id, title=made.title, owner=made.owner,
                       filename=made.filename, body=made.text,
                       problems=_lint(made.text, made.filename), created_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    return row


def waiting(owner: str | None = None) -> list[ArticleDraft]:
    stmt = select(ArticleDraft).where(ArticleDraft.state == DraftState.DRAFT)
    if owner:
        stmt = stmt.where(ArticleDraft.owner == owner)
    return list(db.session.scalars(stmt.order_by(ArticleDraft.owner, ArticleDraft.id.desc())))


def publish(draft: ArticleDraft) -> int:
    """Written into the articles folder (only with ARTICLES_WRITABLE on, and only when the
    lint finds no error, checked again now), the articles read again and the index brought
    up to date; returns the article's id."""
    if not current_app.config.get("ARTICLES_WRITABLE"):
        raise CannotPublish("This site may not write to the articles folder. Download the "
                            "file and add it to articles/ yourself.")
    if draft.state != DraftState.DRAFT:
        raise CannotPublish("This draft was already published or thrown away.")
    draft.problems = _lint(draft.body, draft.filename)
    if errors(draft):
        raise CannotPublish("The lint found problems. Download the file, fix them and add it "
                            "yourself, or fix the ticket's words and draft it again.")
    _path, number = drafts.publish(draft.body, draft.filename,
                                   Path(current_app.config["ARTICLES_DIR"]), library())
    draft.state, draft.article_id, draft.published_at = DraftState.PUBLISHED, number, utcnow()
    db.session.flush()
    reload_content()
    return number


def discard(draft: ArticleDraft) -> None:
    draft.state = DraftState.DISCARDED
    db.session.flush()
