"""The share-link form: recipient, purpose, the records, expiry, and the typed-name signature."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from careercenter.sharing.service import DEFAULT_DAYS


class ShareForm(FlaskForm):
    recipient = StringField("Recipient (a person, an employer, another school)")
    purpose = TextAreaField("Purpose of the disclosure")
    transcript = SelectField("Transcript to share", choices=[], validate_choice=False)
    credentials = SelectMultipleField(
        "Credentials to share",
        choices=[],
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    days = IntegerField("Days until the link expires", default=DEFAULT_DAYS, validators=[Optional()])
    typed_name = StringField("Sign: type your full name")
