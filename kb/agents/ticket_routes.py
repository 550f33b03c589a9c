"""Ticket pages of the agent workspace (registered on the ``agent`` blueprint): the queue,
one ticket with its timeline, and the actions taken on it."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from kb.agents import actions
from kb.agents.blueprint import bp
from kb.agents.forms import (
    AssignForm,
    EscalateForm,
    FlagForm,
    LinkForm,
    MessageForm,
    ResolveForm,
    StatusForm,
)
from kb.agents.queue import VIEWS, likely_duplicates, queue
from kb.core import known_errors
from kb.core.inputs import arg_page
from kb.core.mail import STATE_WORDS, emails_for
from kb.core.services import library, search_index, support
from kb.core.staff import current_agent
from kb.extensions import db
from kb.models import Agent, Attachment, Ticket
from kb.outages.service import matching_outages
from kb.tickets.lifecycle import IllegalTransition, TicketStatus, can_move
from kb.tickets.service import STATUSES, attachment_path, load_details


@bp.route("/tickets", endpoint="tickets")
def tickets() -> str:
    args = request.args
    status = args.get("status", "open")
    view = args.get("view", "") if args.get("view", "") in VIEWS else ""
    mine = current_agent() if args.get("mine") or view == "mine" else None
    text = args.get("q", "")[:100]
    teams = list(current_agent().teams or []) if view == "groups" else None
    found = queue(status=status, category=args.get("category", ""),
                  priority=args.get("priority", ""), mine=mine, page=arg_page(), text=text,
                  view=view, teams=teams)
    categories = sorted(set(db.session.scalars(select(Ticket.category).distinct())))
    return render_template("agent/tickets.html", rows=found.rows, found=found, status=status,
                           mine=bool(mine), q=text, view=view, views=VIEWS, teams=teams,
                           duplicates=likely_duplicates([r.ticket for r in found.rows]),
                           category=args.get("category", ""), priority=args.get("priority", ""),
                           category_choices=categories, statuses=STATUSES,
                           priorities=sorted((support().get("priorities") or {}).items()))


def _agents() -> list[Agent]:
    return list(db.session.scalars(select(Agent).where(Agent.active.is_(True))
                                   .order_by(Agent.name)))


def _escalation_groups() -> list[tuple[str, str]]:
    groups = support().get("groups") or []
    return [(g["name"], f"{g['name']} (line {g.get('tier', 2)})") for g in groups
            if int(g.get("tier", 1)) >= 2]


def status_choices(item: Ticket) -> list[tuple[str, str]]:
    """The current status first (so the box shows it after any action), then where the
    lifecycle lets it go from here; resolving has its own form."""
    return [(item.status, f"{item.status.capitalize()} (now)")] + [
        (s.value, s.value.capitalize()) for s in TicketStatus
        if s is not TicketStatus.RESOLVED and can_move(item, s)]


def forms_for(item: Ticket, **given: FlaskForm) -> dict[str, FlaskForm]:
    """Every form on the ticket page; a form that failed validation is passed in as is."""
    forms: dict[str, FlaskForm] = {
        "assign_form": AssignForm(assignee=item.assignee_id or current_agent().id),
        "status_form": StatusForm(status=item.status),
        "message_form": MessageForm(),
        "link_form": LinkForm(),
        "escalate_form": EscalateForm(),
        "resolve_form": ResolveForm(),
        "flag_form": FlagForm(flag_ticket=str(item.id)),
    }
    forms.update(given)
    forms["status_form"].status.choices = status_choices(item)
    forms["assign_form"].assignee.choices = (
        [(0, "Nobody")] + [(a.id, a.name) for a in _agents()])
    forms["escalate_form"].group.choices = (
        [("", "Choose a group")] + _escalation_groups())
    return forms


def tried_path(transcript: list[Any]) -> list[dict[str, str]]:
    """"What they already tried" as a readable list: each question with its answer in the
    order asked, steps marked worked / did not work; the separate "Already tried" copies of
    the same steps are left out."""
    rows: list[dict[str, str]] = []
    asked = {str(i.get("question", "")) for i in transcript if isinstance(i, dict)}
    for item in transcript:
        if not isinstance(item, dict):
            rows.append({"question": "", "answer": str(item), "outcome": ""})
            continue
        kind, answer = str(item.get("kind", "")), str(item.get("answer", ""))
        if kind == "tried" and any(answer in q for q in asked):
            continue  # the step itself is already in the list, with its outcome
        outcome = ""
        if kind == "step":
            outcome = "worked" if answer.lower().startswith("yes") else "did not work"
        rows.append({"question": str(item.get("question", "")), "answer": answer,
                     "outcome": outcome, "told": "yes" if kind == "told" else ""})
    return rows


def _suggested(item: Ticket, linked: list[Any]) -> list[Any]:
    """Articles for the ticket's own words (internal ones too), not those already linked."""
    have = {link.article_id for link, _art in linked}
    try:
        hits = search_index().search(f"{item.summary} {item.description}"[:1000], per_page=6,
                                     include_internal=True).hits
    except Exception:  # the knowledge panel helps; it must never break the ticket page
        return []
    return [h for h in hits if h.id not in have][:5]


