"""The requester's side of a ticket, reached from the emailed status link: the status page,
comments, "It's fixed now", screenshots, and after a resolution "Is it fixed?" and a rating."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb.core.privacy import describe, redact
from kb.extensions import db, limiter
from kb.models import Ticket, utcnow
from kb.tickets import service
from kb.tickets.blueprint import bp
from kb.tickets.forms import CloseForm, CommentForm, IsItFixedForm, RateForm


def _ticket_or_404(token: str) -> Ticket:
    ticket = service.find_by_token(token)
    if ticket is None:
        abort(404)
    return ticket


def status_page(ticket: Ticket, comment_form: CommentForm | None = None, warning: str = "",
                code: int = 200, urls: dict[str, Any] | None = None) -> tuple[str, int]:
    """The ticket as its owner sees it. ``urls`` (comment_url, fixed_url, file_url) say where
    its forms post: the token routes here, the signed-in routes in "My requests"."""
    ticket = service.load_details(ticket)
    events = [e for e in ticket.events if e.public]
    urls = dict(urls or {})
    urls.setdefault("comment_url", url_for("tickets.comment", token=ticket.token))
    urls.setdefault("fixed_url", url_for("tickets.fixed", token=ticket.token))
    urls.setdefault("file_url", lambda attachment_id: url_for(
        "tickets.download", token=ticket.token, attachment_id=attachment_id))
    if ticket.merged_into is not None:  # same address, so the same person's link
        urls.setdefault("merged_url", url_for("tickets.status",
                                              token=ticket.merged_into.token))
    return render_template(
        "tickets/status.html", ticket=ticket, events=events,
        deadline=service.deadline_words(ticket),
        comment_form=comment_form or CommentForm(), close_form=CloseForm(), warning=warning,
        status_words=service.status_words(ticket.status),
        status_label=service.status_label(ticket.status), event_label=service.event_label,
        banners_text="", **urls,
    ), code


@bp.get("/status/<token>")
def status(token: str) -> tuple[str, int]:
    """The status page, from the emailed link: opening it confirms the address."""
    ticket = _ticket_or_404(token)
    if ticket.verified_at is None:
        ticket.verified_at = utcnow()
        db.session.commit()
    return status_page(ticket)


@bp.post("/status/<token>/comment")
@limiter.limit("30/hour")
def comment(token: str) -> Response | tuple[str, int]:
    ticket = _ticket_or_404(token)
    form = CommentForm()
    if ticket.status == "closed":
        flash(service.closed_comment_message(ticket))
        return redirect(url_for(".status", token=token))
    if not form.validate_on_submit():
        return status_page(ticket, form, code=400)
    result = redact(form.comment.data)
    if result.changed:  # show what would be stored; nothing is saved until they send again
        form.comment.data = result.text
        return status_page(ticket, form, warning=describe(result.found))
    service.add_comment(ticket, result.text, author=ticket.name)
    db.session.commit()
    flash(_("Thank you. We have added your comment."))
    return redirect(url_for(".status", token=token) + "#timeline")


@bp.post("/status/<token>/fixed")
def fixed(token: str) -> Response | tuple[str, int]:
    """"It's fixed now": the user confirms, so the ticket closes."""
    ticket = _ticket_or_404(token)
    form = CloseForm()
    if not form.validate_on_submit():
        return status_page(ticket, code=400)
    if ticket.status != "closed":
        service.close_ticket(ticket, author=ticket.name)
        db.session.commit()
        flash(_("Thank you for telling us. We have closed your request."))
    return redirect(url_for(".status", token=token))


@bp.get("/status/<token>/files/<int:attachment_id>")
def download(token: str, attachment_id: int) -> Response:
    """A screenshot, only ever as a download so a browser never runs or shows it inline."""
    return service.attachment_download(_ticket_or_404(token), attachment_id)


@bp.route("/status/<token>/confirm", methods=["GET", "POST"])
def confirm(token: str) -> str | Response | tuple[str, int]:
    """"Is it fixed?" from the resolution email. The link only fills in the answer: the
    change happens when the user presses the button (GET never changes anything)."""
    ticket = _ticket_or_404(token)
    if ticket.status != "resolved":
        return render_template("info/confirm.html", ticket=ticket, form=None,
                               status_url=service.status_url(ticket))
    answer = request.args.get("answer")
    form = IsItFixedForm(answer=answer if answer in ("yes", "no") else None)
    if form.validate_on_submit():
        fixed = form.answer.data == "yes"
        service.confirm(ticket, fixed)
        db.session.commit()
        if fixed:
            flash(_("Thank you. We have closed your request."))
            return redirect(url_for(".rate", token=token))
        flash(_("Thank you for telling us. We have opened your request again."))
        return redirect(url_for("tickets.status", token=ticket.token))
    code = 400 if form.errors else 200
    return render_template("info/confirm.html", ticket=ticket, form=form,
                           status_url=service.status_url(ticket)), code


@bp.route("/status/<token>/rate", methods=["GET", "POST"])
def rate(token: str) -> str | Response | tuple[str, int]:
    """One question after closing: how happy were you with the help?"""
    ticket = _ticket_or_404(token)
    if ticket.status != "closed" or ticket.rating is not None or ticket.merged_into_id:
        return render_template("info/rate.html", ticket=ticket, form=None,
                               status_url=service.status_url(ticket))
    form = RateForm()
    if form.validate_on_submit():
        service.rate(ticket, int(form.rating.data))
        db.session.commit()
        flash(_("Thank you for your answer."))
        return redirect(url_for(".rate", token=token))
    code = 400 if form.errors else 200
    return render_template("info/rate.html", ticket=ticket, form=form,
                           status_url=service.status_url(ticket)), code
