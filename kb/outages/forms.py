"""Outage forms: the lead's (post, update, resolve a known problem) and the public
"This is my problem too" (join it instead of opening a new request)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kb.core.validators import WorkEmail


class OutageForm(FlaskForm):
    title = StringField("Short title (what people notice)", validators=[
        DataRequired(message="Enter a short title."), Length(max=200)])
    message = TextAreaField("Message for users (plain words: what is broken, what to do)",
                            validators=[DataRequired(message="Enter the message."),
                                        Length(max=3000)])
    services = StringField("Affected services (separate with commas)",
                           validators=[Optional(), Length(max=300)])
    keywords = StringField("Words people use for it (separate with commas)", validators=[
        DataRequired(message="Enter at least one word people would type."), Length(max=300)])
    starts_at = DateTimeLocalField("Started", format="%Y-%m-%dT%H:%M",
                                   validators=[Optional()])
    expected_fix_at = DateTimeLocalField("Expected fix (optional)", format="%Y-%m-%dT%H:%M",
                                         validators=[Optional()])


class OutageUpdateForm(FlaskForm):
    update = TextAreaField("Update", validators=[
        DataRequired(message="Write the update."), Length(max=3000)])


class OutageResolveForm(FlaskForm):
    resolution = TextAreaField("What was wrong and what was done", validators=[
        DataRequired(message="Say what fixed it."), Length(max=3000)])


class JoinOutageForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[
        DataRequired(message=_l("Enter your name.")), Length(max=120)])
    email = EmailField(_l("Your work email"), validators=[
        DataRequired(message=_l("Enter your email address.")),
        WorkEmail(),
        Length(max=200)])
