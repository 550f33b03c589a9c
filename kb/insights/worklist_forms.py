"""The worklist's forms (Flask-WTF, so every POST carries a CSRF token). Each names its
item by hidden kind and key fields; the route checks them before anything changes. Field
names differ between forms because they share the item's page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from kb.insights.worklist import ACTION_NAMES
from kb.states import WorklistAction

# Synonyms and pins have their own forms: they need the words or the article.
CLOSE_CHOICES = [(a.value, ACTION_NAMES[a]) for a in WorklistAction
                 if a not in (WorklistAction.SYNONYM, WorklistAction.PIN)]


class ItemForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    key = HiddenField(validators=[DataRequired(), Length(max=200)])
    days = HiddenField()


class AssignItemForm(ItemForm):
    assignee = SelectField("Assign to", coerce=int,
                           validators=[InputRequired(message="Choose who works on it.")])


class SnoozeForm(ItemForm):
    until = DateField("Snooze until", validators=[
        InputRequired(message="Give the day it should come back, for example 2027-01-31.")])


class CloseForm(ItemForm):
    how = RadioField("What did you do?", choices=CLOSE_CHOICES,
                     validators=[DataRequired(message="Choose what you did.")])
    close_note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=1000)])


class SynonymForm(ItemForm):
    words = StringField("Words people typed", validators=[
        DataRequired(message="Give the words people typed."), Length(max=100)])
    means = StringField("Mean the same as", validators=[
        DataRequired(message="Give the words our articles use."), Length(max=100)])


class PinForm(ItemForm):
    pin_article = StringField("Article ID", validators=[
        DataRequired(message="Enter the article ID, for example KB-12."), Length(max=20)])


class ReopenForm(ItemForm):
    """Only the item: back on the list."""


class RemoveForm(FlaskForm):
    """Only the CSRF token: remove a synonym or pin."""
