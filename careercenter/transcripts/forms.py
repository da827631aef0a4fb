"""Forms: request a transcript, make one for a student, revoke one, check an uploaded PDF."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from careercenter.transcripts.service import MAX_REASON, MIN_REASON


class RequestTranscriptForm(FlaskForm):
    """Only the CSRF token: the student asks for a transcript of everything verified."""


class IssueForStudentForm(FlaskForm):
    campus_id = StringField(
        "Student's campus ID",
        validators=[DataRequired("Enter the student's campus ID."), Length(max=64)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Reason for revoking",
        validators=[
            DataRequired("Give the reason for revoking: it is shown on the verification page."),
            Length(
                min=MIN_REASON,
                max=MAX_REASON,
                message=f"Between {MIN_REASON} and {MAX_REASON} characters, please.",
            ),
        ],
    )


class ReissueForm(FlaskForm):
    """Only the CSRF token: a new transcript of the records as they are now."""


class UploadForm(FlaskForm):
    pdf = FileField("Transcript PDF", validators=[FileRequired("Choose the PDF file to check.")])
