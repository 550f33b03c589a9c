"""Merging a duplicate ticket (registered on the ``agent`` blueprint, so only signed-in
agents reach it): a confirm page shows both tickets side by side, then a POST merges."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import DataRequired

from kb.agents import merge
from kb.agents.blueprint import bp
from kb.core.inputs import parse_id
from kb.core.search.request import ticket_number
from kb.core.staff import current_agent
from kb.extensions import db
from kb.models import Ticket


class MergeForm(FlaskForm):
    into = HiddenField(validators=[DataRequired()])


def _number(text: str) -> int | None:
    """"HD-000123", "hd 123" or "123"."""
    text = text.strip()[:40]
    return ticket_number(text) if ticket_number(text) is not None else parse_id(text)


def _page(duplicate: Ticket, target: Ticket | None, *, error: str = "",
          form: MergeForm | None = None, status: int = 200) -> tuple[str, int]:
    pair = merge.sides(duplicate, target) if target is not None else None
    return render_template("agent/merge.html", duplicate=duplicate, target=target, pair=pair,
                           error=error, form=form, typed=request.values.get("into", "")[:40]
                           ), status


@bp.get("/tickets/<int:ticket_id>/merge", endpoint="ticket_merge")
def confirm(ticket_id: int) -> tuple[str, int]:
    """The confirm step (GET changes nothing): both tickets, what will move, one button."""
    duplicate = db.get_or_404(Ticket, ticket_id)
    number = _number(request.args.get("into", ""))
    if number is None:
        return _page(duplicate, None, status=400 if "into" in request.args else 200,
                     error="Enter the number of the ticket to keep, for example HD-000123."
                     if "into" in request.args else "")
    target = db.session.get(Ticket, number)
    if target is None:
        return _page(duplicate, None, status=404,
                     error=f"There is no ticket HD-{number:06d}. Check the number.")
    try:
        merge.check(duplicate, target)
    except merge.MergeRefused as refused:
        return _page(duplicate, target, error=str(refused), status=409)
    return _page(duplicate, target, form=MergeForm(into=str(target.id)))


@bp.post("/tickets/<int:ticket_id>/merge", endpoint="ticket_merge_post")
def merge_now(ticket_id: int) -> Response | tuple[str, int]:
    duplicate = db.get_or_404(Ticket, ticket_id)
    form = MergeForm()
    if not form.validate_on_submit():
        abort(400)
    target = db.get_or_404(Ticket, parse_id(form.into.data) or 0)
    try:
        merge.merge(duplicate, target, current_agent())
    except merge.MergeRefused as refused:
        return _page(duplicate, target, error=str(refused), status=409)
    db.session.commit()
    flash(f"{duplicate.reference} is merged into {target.reference} and closed. We emailed "
          "the requester once, with the link to this ticket.")
    return redirect(url_for("agent.ticket", ticket_id=target.id))
