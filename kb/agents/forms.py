"""Every agent form (Flask-WTF, so each POST carries a CSRF token). Field names differ
between forms because several share the ticket page and ids must be unique there."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.validators import WorkEmail
from ..tickets.lifecycle import TicketStatus

FLAG_REASONS = [("wrong", "Wrong"), ("outdated", "Out of date"), ("unclear", "Unclear")]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(message="Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])
    next = HiddenField()


class EmptyForm(FlaskForm):
    """Just the CSRF token: log out, mark a flag done."""


class AssignForm(FlaskForm):
    assignee = SelectField("Assign to", coerce=int)


class StatusForm(FlaskForm):
    # From the lifecycle's enum; "resolved" has its own form (it needs an explanation).
    status = SelectField("Status", choices=[
        (s.value, s.value.capitalize()) for s in TicketStatus if s is not TicketStatus.RESOLVED])


class MessageForm(FlaskForm):
    kind = RadioField("Who sees this?", default="reply", choices=[
        ("reply", "Reply to the user (sent by email and shown on their status page)"),
        ("note", "Internal note (agents only)")],
        validators=[DataRequired(message="Choose a reply or an internal note.")])
    message = TextAreaField("Message", validators=[
        DataRequired(message="Write the message."), Length(max=5000)])


class LinkForm(FlaskForm):
    kb_id = StringField("Article ID", validators=[
        DataRequired(message="Enter the article ID, for example KB-12."), Length(max=20)])


class LinkFromSearchForm(FlaskForm):
    article_id = HiddenField(validators=[DataRequired()])
    ticket_id = SelectField("Link to ticket", coerce=int,
                            validators=[InputRequired(message="Choose a ticket.")])


class EscalateForm(FlaskForm):
    group = SelectField("Pass to", validators=[DataRequired(message="Choose a group.")])
    reason = TextAreaField("Why? (what you tried and what they need to do)", validators=[
        DataRequired(message="Say why you are passing it on."), Length(max=2000)])


class ResolveForm(FlaskForm):
    explanation = TextAreaField(
        "What was wrong and what did you do? (in plain words for the user)",
        validators=[DataRequired(message="Explain what was wrong and what you did."),
                    Length(min=20, max=5000,
                           message="Write at least a full sentence (20 characters or more).")])


class FlagForm(FlaskForm):
    flag_article = IntegerField("Article", validators=[InputRequired(message="Choose an article.")])
    flag_reason = RadioField("What is the problem?", choices=FLAG_REASONS,
                             validators=[DataRequired(message="Choose what is wrong.")])
    flag_note = TextAreaField("Note for the article owner", validators=[
        DataRequired(message="Say what needs changing."), Length(max=2000)])
    flag_ticket = HiddenField()


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


class ConfirmForm(FlaskForm):
    answer = RadioField("Is your problem fixed?", choices=[("yes", "Yes, it is fixed"),
                                                           ("no", "No, it is not fixed")],
                        validators=[DataRequired(message="Choose Yes or No.")])


class RateForm(FlaskForm):
    rating = RadioField("How happy are you with the help you got?", coerce=int, choices=[
        (5, "5 – Very happy"), (4, "4 – Happy"), (3, "3 – Neither happy nor unhappy"),
        (2, "2 – Unhappy"), (1, "1 – Very unhappy")],
        validators=[InputRequired(message="Choose a number from 1 to 5."),
                    NumberRange(min=1, max=5, message="Choose a number from 1 to 5.")])


class JoinOutageForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(message="Enter your name."),
                                                Length(max=120)])
    email = EmailField("Your work email", validators=[
        DataRequired(message="Enter your email address."),
        WorkEmail(),
        Length(max=200)])