def _outages(item: Ticket) -> list[Any]:
    try:
        return list(matching_outages(f"{item.summary} {item.description}"))
    except Exception:
        return []


def _known(item: Ticket) -> tuple[list[Any], list[Any]]:
    """The known errors this ticket is linked to, and those its words match (not linked)."""
    try:
        linked = known_errors.linked_to(item.id)
        have = {k.id for k in linked}
        return linked, [k for k in known_errors.matching(f"{item.summary} {item.description}")
                        if k.id not in have]
    except Exception:  # the knowledge panel helps; it must never break the ticket page
        return [], []


def _next_ticket(item: Ticket) -> int | None:
    """The most urgent other open ticket (the queue's first row that is not this one)."""
    rows = queue(per_page=2).rows
    return next((r.ticket.id for r in rows if r.ticket.id != item.id), None)


def render_ticket(item: Ticket, status: int = 200, **given: FlaskForm) -> tuple[str, int]:
    item = load_details(item)
    lib = library()
    linked = [(link, lib.get(link.article_id, include_internal=True)) for link in item.links]
    forms = forms_for(item, **given)
    failed = next((f for f in given.values() if f.errors), None)
    duplicate_of = likely_duplicates([item]).get(item.id) if item.merged_into_id is None \
        else None
    return render_template("agent/ticket.html", ticket=item, linked=linked, failed=failed,
                           duplicate_of=duplicate_of,
                           emails=emails_for(item.id), email_states=STATE_WORDS,
                           tried=tried_path(item.transcript or []),
                           next_ticket=_next_ticket(item), suggested=_suggested(item, linked),
                           outages=_outages(item), known=_known(item), **forms), status


@bp.route("/tickets/<int:ticket_id>", endpoint="ticket")
def ticket(ticket_id: int) -> tuple[str, int]:
    return render_ticket(db.get_or_404(Ticket, ticket_id))


@bp.route("/tickets/<int:ticket_id>/attachments/<int:attachment_id>", endpoint="attachment")
def attachment(ticket_id: int, attachment_id: int) -> Response:
    att = db.get_or_404(Attachment, attachment_id)
    if att.ticket_id != ticket_id:
        abort(404)
    path = attachment_path(att)
    return send_from_directory(path.parent, path.name, as_attachment=True,
                               download_name=att.original_name, mimetype=att.mime)


def _done(item: Ticket, message: str) -> Response:
    """Every action ends here: the one commit of the request, then back to the ticket."""
    db.session.commit()
    flash(message)
    return redirect(url_for("agent.ticket", ticket_id=item.id))


