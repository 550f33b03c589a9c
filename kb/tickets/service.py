"""Creating and changing tickets, shared by the public form, the status page and the agent
workspace. Every change writes a TicketEvent, so the timeline is the ticket's history."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import abort, current_app, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from kb.core.privacy import redact
from kb.core.search.normal import cluster_key
from kb.core.searchlog import mark_followed
from kb.core.services import search_index, support
from kb.extensions import db
from kb.models import Attachment, Ticket, TicketEvent, utcnow
from kb.tickets.hours import describe_deadline, priority_for, resolve_by, respond_by
from kb.tickets.lifecycle import OPEN, TicketStatus, move
from kb.tickets.lifecycle import record as add_event
from kb.tickets.uploads import CheckedUpload

log = logging.getLogger(__name__)

# The one set of ticket statuses (kb.tickets.lifecycle), in the order a ticket usually moves.
STATUSES = tuple(s.value for s in TicketStatus)
OPEN_STATUSES = tuple(s.value for s in OPEN)

# What each status means, in the words the user sees on the status page.
# Lazy: agents' pages show them in the default language, the requester's in theirs.
STATUS_WORDS: dict[str, Any] = {
    "new": _l("We have your request. Nobody from the help desk has picked it up yet."),
    "in progress": _l("Someone from the help desk is working on it."),
    "waiting on user": _l("We are waiting for a reply from you. Add a comment below to answer."),
    "resolved": _l("We think this is fixed. If it is, please tell us below. "
                   "If it is not, add a comment and we will keep working on it."),
    "closed": _l("This request is closed."),
}
STATUS_LABELS: dict[str, Any] = {
    "new": _l("Received"), "in progress": _l("Being worked on"),
    "waiting on user": _l("Waiting for you"),
    "resolved": _l("Fixed – waiting for you to confirm"), "closed": _l("Closed"),
}

# Timeline headings for the kinds of event the user can see.
EVENT_LABELS: dict[str, Any] = {
    "created": _l("Request sent"), "comment": _l("Comment"),
    "reply": _l("Reply from the help desk"),
    "status": _l("Status changed"), "assign": _l("Picked up by the help desk"),
    "escalate": _l("Passed to a specialist team"), "resolved": _l("Marked as fixed"),
    "reopened": _l("Opened again"), "closed": _l("Closed"), "update": _l("Update"),
    "rating": _l("Rating"),
    "link": _l("Article added"), "merged": _l("Joined with your other request"),
}


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind) or kind.replace("_", " ").capitalize())


def closed_comment_message(ticket: Ticket) -> str:
    """Why a comment on a closed request was not added, and where to go instead."""
    if ticket.merged_into is not None:
        ref = ticket.merged_into.reference
        return _("We joined this request with %(ref)s, so we did not add your comment here. "
                 "Please add it on %(ref)s.", ref=ref)
    return _("This request is closed, so we did not add your comment. "
             "If the problem is back, please ask again.")


def status_words(status: str) -> str:
    return str(STATUS_WORDS.get(status) or STATUS_WORDS["in progress"])


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status) or status.replace("_", " ").capitalize())


@dataclass
class NewTicket:
    """What the form (or a hand-off) collected. Free text is redacted again on save."""

    summary: str
    name: str
    email: str
    description: str = ""
    phone: str | None = None
    category: str = "other"
    impact: str = "me"
    urgency: str = "normal"
    transcript: list[dict[str, Any]] = field(default_factory=list)
    wizard_id: str | None = None
    search_query: str | None = None
    submission_key: str | None = None
    upload: CheckedUpload | None = None
    requester_id: int | None = None  # signed in: name and email are the ID token's
    session_key: int | None = None  # the browser's anonymous key (kb.core.visitor)


def find_by_token(token: str) -> Ticket | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.token == token))


def find_by_submission_key(key: str | None) -> Ticket | None:
    if not key:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.submission_key == key))


def create_ticket(data: NewTicket, now: datetime | None = None) -> tuple[Ticket, bool]:
    """Add a ticket with its deadline and "created" event, flushed; (ticket, created). The
    caller commits, with the confirmation email queued in the same transaction.

    A second call with the same submission key returns the first ticket (a double-click or a
    resubmit), even when both requests race: the unique key decides.
    """
    existing = find_by_submission_key(data.submission_key)
    if existing is not None:
        return existing, False
    cfg = support()
    created = now or utcnow()
    priority = priority_for(data.impact, data.urgency, cfg)
    summary = redact(data.summary).text.strip()[:200]
    ticket = Ticket(
        summary=summary,
        summary_words=summary_words(summary),
        description=redact(data.description).text.strip(),
        transcript=[_redact_item(i) for i in data.transcript],
        wizard_id=data.wizard_id,
        search_query=(data.search_query or None) and redact(data.search_query).text[:200],
        name=redact(data.name).text.strip()[:120],
        email=data.email.strip()[:200],
        phone=(data.phone or "").strip()[:40] or None,
        category=data.category or "other",
        impact=data.impact,
        urgency=data.urgency,
        priority=priority,
        submission_key=data.submission_key or None,
        requester_id=data.requester_id,
        respond_by=respond_by(created, priority, cfg),
        resolve_by=resolve_by(created, priority, cfg),
        session_key=data.session_key,
        created_at=created,
        last_touched_at=created,
    )
    db.session.add(ticket)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        first = find_by_submission_key(data.submission_key)
        if first is None:
            raise
        return first, False
    if data.upload is not None:
        attach_file(ticket, data.upload)
    add_event(ticket, "created", "You sent your request.", author=ticket.name, now=created)
    mark_followed(ticket.session_key, created)  # the visits before it did not help
    db.session.flush()
    return ticket, True


def summary_words(summary: str) -> str | None:
    """The summary's words as searches are grouped (the worklist's ticket clusters); None
    when the index cannot say (the ticket matters more)."""
    try:
        return cluster_key(search_index().normalise(summary)) or None
    except Exception:
        log.warning("ticket summary not normalised", exc_info=True)
        return None


def _redact_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: redact(v).text if isinstance(v, str) else v for k, v in item.items()}


def add_comment(ticket: Ticket, body: str, author: str) -> TicketEvent:
    """A comment from the user on the status page. A "fixed" ticket they comment on reopens."""
    event = add_event(ticket, "comment", redact(body).text.strip(), author=author)
    if ticket.status == TicketStatus.WAITING:  # they answered: back to us
        move(ticket, TicketStatus.IN_PROGRESS, kind="status", body="The user answered.",
             author=author, public=False)
    elif ticket.status == TicketStatus.RESOLVED:
        move(ticket, TicketStatus.IN_PROGRESS, kind="reopened",
             body="You told us it is not fixed yet, so we opened it again.", author=author)
    db.session.flush()
    return event


def close_ticket(ticket: Ticket, author: str, body: str = "", now: datetime | None = None
                 ) -> TicketEvent:
    """Close with the user's agreement that it is fixed (the only way we close for good)."""
    event = move(ticket, TicketStatus.CLOSED, kind="closed",
                 body=body or "You told us it is fixed now.", author=author, now=now)
    db.session.flush()
    return event


