"""The known-error forms (Flask-WTF: every POST carries a CSRF token). Status choices come
from the one enum."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kb.states import KnownErrorStatus

STATUS_NAMES = {KnownErrorStatus.INVESTIGATING: "Investigating: we do not know the cause yet",
                KnownErrorStatus.KNOWN_ERROR: "Known error: we know the cause and have a "
                                              "workaround",
                KnownErrorStatus.FIXED: "Fixed: everyone linked is told by email"}


class KnownErrorForm(FlaskForm):
    title = StringField("Title (what people would say)", validators=[
        DataRequired(message="Give the problem a title in users' words."), Length(max=200)])
    symptoms = TextAreaField("Symptoms, in users' words", validators=[
        DataRequired(message="Write at least one way people describe it."),
        Length(max=4000)])
    cause = TextAreaField("Cause (agents only)", validators=[Optional(), Length(max=4000)])
    workaround = StringField("Workaround article ID (optional)",
                             validators=[Optional(), Length(max=20)])
    status = RadioField("Status", default=KnownErrorStatus.INVESTIGATING.value,
                        choices=[(s.value, STATUS_NAMES[s]) for s in KnownErrorStatus],
                        validators=[DataRequired(message="Choose the status.")])


class LinkTicketForm(FlaskForm):
    ticket = StringField("Ticket", validators=[
        DataRequired(message="Give the ticket, for example HD-000123."), Length(max=20)])
    back = HiddenField()  # "ticket": go back to the ticket page


class FixedForm(FlaskForm):
    """Only the CSRF token: mark it fixed."""