@bp.route("/tickets/<int:ticket_id>/assign", endpoint="ticket_assign", methods=['POST'])
def assign(ticket_id: int) -> Response | tuple[str, int]:
    item = db.get_or_404(Ticket, ticket_id)
    form = forms_for(item, assign_form=AssignForm())["assign_form"]
    if not form.validate_on_submit():
        return render_ticket(item, 400, assign_form=form)
    who = db.session.get(Agent, form.assignee.data) if form.assignee.data else None
    actions.assign(item, who, current_agent())
    return _done(item, f"Assigned to {who.name if who else 'nobody'}.")


@bp.route("/tickets/<int:ticket_id>/status", endpoint="ticket_status", methods=['POST'])
def status(ticket_id: int) -> Response | tuple[str, int]:
    item = db.get_or_404(Ticket, ticket_id)
    form = StatusForm()
    form.status.choices = [*status_choices(item), *(
        (s.value, s.value) for s in TicketStatus if s is not TicketStatus.RESOLVED)]
    if not form.validate_on_submit():
        return render_ticket(item, 400, status_form=form)
    try:
        actions.set_status(item, form.status.data or "", current_agent())
    except IllegalTransition:
        form.status.errors = [
            f"{item.reference} was merged into HD-{item.merged_into_id:06d}, so it stays "
            "closed. Work on that ticket instead." if item.merged_into_id else
            f"A {item.status} ticket cannot become {form.status.data}. "
            "Reopen it first, or resolve it with an explanation."]
        return render_ticket(item, 400, status_form=form)
    return _done(item, f"Status is now {item.status}.")


@bp.route("/tickets/<int:ticket_id>/message", endpoint="ticket_message", methods=['POST'])
def message(ticket_id: int) -> Response | tuple[str, int]:
    item = db.get_or_404(Ticket, ticket_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return render_ticket(item, 400, message_form=form)
    text = (form.message.data or "").strip()
    if form.kind.data == "note":
        actions.note(item, text, current_agent())
        return _done(item, "Internal note added.")
    actions.reply(item, text, current_agent())
    return _done(item, "Reply queued to the user by email (see Emails below).")


@bp.route("/tickets/<int:ticket_id>/link", endpoint="ticket_link", methods=['POST'])
def link(ticket_id: int) -> Response | tuple[str, int]:
    item = db.get_or_404(Ticket, ticket_id)
    form = LinkForm()
    if form.validate_on_submit():
        number = actions.parse_kb_id(form.kb_id.data or "")
        if number is not None and library().get(number, include_internal=True) is not None:
            added = actions.link_article(item, number, current_agent())
            return _done(item, f"KB-{number} linked." if added else f"KB-{number} was "
                         "already linked.")
        form.kb_id.errors = [*form.kb_id.errors, "There is no article with that ID."]
    return render_ticket(item, 400, link_form=form)


@bp.route("/tickets/<int:ticket_id>/escalate", endpoint="ticket_escalate", methods=['POST'])
def escalate(ticket_id: int) -> Response | tuple[str, int]:
    item = db.get_or_404(Ticket, ticket_id)
    form = forms_for(item, escalate_form=EscalateForm())["escalate_form"]
    if not form.validate_on_submit():
        return render_ticket(item, 400, escalate_form=form)
    group = form.group.data or ""
    actions.escalate(item, group, (form.reason.data or "").strip(),
                     current_agent())
    return _done(item, f"Passed to {group}.")


@bp.route("/tickets/<int:ticket_id>/resolve", endpoint="ticket_resolve", methods=['POST'])
def resolve(ticket_id: int) -> Response | tuple[str, int]:
    item = db.get_or_404(Ticket, ticket_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        return render_ticket(item, 400, resolve_form=form)
    try:
        actions.resolve(item, (form.explanation.data or "").strip(), current_agent())
    except IllegalTransition:
        form.explanation.errors = [f"This ticket is already {item.status}. To change the "
                                   "explanation, add a reply; the user can reopen it."]
        return render_ticket(item, 400, resolve_form=form)
    return _done(item, "Resolved. The user will be asked by email to confirm it is fixed.")
