"""Forms of the team pages: inviting someone, an agent's role and groups, and the page
where an invitee sets their password (Flask-WTF, so each POST carries a CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from kb.agents.teams import group_choices
from kb.core.staff import MIN_PASSWORD
from kb.core.validators import WorkEmail

ROLE_CHOICES = [("agent", "Agent"), ("lead", "Lead (can manage the team and outages)")]
MAX_PASSWORD = 200  # argon2 takes any length; a megabyte "password" is only a way to load us


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (none ticked is a valid answer)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InviteForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Enter their name."),
                                           Length(max=120)])
    email = EmailField("Work email", validators=[
        DataRequired(message="Enter their work email address."), WorkEmail(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    teams = CheckboxesField("Groups (the queue's \"My groups\" shows their tickets)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams.choices = group_choices()


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class TeamsForm(FlaskForm):
    teams = CheckboxesField("Groups")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams.choices = group_choices()


class SwitchForm(FlaskForm):
    """Only the CSRF token: switch an account off or on, resend or revoke an invitation."""


class AcceptForm(FlaskForm):
    """The invitee's own password, typed twice. Password fields never send a value back to
    the page, so a refused form shows empty boxes, never what was typed."""

    password = PasswordField("Choose a password", validators=[
        DataRequired(message="Choose a password."),
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
               message=f"Use at least {MIN_PASSWORD} characters (at most {MAX_PASSWORD}).")])
    confirm = PasswordField("Type the same password again", validators=[
        DataRequired(message="Type the password again."),
        EqualTo("password", message="The two passwords are not the same. Type them again.")])
