"""The page an invitation link opens (on the ``agent`` blueprint, one of its two public
pages): the invitee chooses a password and is signed in. GET changes nothing; the link is
used up only when the password is saved."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from kb.agents import invites
from kb.agents.blueprint import bp
from kb.agents.team_forms import AcceptForm
from kb.core import staff
from kb.core.identity import sso_enabled
from kb.extensions import db, limiter


def _gone(message: str, status: int) -> tuple[str, int]:
    return render_template("agent/invite_gone.html", message=message), status


@bp.route("/invite/<token>", endpoint="invite", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def accept(token: str) -> Response | tuple[str, int]:
    invitation = invites.find(token)
    if invitation is None:
        return _gone(invites.UNKNOWN, 404)
    reason = invites.problem(invitation)
    if reason is not None:
        return _gone(invites.GONE[reason], 410)
    form = AcceptForm()
    if form.validate_on_submit():
        try:
            agent = invites.accept(invitation, form.password.data or "")
        except ValueError as exc:  # another tab used it a moment ago
            db.session.rollback()
            return _gone(invites.GONE.get(str(exc), invites.UNKNOWN), 410)
        db.session.commit()
        staff.start_session(agent)
        flash(f"Welcome to the team, {agent.name}. You are signed in.")
        return redirect(url_for("agent.search"))
    return render_template("agent/invite.html", invitation=invitation, form=form, token=token,
                           sso=sso_enabled()), 400 if form.errors else 200
