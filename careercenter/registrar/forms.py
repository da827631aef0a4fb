"""Forms of the registrar staff pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class ImportForm(FlaskForm):
    """The micro-internship import page's upload."""

    file = FileField("Export file (CSV or JSON)", validators=[FileRequired("Choose a CSV or JSON file.")])
