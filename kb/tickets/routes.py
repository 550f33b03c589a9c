"""Asking the help desk: the ticket form (direct, from a search or from a wizard hand-off),
the confirmation, and the status page that only the holder of the ticket's token can see."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from flask import (
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from kb.core.health import DB_DOWN
from kb.core.identity import current_requester
from kb.core.inputs import parse_id
from kb.core.mail import latest_email, recently_confirmed
from kb.core.privacy import describe, redact
from kb.core.search import Hit
from kb.core.services import library, search_index
from kb.core.softcache import rollback
from kb.core.visitor import session_key
from kb.extensions import db, limiter
from kb.models import Requester, Ticket, utcnow
from kb.outages.service import matching_outages
from kb.tickets import service
from kb.tickets.blueprint import bp
from kb.tickets.emails import queue_links_again, queue_ticket_email
from kb.tickets.forms import LostLinkForm, TicketForm

log = logging.getLogger(__name__)

SUGGESTION_COUNT = 5
LOST_LINK_DAYS = timedelta(days=365)  # requests whose links can be asked for again


def _categories() -> list[tuple[str, str]]:
    return [(cid, c.name) for cid, c in library().categories.items() if cid != "agents"]


def _handoff(run_key: str | None) -> dict[str, Any] | None:
    """What a wizard run collected, only when this browser ran it."""
    if not run_key:
        return None
    from kb.wizards import handoff_payload

    return handoff_payload(run_key[:64])


def _article(ref: str | None) -> Any:
    """The article the user tried before asking ("KB-12" or "12"), if it is public."""
    number = parse_id((ref or "").strip().upper().removeprefix("KB-"))
    return library().get(number) if number is not None else None


def _tried(handoff: dict[str, Any] | None, article: Any) -> set[int]:
    """Articles the user already said did not help: never suggested to them again."""
    out = {int(a) for a in (handoff or {}).get("failed_articles") or []}
    if article is not None:
        out.add(article.id)
    return out


def suggestions_for(text: str) -> list[Hit]:
    """Articles that match what the user is typing. Not logged: a half-typed sentence is not
    a search, and would fill the no-results worklist with noise."""
    text = " ".join(text.split())[:200]
    if len(text) < 3:
        return []
    try:
        return list(search_index().search(text, page=1, per_page=SUGGESTION_COUNT).hits)
    except Exception:  # suggestions help; they must never stop someone asking for help
        log.exception("could not suggest articles for the ticket form")
        return []


def _transcript(handoff: dict[str, Any] | None, article: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if handoff:
        items += [dict(i) for i in handoff.get("transcript") or []]
        items += [{"question": "Already tried", "answer": t, "kind": "tried"}
                  for t in handoff.get("tried") or []]
    if article is not None:
        items.append({"question": "Article you tried first",
                      "answer": f"{article.kb_id}: {article.title}", "kind": "article"})
    return items


def _prefill(form: TicketForm, handoff: dict[str, Any] | None) -> None:
    """Fill the form from the wizard or the search, so nobody types anything twice."""
    form.submission_key.data = secrets.token_urlsafe(24)
    form.q.data = request.args.get("q", "").strip()[:200]
    form.run.data = request.args.get("run", "")[:64]
    form.article.data = request.args.get("article", "")[:20]
    form.category.data = "other"
    _from_requester(form)
    if form.q.data:
        form.summary.data = form.q.data
    if handoff:
        form.summary.data = handoff.get("summary") or form.summary.data
        if handoff.get("category") in {c.value for c in form.category.choices or []}:
            form.category.data = handoff["category"]
        form.impact.data = handoff.get("impact") or None
        form.urgency.data = handoff.get("urgency") or None


def _from_requester(form: TicketForm) -> Requester | None:
    """A signed-in requester's name and email come from the ID token, whatever was typed,
    so agents can trust them ("verified by sign-in")."""
    requester = current_requester()
    if requester is not None:
        form.name.data = requester.name
        form.email.data = requester.email
    return requester


@bp.route("/ask", methods=["GET", "POST"])
@limiter.limit("30/hour", methods=["POST"])
def ask() -> str | Response | tuple[str, int]:
    try:
        return _ask()
    except DB_DOWN:
        return _ask_unavailable()


def _ask_unavailable() -> tuple[str, int]:
    """The database is down: the form again, with what was typed and whom to call instead."""
    rollback()
    log.warning("ticket form: the database is unavailable")
    form = TicketForm(categories=_categories())
    if request.method == "GET":
        _prefill(form, None)
    return render_template(
        "tickets/ask.html", form=form, handoff=None, article=None, warning="", outages=[],
        transcript=[], previewing=False, suggestions=[], banners_text="", unavailable=True,
    ), 503


def _ask() -> str | Response | tuple[str, int]:
    form = TicketForm(categories=_categories())
    if request.method == "POST":
        done = service.find_by_submission_key(form.submission_key.data)
        if done is not None:  # a double-click or a resubmit: show the first one again
            return redirect(url_for(".sent", receipt=done.receipt))
        if not form.submission_key.data or len(form.submission_key.data) > 64:
            form.submission_key.data = secrets.token_urlsafe(24)
    handoff = _handoff(form.run.data if request.method == "POST" else request.args.get("run"))
    if request.method == "GET":
        _prefill(form, handoff)
    article = _article(form.article.data)
    warning = ""
    status = 200
    previewing = request.method == "POST" and "preview" in request.form
    if request.method == "POST":
        _from_requester(form)  # also on a preview: the page shows what will be sent
    if previewing:
        warning = _redact_form(form)
    elif request.method == "POST":
        if form.validate_on_submit():
            warning = _redact_form(form)
            if not warning:
                return _create(form, handoff, article)
        else:
            status = 400
    typed = f"{form.summary.data or ''} {form.description.data or ''}".strip()
    return render_template(
        "tickets/ask.html", form=form, handoff=handoff, article=article, warning=warning,
        outages=matching_outages(typed) if typed else [],
        transcript=_transcript(handoff, article), previewing=previewing,
        suggestions=[h for h in suggestions_for(typed) if h.id not in _tried(handoff, article)]
        if (previewing or request.method == "GET") else [],
        banners_text=form.summary.data or "", requester=current_requester(),
    ), status


def _redact_form(form: TicketForm) -> str:
    """Replace passwords in the typed text; the words for the warning if anything changed."""
    found: list[str] = []
    for field in (form.summary, form.description):
        result = redact(field.data)
        if result.changed:
            field.data = result.text
            found += result.found
    return describe(found)


def _create(form: TicketForm, handoff: dict[str, Any] | None, article: Any) -> Response:
    requester = _from_requester(form)
    ticket, created = service.create_ticket(service.NewTicket(
        summary=form.summary.data or "",
        description=form.description.data or "",
        name=form.name.data or "",
        email=form.email.data or "",
        phone=form.phone.data or None,
        category=form.category.data or "other",
        impact=form.impact.data or "me",
        urgency=form.urgency.data or "normal",
        transcript=_transcript(handoff, article),
        wizard_id=handoff.get("wizard_id") if handoff else None,
        search_query=form.q.data or None,
        submission_key=form.submission_key.data,
        upload=form.upload,
        requester_id=requester.id if requester is not None else None,
        session_key=session_key(),
    ))
    if created:
        if requester is not None:  # signed in: the address is the organisation's own
            ticket.verified_at = utcnow()
        if ticket.verified_at is not None or not recently_confirmed(ticket.email):
            queue_ticket_email(ticket, _("We have your request"), "ticket_created", own=True)
    db.session.commit()  # the ticket and its email together; the worker sends it after this
    return redirect(url_for(".sent", receipt=ticket.receipt))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_e: Exception) -> tuple[str, int]:
    """A file far over the limit never reaches the form: say so plainly."""
    return render_template("tickets/too_large.html"), 413


@bp.get("/ask/suggestions")
def suggestions() -> Response:
    """Suggested articles for the ticket form's summary, as the user types (JavaScript)."""
    tried = _tried(_handoff(request.args.get("run")), _article(request.args.get("article")))
    hits = [h for h in suggestions_for(request.args.get("q", "")) if h.id not in tried]
    lib = library()
    out = []
    for hit in hits:
        art = lib.get(hit.id)
        if art is not None:
            out.append({"id": art.kb_id, "title": art.title, "summary": art.summary,
                        "url": url_for("public.article", article_id=art.id, slug=art.slug)})
    return jsonify({"results": out})


