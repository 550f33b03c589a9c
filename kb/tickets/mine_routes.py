""""My requests": a requester signed in with the organisation's provider sees the tickets
sent from their verified email (or while signed in), opens each one and adds to it, with no
status link. Registered only when sign-in is on (kb.sso)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, or_, select
from werkzeug.wrappers import Response

from kb.core.identity import current_requester
from kb.core.privacy import describe, redact
from kb.extensions import db, limiter
from kb.models import Requester, Ticket
from kb.tickets import service
from kb.tickets.forms import CloseForm, CommentForm
from kb.tickets.status_routes import status_page

bp = Blueprint("mine", __name__, url_prefix="/my-requests")


def _mine(requester: Requester) -> ColumnElement[bool]:
    """Tickets sent while signed in, or to the verified email (any letter case)."""
    return or_(Ticket.requester_id == requester.id,
               func.lower(Ticket.email) == requester.email.lower())


def _requester_or_sign_in() -> Requester | Response:
    requester = current_requester()
    if requester is None:
        return redirect(url_for("sso.login", next=url_for("mine.index")))
    return requester


def _ticket(requester: Requester, ticket_id: int) -> Ticket:
    """The requester's own ticket, else 404 (never saying whether the number exists)."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id, _mine(requester)))
    if ticket is None:
        abort(404)
    return ticket


def _urls(ticket: Ticket) -> dict[str, Any]:
    urls: dict[str, Any] = {
        "comment_url": url_for(".comment", ticket_id=ticket.id),
        "fixed_url": url_for(".fixed", ticket_id=ticket.id),
        "file_url": lambda attachment_id: url_for(".download", ticket_id=ticket.id,
                                                  attachment_id=attachment_id),
    }
    if ticket.merged_into_id is not None:
        urls["merged_url"] = url_for(".ticket", ticket_id=ticket.merged_into_id)
    return urls


@bp.get("")
def index() -> str | Response:
    requester = _requester_or_sign_in()
    if isinstance(requester, Response):
        return requester
    tickets = db.session.scalars(
        select(Ticket).where(_mine(requester)).order_by(Ticket.created_at.desc()).limit(200)
    ).all()
    return render_template("tickets/mine.html", requester=requester, tickets=tickets,
                           status_label=service.status_label, banners_text="")


@bp.get("/<int:ticket_id>")
def ticket(ticket_id: int) -> str | Response | tuple[str, int]:
    requester = _requester_or_sign_in()
    if isinstance(requester, Response):
        return requester
    item = _ticket(requester, ticket_id)
    return status_page(item, urls=_urls(item))


@bp.post("/<int:ticket_id>/comment")
@limiter.limit("30/hour")
def comment(ticket_id: int) -> Response | tuple[str, int]:
    requester = current_requester()
    if requester is None:
        abort(403)
    item = _ticket(requester, ticket_id)
    form = CommentForm()
    if item.status == "closed":
        flash(service.closed_comment_message(item))
        return redirect(url_for(".ticket", ticket_id=item.id))
    if not form.validate_on_submit():
        return status_page(item, comment_form=form, code=400, urls=_urls(item))
    result = redact(form.comment.data)
    if result.changed:  # show what would be stored; nothing is saved until they send again
        form.comment.data = result.text
        return status_page(item, comment_form=form, warning=describe(result.found),
                           urls=_urls(item))
    service.add_comment(item, result.text, author=requester.name)
    db.session.commit()
    flash(_("Thank you. We have added your comment."))
    return redirect(url_for(".ticket", ticket_id=item.id) + "#timeline")


@bp.post("/<int:ticket_id>/fixed")
def fixed(ticket_id: int) -> Response | tuple[str, int]:
    requester = current_requester()
    if requester is None:
        abort(403)
    item = _ticket(requester, ticket_id)
    if not CloseForm().validate_on_submit():
        return status_page(item, code=400, urls=_urls(item))
    if item.status != "closed":
        service.close_ticket(item, author=requester.name)
        db.session.commit()
        flash(_("Thank you for telling us. We have closed your request."))
    return redirect(url_for(".ticket", ticket_id=item.id))


@bp.get("/<int:ticket_id>/files/<int:attachment_id>")
def download(ticket_id: int, attachment_id: int) -> Response:
    """A screenshot, only ever as a download (as on the status page)."""
    requester = current_requester()
    if requester is None:
        abort(403)
    return service.attachment_download(_ticket(requester, ticket_id), attachment_id)
