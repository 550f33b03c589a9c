"""Every agent form (Flask-WTF, so each POST carries a CSRF token). Field names differ
between forms because several share the ticket page and ids must be unique there."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from kb.tickets.lifecycle import TicketStatus

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
