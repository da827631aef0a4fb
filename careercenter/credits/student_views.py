"""`/students/<campus_id>`: one student's records on one page — experiences, credit requests
with their routes, awards, transcripts — for those with a legitimate interest; every view is
disclosure-logged, and anyone else gets 404."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from careercenter.audit.service import disclose_to_person
from careercenter.auth import login_required, me
from careercenter.credits import requests as credit_requests
from careercenter.credits import timeline as route_timeline
from careercenter.credits.awards import awards_of_student
from careercenter.credits.interest import interest_in
from careercenter.extensions import db
from careercenter.internships.experiences import experiences_of
from careercenter.sso.models import Role
from careercenter.sso.service import get_person_by_campus_id
from careercenter.transaction import writes_on_read
from careercenter.transcripts.service import transcripts_of

bp = Blueprint("student_record", __name__)

RECORDS = "student record page: micro-internships, credit requests with approval routes, awards, transcripts"


@bp.get("/students/<campus_id>")
@login_required
@writes_on_read
def record(campus_id: str) -> str:
    viewer = me()
    student = get_person_by_campus_id(db.session, campus_id[:64])
    if student is None or not student.has_role(Role.STUDENT):
        abort(404)
    interest = interest_in(db.session, viewer, student)
    if interest is None:
        abort(404)
    disclose_to_person(db.session, viewer, student, RECORDS, interest)
    requests = credit_requests.requests_of(db.session, student)
    return render_template(
        "credits/student_record.html",
        student=student,
        interest=interest,
        experiences=experiences_of(db.session, student),
        requests=[(r, route_timeline.timeline(db.session, r)) for r in requests],
        awards=awards_of_student(db.session, student.id),
        transcripts=transcripts_of(db.session, student.id),
    )
