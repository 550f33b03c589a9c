"""The ticket form and the status-page forms. Labels are the questions the user answers."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from kb.core.validators import WorkEmail
from kb.tickets.uploads import CheckedUpload, UploadError, check_upload

IMPACTS = [SelectChoice("me", _l("Just me")), SelectChoice("team", _l("My team or several people")),
           SelectChoice("everyone", _l("Everyone, or a whole building or service"))]
URGENCIES = [SelectChoice("high", _l("I cannot work at all")),
             SelectChoice("normal", _l("I can work, but it is slow or hard")),
             SelectChoice("low", _l("It can wait, or it is a question"))]
OTHER_CATEGORY = SelectChoice("other", _l("I'm not sure, or something else"))


class TicketForm(FlaskForm):
    summary = StringField(
        _l("What's the problem, in a sentence?"),
        validators=[DataRequired(message=_l("Tell us what the problem is, in a sentence.")),
                    Length(max=200, message=_l("Keep the problem to 200 characters or fewer. "
                                               "Put the rest in the box for more detail."))])
    description = TextAreaField(
        _l("Anything else we should know? (optional)"),
        validators=[Optional(), Length(max=5000, message=_l("Keep this to 5,000 characters "
                                                            "or fewer."))])
    name = StringField(_l("Your name"), validators=[
        DataRequired(message=_l("Enter your name, so we know who to contact.")),
        Length(max=120, message=_l("Enter a name of 120 characters or fewer."))])
    email = EmailField(_l("Your work email address"), validators=[
        DataRequired(message=_l("Enter your email address, so we can reply.")),
        WorkEmail(),
        Length(max=200, message=_l("Enter an email address of 200 characters or fewer."))])
    phone = StringField(_l("Phone number or extension (optional)"), validators=[
        Optional(), Length(max=40, message=_l("Enter a phone number of 40 characters or fewer.")),
        Regexp(r"^[0-9 +()\-.x]*$",
               message=_l("Enter a phone number using only numbers, spaces and + ( ) -."))])
    category = SelectField(_l("What is it about?"), validators=[
        DataRequired(message=_l("Choose what the problem is about, or I'm not sure."))])
    impact = RadioField(_l("Who is affected?"), choices=IMPACTS, validators=[
        DataRequired(message=_l("Choose who is affected."))])
    urgency = RadioField(_l("Can you keep working?"), choices=URGENCIES, validators=[
        DataRequired(message=_l("Choose whether you can keep working."))])
    screenshot = FileField(_l("Add a screenshot (optional)"))
    submission_key = HiddenField()
    run = HiddenField()
    q = HiddenField()
    article = HiddenField()

    upload: CheckedUpload | None = None

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [*(SelectChoice(v, label) for v, label in categories),
                                 OTHER_CATEGORY]

    def validate_screenshot(self, field: FileField) -> None:
        """Check the file from its content; keep the checked bytes for saving."""
        storage = field.data
        if storage is None or not getattr(storage, "filename", ""):
            return
        try:
            self.upload = check_upload(storage.stream, storage.filename)
        except UploadError as exc:
            raise ValidationError(str(exc)) from exc

    @property
    def file_chosen(self) -> bool:
        storage = self.screenshot.data
        return bool(storage is not None and getattr(storage, "filename", ""))


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Your comment"), validators=[
        DataRequired(message=_l("Type your comment.")),
        Length(max=5000, message=_l("Keep your comment to 5,000 characters or fewer."))])


class CloseForm(FlaskForm):
    """"It's fixed now": the button is the user's confirmation."""


class LostLinkForm(FlaskForm):
    """"Lost your link?": only the address; the links go there."""

    email = EmailField(_l("Your work email address"), validators=[
        DataRequired(message=_l("Enter the email address you used.")), WorkEmail(),
        Length(max=200, message=_l("Enter an email address of 200 characters or fewer."))])


class IsItFixedForm(FlaskForm):
    answer = RadioField(_l("Is your problem fixed?"),
                        choices=[("yes", _l("Yes, it is fixed")),
                                 ("no", _l("No, it is not fixed"))],
                        validators=[DataRequired(message=_l("Choose Yes or No."))])


class RateForm(FlaskForm):
    rating = RadioField(_l("How happy are you with the help you got?"), coerce=int, choices=[
        (5, _l("5 – Very happy")), (4, _l("4 – Happy")),
        (3, _l("3 – Neither happy nor unhappy")),
        (2, _l("2 – Unhappy")), (1, _l("1 – Very unhappy"))],
        validators=[InputRequired(message=_l("Choose a number from 1 to 5.")),
                    NumberRange(min=1, max=5, message=_l("Choose a number from 1 to 5."))])
