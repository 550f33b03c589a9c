"""The team, for leads: add an agent, change a role, switch an account off or on. Registered
on the ``agent`` blueprint (so the sign-in check in its ``before_request`` applies)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from kb.agents.blueprint import bp
from kb.core import staff as auth
from kb.core.staff import current_agent
from kb.core.validators import WorkEmail
from kb.extensions import db
from kb.models import Agent
from kb.states import AgentRole

ROLE_WORDS = {AgentRole.AGENT: "Agent", AgentRole.LEAD: "Lead (can manage the team and outages)"}
ROLE_CHOICES = [(role.value, ROLE_WORDS[role]) for role in AgentRole]


class NewAgentForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Enter their name."),
                                           Length(max=120)])
    email = EmailField("Work email", validators=[
        DataRequired(message="Enter their work email address."), WorkEmail(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    password = PasswordField("First password (they change it, or sign in with the "
                             "organisation's account)", validators=[
        DataRequired(message="Give them a first password."),
        Length(min=10, message="Use at least 10 characters.")])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class SwitchForm(FlaskForm):
    """Only the CSRF token: switch an account off or on."""


def _lead() -> Agent:
    me = current_agent()
    if not me.is_lead:
        abort(403)
    return me


def _page(form: NewAgentForm, status: int = 200) -> tuple[str, int]:
    agents = db.session.scalars(select(Agent).order_by(Agent.active.desc(), Agent.name)).all()
    return render_template("agent/team.html", agents=agents, form=form, role_form=RoleForm(),
                           switch=SwitchForm(), me=current_agent()), status


@bp.route("/team", endpoint="team", methods=['GET', 'POST'])
def team() -> tuple[str, int] | Response:
    _lead()
    form = NewAgentForm()
    if form.validate_on_submit():
        try:
            agent = auth.create_agent(form.email.data or "", form.name.data or "",
                                      form.password.data or "", form.role.data or "agent")
        except ValueError as exc:
            form.email.errors = [str(exc).capitalize() + "."]
            return _page(form, 400)
        flash(f"{agent.name} can now sign in.")
        return redirect(url_for("agent.team"))
    return _page(form, 400 if form.errors else 200)


@bp.route("/team/<int:agent_id>/role", endpoint="team_role", methods=['POST'])
def role(agent_id: int) -> Response:
    me = _lead()
    form = RoleForm()
    agent = db.get_or_404(Agent, agent_id)
    if form.validate_on_submit() and agent.id != me.id:  # nobody removes their own lead role
        agent.role = AgentRole(form.role.data or AgentRole.AGENT)
        db.session.commit()
        flash(f"{agent.name} is now {'a lead' if agent.is_lead else 'an agent'}.")
    return redirect(url_for("agent.team"))


@bp.route("/team/<int:agent_id>/active", endpoint="team_active", methods=['POST'])
def active(agent_id: int) -> Response:
    me = _lead()
    agent = db.get_or_404(Agent, agent_id)
    if SwitchForm().validate_on_submit() and agent.id != me.id:
        agent.active = not agent.active
        if not agent.active:
            auth.end_sessions(agent)  # signed out everywhere at once
        db.session.commit()
        flash(f"{agent.name} can {'now' if agent.active else 'no longer'} sign in.")
    return redirect(url_for("agent.team"))
