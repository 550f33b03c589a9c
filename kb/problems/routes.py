"""``/agent/problems``: the known-error database, on its own blueprint.

Leads record, change and fix known errors; every agent may read them and link a ticket
(in one step from the ticket page's knowledge panel). Signed out: the sign-in page. A bad
id or form is a 404 or a 400 with the reason, never a 500."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from kb.core import known_errors, staff
from kb.core.inputs import parse_id
from kb.core.search.request import ticket_number
from kb.core.services import library
from kb.core.staff import current_agent
from kb.extensions import db
from kb.models import KnownError, Ticket
from kb.problems import service
from kb.problems.forms import STATUS_NAMES, FixedForm, KnownErrorForm, LinkTicketForm
from kb.states import KnownErrorStatus
from kb.tickets.lifecycle import OPEN

bp = Blueprint("problems", __name__, url_prefix="/agent/problems")
bp.before_request(staff.guard(lead=True, agents=frozenset(
    {"problems.index", "problems.show", "problems.link_ticket"})))
MATCH_RECENT = 300  # open tickets looked at for "tickets that match its words"


def _article(form: KnownErrorForm) -> tuple[bool, int | None]:
    """The workaround article from the form: (valid, id or None)."""
    typed = (form.workaround.data or "").strip().upper().removeprefix("KB-").strip()
    if not typed:
        return True, None
    number = parse_id(typed)
    if number is None or library().get(number, include_internal=True) is None:
        form.workaround.errors = [*form.workaround.errors,
                                  "There is no article with that ID, for example KB-12."]
        return False, None
    return True, number


def _details(form: KnownErrorForm, article_id: int | None) -> service.Details:
    return service.Details(form.title.data or "", form.symptoms.data or "",
                           form.cause.data or "", article_id,
                           KnownErrorStatus(form.status.data))


@bp.get("")
def index() -> str:
    return render_template("problems/index.html", rows=service.all_known(),
                           statuses=STATUS_NAMES, is_lead=current_agent().is_lead)


@bp.route("/new", methods=["GET", "POST"])
def new() -> str | Response | tuple[str, int]:
    form = KnownErrorForm()
    if form.validate_on_submit():
        ok, article_id = _article(form)
        if ok:
            known = service.create(_details(form, article_id), current_agent())
            db.session.commit()
            flash(f"{known.reference} recorded.")
            return redirect(url_for(".show", known_id=known.id))
    status = 400 if form.is_submitted() else 200
    return render_template("problems/edit.html", form=form, known=None), status


def _known_or_404(known_id: int) -> KnownError:
    known = service.get(known_id)
    if known is None:
        abort(404)
    return known


def _matching_tickets(known: KnownError) -> list[Ticket]:
    """Recent open tickets whose words match and that are not linked yet."""
    linked = {link.ticket_id for link in known.links}
    probe = known_errors.Known(known.id, known.title, known.status, None,
                               known_errors.symptom_lines(known.title, known.symptoms))
    recent = db.session.scalars(
        db.select(Ticket).where(Ticket.status.in_([s.value for s in OPEN]),
                                Ticket.merged_into_id.is_(None))
        .order_by(Ticket.id.desc()).limit(MATCH_RECENT)).all()
    return [t for t in recent if t.id not in linked and known_errors.matches(
        probe, known_errors.stems(f"{t.summary} {t.description}"))][:20]


def _show(known: KnownError, status: int = 200, **given: object) -> tuple[str, int]:
    form = given.get("form") or KnownErrorForm(
        title=known.title, symptoms=known.symptoms, cause=known.cause,
        workaround=f"KB-{known.workaround_article_id}" if known.workaround_article_id else "",
        status=known.status.value)
    art = library().get(known.workaround_article_id or 0, include_internal=True)
    failed = next((f for f in given.values() if getattr(f, "errors", None)), None)
    return render_template(
        "problems/show.html", known=known, form=form, article=art, failed=failed,
        link_form=given.get("link_form") or LinkTicketForm(), fixed_form=FixedForm(),
        statuses=STATUS_NAMES, matching=_matching_tickets(known),
        is_lead=current_agent().is_lead), status


@bp.get("/<int:known_id>")
def show(known_id: int) -> tuple[str, int]:
    return _show(_known_or_404(known_id))


@bp.post("/<int:known_id>")
def edit(known_id: int) -> Response | tuple[str, int]:
    known = _known_or_404(known_id)
    form = KnownErrorForm()
    if form.validate_on_submit():
        ok, article_id = _article(form)
        if ok:
            sent = service.update(known, _details(form, article_id), current_agent())
            db.session.commit()
            flash(_saved(known, sent))
            return redirect(url_for(".show", known_id=known.id))
    return _show(known, 400, form=form)


def _saved(known: KnownError, sent: int) -> str:
    if known.status == KnownErrorStatus.FIXED:
        return (f"{known.reference} is fixed. {sent} "
                f"{'person was' if sent == 1 else 'people were'} told by email.")
    return f"{known.reference} saved."


@bp.post("/<int:known_id>/fixed")
def fixed(known_id: int) -> Response:
    known = _known_or_404(known_id)
    if not FixedForm().validate_on_submit():
        abort(400)
    was_fixed = known.status == KnownErrorStatus.FIXED
    sent = service.mark_fixed(known, current_agent())
    db.session.commit()
    flash(f"{known.reference} was already fixed: nobody was told again." if was_fixed
          else _saved(known, sent))
    return redirect(url_for(".show", known_id=known.id))


@bp.post("/<int:known_id>/tickets")
def link_ticket(known_id: int) -> Response | tuple[str, int]:
    """Link a ticket ("HD-000123" or its number); from the ticket page, back there."""
    known = _known_or_404(known_id)
    form = LinkTicketForm()
    if form.validate_on_submit():
        typed = (form.ticket.data or "").strip().upper()
        number = ticket_number(typed) or parse_id(typed)
        ticket = db.session.get(Ticket, number) if number else None
        if ticket is not None:
            added = service.link(known, ticket, current_agent())
            db.session.commit()
            flash(f"{ticket.reference} linked to {known.reference}." if added
                  else f"{ticket.reference} was already linked to {known.reference}.")
            if form.back.data == "ticket":
                return redirect(url_for("agent.ticket", ticket_id=ticket.id))
            return redirect(url_for(".show", known_id=known.id))
        form.ticket.errors = [*form.ticket.errors, "There is no ticket with that number."]
    return _show(known, 400, link_form=form)