def attach_file(ticket: Ticket, upload: CheckedUpload) -> Attachment:
    """Store an upload under a random name outside static/, then record it (not committed)."""
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stored = f"{secrets.token_hex(20)}.{upload.extension}"
    fd = os.open(folder / stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # owner only
    with os.fdopen(fd, "wb") as fh:
        fh.write(upload.data)
    attachment = Attachment(ticket=ticket, original_name=upload.download_name,
                            stored_name=stored, mime=upload.mime, size=len(upload.data))
    db.session.add(attachment)
    return attachment


def attachment_path(attachment: Attachment) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / attachment.stored_name


def status_url(ticket: Ticket) -> str:
    """The link in emails: the public address, not whatever host the request came in on."""
    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    return f"{base}/status/{ticket.token}"


def find_by_receipt(receipt: str) -> Ticket | None:
    if not receipt or len(receipt) > 64:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.receipt == receipt))


def verified(ticket: Ticket) -> bool:
    """The requester opened the emailed link or signed in: the address is theirs."""
    return ticket.verified_at is not None or ticket.requester_id is not None


def attachment_download(ticket: Ticket, attachment_id: int) -> Response:
    """A ticket's screenshot, only ever as a download (so a browser never runs or shows it
    inline); 404 unless it belongs to this ticket and is still on disk."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.ticket_id != ticket.id:
        abort(404)
    path = attachment_path(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.mime, as_attachment=True,
                         download_name=attachment.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def confirm(ticket: Ticket, fixed: bool) -> None:
    """The user's answer to "Is it fixed?": yes closes the ticket, no reopens it."""
    if fixed:
        close_ticket(ticket, ticket.name, "You told us the problem is fixed.")
        return
    move(ticket, TicketStatus.IN_PROGRESS, kind="reopened",
         body="You told us the problem is not fixed yet. We are looking at it again.",
         author=ticket.name)
    db.session.flush()


def rate(ticket: Ticket, rating: int) -> None:
    ticket.rating = rating
    add_event(ticket, "rating", f"Rated our help {rating} out of 5.", ticket.name, True)
    db.session.flush()


def load_details(ticket: Ticket) -> Ticket:
    """Timeline, attachments, linked articles, assignee and requester loaded now, by the view,
    so the page's template never sends a query of its own."""
    loaded = db.session.scalars(
        select(Ticket).where(Ticket.id == ticket.id)
        .options(selectinload(Ticket.events), selectinload(Ticket.attachments),
                 selectinload(Ticket.links), joinedload(Ticket.assignee),
                 joinedload(Ticket.requester), joinedload(Ticket.outage))
        .execution_options(populate_existing=True)).one()
    return loaded


def deadline_words(ticket: Ticket) -> str:
    """"by Tuesday 24 November at 14:00" in support hours, or "" without a target."""
    if ticket.respond_by is None:
        return ""
    return describe_deadline(ticket.respond_by, utcnow(), support())
