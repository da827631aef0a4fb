"""A credential's public status page (what LinkedIn's certUrl points at) and the template
helpers that build "Add to LinkedIn" links."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template

from careercenter.auth import public
from careercenter.credentials import linkedin
from careercenter.credentials.models import IssuedCredential
from careercenter.extensions import db

bp = Blueprint("credentials_public", __name__)


@bp.app_template_global("linkedin_credential_url")
def linkedin_credential_url(row: Any) -> str:
    return linkedin.for_credential(row, current_app.config)


@bp.app_template_global("linkedin_transcript_url")
def linkedin_transcript_url(transcript: Any) -> str:
    return linkedin.for_transcript(transcript, current_app.config)


@bp.get("/verify/credential/<uuid:credential_uuid>")
@public
def credential_status(credential_uuid: uuid.UUID) -> str:
    """Whether we issued this credential and whether it is in force. It names the achievement,
    never the student: the id is unguessable, and the student chose to publish it."""
    row = db.session.execute(
        sa.select(IssuedCredential).where(IssuedCredential.credential_id == f"urn:uuid:{credential_uuid}")
    ).scalar_one_or_none()
    if row is None:
        abort(404)
    return render_template("credentials/status.html", credential=row)
