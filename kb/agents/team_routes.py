"""The team, for leads: invite someone by email, resend or revoke an invitation, change a
role, set an agent's groups, switch an account off or on. Registered on the ``agent``
blueprint (so the sign-in check in its ``before_request`` applies); every route here also
needs the lead role.

Inviting replaced "add an agent with a first password": the password was told on the phone
and known to two people; the invitee now chooses it on a one-time page
(``invite_routes``). ``flask kb create-agent`` stays for the first lead."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from kb.agents import invites
from kb.agents.blueprint import bp
from kb.agents.team_forms import InviteForm, RoleForm, SwitchForm, TeamsForm
from kb.agents.teams import clean, group_choices
from kb.core import staff as auth
from kb.core.staff import current_agent
from kb.extensions import db
from kb.models import Agent, Invitation, utcnow
from kb.states import AgentRole


def _lead() -> Agent:
    me = current_agent()
    if not me.is_lead:
        abort(403)
    return me


def _page(form: InviteForm | None = None, status: int = 200) -> tuple[str, int]:
    agents = db.session.scalars(select(Agent).order_by(Agent.active.desc(), Agent.name)).all()
    return render_template("agent/team.html", agents=agents, form=form or InviteForm(),
                           role_form=RoleForm(), switch=SwitchForm(), groups=group_choices(),
                           invitations=invites.pending(), now=utcnow(),
                           me=current_agent()), status


@bp.get("/team", endpoint="team")
def team() -> tuple[str, int]:
    _lead()
    return _page()


@bp.post("/team/invite", endpoint="team_invite")
def invite() -> Response | tuple[str, int]:
    me = _lead()
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        invitation = invites.invite(form.email.data or "", form.name.data or "",
                                    form.role.data or "agent", list(form.teams.data or []), me)
    except invites.InviteRefused as refused:
        form.email.errors = [str(refused)]
        return _page(form, 400)
    db.session.commit()
    flash(f"Invitation sent to {invitation.email}. The link works once, for "
          f"{int(invites.hours())} hours.")
    return redirect(url_for("agent.team"))


def _invitation(invitation_id: int) -> Invitation:
    invitation = db.get_or_404(Invitation, invitation_id)
    if not SwitchForm().validate_on_submit():
        abort(400)
    return invitation


@bp.post("/team/invitations/<int:invitation_id>/resend", endpoint="team_invite_resend")
def resend(invitation_id: int) -> Response:
    me = _lead()
    invitation = _invitation(invitation_id)
    try:
        invites.resend(invitation, me)
    except invites.InviteRefused as refused:
        flash(str(refused))
        return redirect(url_for("agent.team"))
    db.session.commit()
    flash(f"A new invitation went to {invitation.email}. The earlier link no longer works.")
    return redirect(url_for("agent.team"))


@bp.post("/team/invitations/<int:invitation_id>/revoke", endpoint="team_invite_revoke")
def revoke(invitation_id: int) -> Response:
    _lead()
    invitation = _invitation(invitation_id)
    invites.revoke(invitation)
    db.session.commit()
    flash(f"The invitation to {invitation.email} is revoked: its link no longer works.")
    return redirect(url_for("agent.team"))


@bp.post("/team/<int:agent_id>/role", endpoint="team_role")
def role(agent_id: int) -> Response:
    me = _lead()
    form = RoleForm()
    agent = db.get_or_404(Agent, agent_id)
    if form.validate_on_submit() and agent.id != me.id:  # nobody removes their own lead role
        agent.role = AgentRole(form.role.data or AgentRole.AGENT)
        db.session.commit()
        flash(f"{agent.name} is now {'a lead' if agent.is_lead else 'an agent'}.")
    return redirect(url_for("agent.team"))


@bp.post("/team/<int:agent_id>/teams", endpoint="team_groups")
def groups(agent_id: int) -> Response | tuple[str, int]:
    _lead()
    agent = db.get_or_404(Agent, agent_id)
    form = TeamsForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(f"Choose {agent.name}'s groups from the list.")
        return _page(status=400)
    agent.teams = clean(form.teams.data or [])
    db.session.commit()
    flash(f"{agent.name}'s groups: {', '.join(agent.teams) or 'none'}.")
    return redirect(url_for("agent.team"))


@bp.post("/team/<int:agent_id>/active", endpoint="team_active")
def active(agent_id: int) -> Response:
    me = _lead()
    agent = db.get_or_404(Agent, agent_id)
    if SwitchForm().validate_on_submit() and agent.id != me.id:
        agent.active = not agent.active
        if not agent.active:
            invites.revoke_for(agent)  # their invitations end with their access
            auth.end_sessions(agent)  # signed out everywhere at once (commits)
        db.session.commit()
        flash(f"{agent.name} can {'now' if agent.active else 'no longer'} sign in.")
    return redirect(url_for("agent.team"))
