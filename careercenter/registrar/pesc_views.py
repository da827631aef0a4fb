"""`GET /api/v1/students/<campus_id>/pesc-transcript.xml`: the PESC College Transcript XML."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from careercenter.errors import problem
from careercenter.extensions import db
from careercenter.registrar import pesc
from careercenter.registrar.oauth import api_auth, current_client
from careercenter.transaction import writes_on_read

bp = Blueprint("registrar_pesc", __name__)


@bp.get("/api/v1/students/<campus_id>/pesc-transcript.xml")
@api_auth("credits:read")
@writes_on_read
def pesc_transcript(campus_id: str) -> Response:
    """The student's pending and posted awards as PESC College Transcript v1.8.0 XML."""
    try:
        document = pesc.student_transcript_xml(db.session, campus_id, current_client(), current_app.config)
    except pesc.StudentNotFound as exc:
        return problem(404, str(exc), "Not found")
    response = Response(document, content_type=f"{pesc.MEDIA_TYPE}; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response