@bp.route("/ask/lost-link", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def lost_link() -> str | Response | tuple[str, int]:
    """Lost the status link? It is emailed again to the address on file; the browser only
    ever sees "if we have requests for that address, we have emailed the links"."""
    form = LostLinkForm()
    if form.validate_on_submit():
        address = (form.email.data or "").strip()
        since = utcnow() - LOST_LINK_DAYS
        tickets = list(db.session.scalars(
            select(Ticket).where(func.lower(Ticket.email) == address.lower(),
                                 Ticket.created_at >= since)
            .order_by(Ticket.created_at.desc()).limit(20)))
        queue_links_again(address, tickets)
        db.session.commit()
        return redirect(url_for(".lost_link_sent"))
    return render_template("tickets/lost_link.html", form=form), 400 if form.errors else 200


@bp.get("/ask/lost-link/sent")
def lost_link_sent() -> str:
    return render_template("tickets/lost_link_sent.html")


@bp.get("/ask/sent/<receipt>")
def sent(receipt: str) -> str:
    """The confirmation page: reference, what happens next and by when. It never shows the
    status link: that goes to the address typed, so only its owner can read the replies."""
    ticket = service.find_by_receipt(receipt)
    if ticket is None:
        abort(404)
    email = latest_email(ticket.id, "ticket_created")
    return render_template("tickets/sent.html", ticket=ticket,
                           deadline=service.deadline_words(ticket),
                           email_state=_email_state(email))


def _email_state(email: Any) -> str:
    """"sent", "queued", "trying" (a try failed, we keep trying), "failed", or "" when
    there is no confirmation email on record (tickets from before the outbox)."""
    if email is None:
        return ""
    if email.state == "failed":
        return "failed"
    if email.state == "sent":
        return "sent"
    return "trying" if email.last_error else "queued"
