"""The email inbox of the agent workspace (on the ``agent`` blueprint): replies that could
not be added to a ticket by themselves (kb.tickets.inbound), each with the reason. An agent
adds one to a ticket or discards it; the nav shows how many wait."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from kb.agents.blueprint import bp
from kb.core.inputs import MAX_ID
from kb.core.staff import current_agent
from kb.extensions import db
from kb.models import InboundMessage, Ticket
from kb.tickets import inbound
from kb.tickets.lifecycle import OPEN

OPEN_CHOICES = 200  # open tickets offered in "Add to …" when no ticket matched


class AddForm(FlaskForm):
    ticket_id = IntegerField("Add to ticket", validators=[
        InputRequired(message="Choose the ticket to add it to."),
        NumberRange(min=1, max=MAX_ID, message="Choose the ticket to add it to.")])


class DiscardForm(FlaskForm):
    """Only the CSRF token."""


@bp.context_processor
def _inbox_count() -> dict[str, Any]:
    """How many held emails wait, for the agent nav (counted here, not in the template)."""
    if not current_user.is_authenticated:
        return {}
    return {"inbox_count": inbound.held_count()}


@bp.get("/inbox", endpoint="inbox")
def inbox() -> str:
    open_tickets = list(db.session.scalars(
        select(Ticket).where(Ticket.status.in_([s.value for s in OPEN]))
        .order_by(Ticket.id.desc()).limit(OPEN_CHOICES)))
    return render_template("agent/inbox.html", messages=inbound.held_messages(),
                           reasons=inbound.REASON_WORDS, open_tickets=open_tickets,
                           add_form=AddForm(), discard_form=DiscardForm())


def _held(message_id: int) -> InboundMessage:
    row = db.get_or_404(InboundMessage, message_id)
    if row.state != "held":
        abort(409)
    return row


@bp.post("/inbox/<int:message_id>/add", endpoint="inbox_add")
def inbox_add(message_id: int) -> Response:
    row = _held(message_id)
    form = AddForm()
    if not form.validate_on_submit():
        flash("Choose the ticket to add the email to.")
        return redirect(url_for("agent.inbox"))
    ticket = db.get_or_404(Ticket, form.ticket_id.data)
    me = current_agent()
    inbound.add_held(row, ticket, me.id, me.name)
    db.session.commit()
    flash(f"Email added to {ticket.reference}.")
    return redirect(url_for("agent.inbox"))


@bp.post("/inbox/<int:message_id>/discard", endpoint="inbox_discard")
def inbox_discard(message_id: int) -> Response:
    row = _held(message_id)
    if not DiscardForm().validate_on_submit():
        abort(400)
    inbound.discard_held(row, current_agent().id)
    db.session.commit()
    flash("Email discarded.")
    return redirect(url_for("agent.inbox"))
