"""The directory login form (LDAP bind as the person)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class DirectoryLoginForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired(message="Enter your campus username or email address."), Length(max=256)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(message="Enter your password."), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
