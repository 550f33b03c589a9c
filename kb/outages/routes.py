"""Known outages in public: the service status page and "This is my problem too" (join a
known outage instead of opening a new request)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb.core.mail import recently_emailed
from kb.extensions import db, limiter
from kb.models import Outage
from kb.outages import service as outages
from kb.outages.forms import JoinOutageForm
from kb.tickets.emails import queue_ticket_email

bp = Blueprint("outages", __name__)


@bp.get("/status")
def status() -> str:
    active = outages.active_outages()
    recent = outages.recent_outages()
    counts = {o.id: outages.affected_count(o) for o in active + recent}
    return render_template("info/status.html", active=active, recent=recent, counts=counts,
                           banners_text="")


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
            queue_ticket_email(ticket, _("You are on the list for a known problem"),
                               "agent_outage_joined", own=True, outage=outage)
        db.session.commit()
        return redirect(url_for(".joined", outage_id=outage.id))
    code = 400 if form.errors else 200
    return render_template("info/join.html", outage=outage, form=form, banners_text="",
                           affected=outages.affected_count(outage)), code
