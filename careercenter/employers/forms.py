"""Forms of the employer pages (CSRF on each)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField


class DomainForm(FlaskForm):
    domain = StringField("Add a web domain")


class VerifyForm(FlaskForm):
    verified = HiddenField()


class MergeForm(FlaskForm):
    """Merge this employer (the duplicate) into the one chosen."""

    into = SelectField("Merge into", choices=[], validate_choice=False)
