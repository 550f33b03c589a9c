"""Public information pages: service status (known outages), "About the help desk", and the
user's side of closing a ticket (Is it fixed? and a rating), reached from their email links."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import outages
from ..agents import actions
from ..agents.forms import ConfirmForm, JoinOutageForm, RateForm
from ..core.mail import recently_emailed
from ..extensions import db, limiter
from ..models import Outage, Ticket
from ..services import support
from ..tickets.emails import queue_ticket_email
from ..tickets.service import find_by_token, status_url

bp = Blueprint("info", __name__)


@bp.get("/status")
def status() -> str:
    active = outages.active_outages()
    recent = outages.recent_outages()
    counts = {o.id: outages.affected_count(o) for o in active + recent}
    return render_template("info/status.html", active=active, recent=recent, counts=counts,
                           banners_text="")


@bp.get("/about")
def about() -> str:
    cfg = support()
    return render_template("info/about.html", cfg=cfg,
                           priorities=sorted((cfg.get("priorities") or {}).items()))


def _ticket(token: str) -> Ticket:
    ticket = find_by_token(token)
    if ticket is None:
        abort(404)
    return ticket


@bp.route("/status/<token>/confirm", methods=["GET", "POST"])
def confirm(token: str) -> str | Response | tuple[str, int]:
    """"Is it fixed?" from the resolution email. The link only fills in the answer: the
    change happens when the user presses the button (GET never changes anything)."""
    ticket = _ticket(token)
    if ticket.status != "resolved":
        return render_template("info/confirm.html", ticket=ticket, form=None,
                               status_url=status_url(ticket))
    answer = request.args.get("answer")
    form = ConfirmForm(answer=answer if answer in ("yes", "no") else None)
    if form.validate_on_submit():
        fixed = form.answer.data == "yes"
        actions.confirm(ticket, fixed)
        if fixed:
            flash("Thank you. We have closed your request.")
            return redirect(url_for(".rate", token=token))
        flash("Thank you for telling us. We have opened your request again.")
        return redirect(url_for("tickets.status", token=ticket.token))
    code = 400 if form.errors else 200
    return render_template("info/confirm.html", ticket=ticket, form=form,
                           status_url=status_url(ticket)), code


@bp.route("/status/<token>/rate", methods=["GET", "POST"])
def rate(token: str) -> str | Response | tuple[str, int]:
    """One question after closing: how happy were you with the help?"""
    ticket = _ticket(token)
    if ticket.status != "closed" or ticket.rating is not None:
        return render_template("info/rate.html", ticket=ticket, form=None,
                               status_url=status_url(ticket))
    form = RateForm()
    if form.validate_on_submit():
        actions.rate(ticket, int(form.rating.data))
        flash("Thank you for your answer.")
        return redirect(url_for(".rate", token=token))
    code = 400 if form.errors else 200
    return render_template("info/rate.html", ticket=ticket, form=form,
                           status_url=status_url(ticket)), code


@bp.get("/status/outages/<int:outage_id>/joined")
def joined(outage_id: int) -> str:
    outage = db.get_or_404(Outage, outage_id)
    return render_template("info/joined.html", outage=outage, banners_text="")


@bp.route("/status/outages/<int:outage_id>/join", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def join(outage_id: int) -> str | Response | tuple[str, int]:
    """"This is my problem too": join a known outage instead of opening a new request."""
    outage = db.get_or_404(Outage, outage_id)
    if outage.resolved_at is not None:
        return render_template("info/join.html", outage=outage, form=None, banners_text="")
    form = JoinOutageForm()
    if form.validate_on_submit():
        # Whoever posts an address never sees that person's status link: it goes to the
        # address, and the page is the same whether or not the address had joined before.
        email = form.email.data or ""
        again = outages.joined_ticket(outage, email)
        ticket = again or outages.join_outage(outage, form.name.data or "", email)
        if again is None or not recently_emailed(ticket.id):
            queue_ticket_email(ticket, "You are on the list for a known problem",
                               "agent_outage_joined", outage=outage)
        db.session.commit()
        return redirect(url_for(".joined", outage_id=outage.id))
    code = 400 if form.errors else 200
    return render_template("info/join.html", outage=outage, form=form, banners_text="",
                           affected=outages.affected_count(outage)), code
