"""Forms for credit requests, advisors' decisions and rescinding awards (CSRF by Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
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
    sponsor = SelectField("Faculty sponsor", validators=[Optional()], validate_choice=False)


class DecisionForm(FlaskForm):
    credits = StringField("Credits to grant", validators=[Optional(), Length(max=10)])
    reason = TextAreaField("Reason for fewer credits", validators=[Optional(), Length(max=2000)])
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=4000)])
    version = HiddenField()


class BulkApproveForm(FlaskForm):
    comment = TextAreaField("Comment for the approved requests", validators=[Optional(), Length(max=4000)])


class AwayForm(FlaskForm):
    delegate = SelectField("Delegate", validators=[Optional()], validate_choice=False)
    starts_on = DateField("First day away", validators=[Optional()])
    ends_on = DateField("Last day away", validators=[Optional()])


class NoticeChoiceForm(FlaskForm):
    notices = RadioField(
        "Tell me about credit requests waiting for me",
        choices=[
            SelectChoice("each", "One email each time a request reaches me"),
            SelectChoice("digest", "One daily digest email"),
        ],
        default="each",
        validators=[Optional()],
    )


class RescindForm(FlaskForm):
    reason = TextAreaField("Reason for rescinding", validators=[Required(), Optional(), Length(max=2000)])


class WithdrawForm(FlaskForm):
    """The student's "Withdraw request" (shown with prefix "withdraw": the request page's own fields stay apart)."""

    reason = TextAreaField("Why you withdraw it (optional)", validators=[Optional(), Length(max=2000)])
