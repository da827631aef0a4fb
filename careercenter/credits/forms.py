"""Forms for credit requests, advisors' decisions and rescinding awards (CSRF by Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from careercenter.formerrors import Required


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes, one per choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CreditRequestForm(FlaskForm):
    rule = SelectField("Rule", validators=[Required(), Optional()], validate_choice=False)
    experiences = CheckboxesField("Verified micro-internships", coerce=int, validate_choice=False)
    reflection = TextAreaField("Reflection", validators=[Optional(), Length(max=20_000)])


class DecisionForm(FlaskForm):
    credits = StringField("Credits to grant", validators=[Optional(), Length(max=10)])
    reason = TextAreaField("Reason for fewer credits", validators=[Optional(), Length(max=2000)])
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=4000)])
    version = HiddenField()


class BulkApproveForm(FlaskForm):
    comment = TextAreaField("Comment for the approved requests", validators=[Optional(), Length(max=4000)])


class RescindForm(FlaskForm):
    reason = TextAreaField("Reason for rescinding", validators=[Required(), Optional(), Length(max=2000)])
