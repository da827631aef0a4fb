"""Forms: ask for an amendment, grant or deny it, add a statement of disagreement."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from careercenter.amendments.models import FIELDS
from careercenter.amendments.service import MAX_TEXT, MIN_TEXT

_LENGTH = Length(min=MIN_TEXT, max=MAX_TEXT, message=f"Between {MIN_TEXT} and {MAX_TEXT} characters, please.")


class RequestForm(FlaskForm):
    what_is_wrong = TextAreaField(
        "What is wrong in this record", validators=[DataRequired("Say what is wrong."), _LENGTH]
    )
    should_say = TextAreaField(
        "What it should say", validators=[DataRequired("Say what the record should say."), _LENGTH]
    )


class GrantForm(FlaskForm):
    field = SelectField(
        "What to correct", choices=[SelectChoice(k, v) for k, v in FIELDS.items()], validators=[DataRequired()]
    )
    value = StringField(
        "Corrected value (dates as YYYY-MM-DD)",
        validators=[DataRequired("Enter the corrected value."), Length(max=200)],
    )
    note = TextAreaField(
        "What was corrected, for the student", validators=[DataRequired("Say what was corrected."), _LENGTH]
    )


class DenyForm(FlaskForm):
    reason = TextAreaField(
        "Reason for denying (the student reads it)", validators=[DataRequired("Give the reason."), _LENGTH]
    )


class StatementForm(FlaskForm):
    statement = TextAreaField(
        "Your statement of disagreement", validators=[DataRequired("Write your statement."), _LENGTH]
    )
