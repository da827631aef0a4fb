"""Registrar pages: find a student, read who has seen their records."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request

from careercenter.audit.export import export_student
from careercenter.audit.service import Actor, disclose_to_person, disclosures_for, record_event
from careercenter.auth import login_required, me, roles_required
from careercenter.extensions import db
from careercenter.sso.models import Person, Role, RoleGrant
from careercenter.sso.service import get_person_by_campus_id
from careercenter.transaction import writes_on_read

bp = Blueprint("audit", __name__)


@bp.get("/registrar/students")
@roles_required(Role.REGISTRAR, Role.ADMIN)
def student_search() -> str:
    q = (request.args.get("q") or "").strip()[:100]
    query = (
        sa.select(Person).join(RoleGrant).where(RoleGrant.role == Role.STUDENT).order_by(Person.display_name).limit(50)
    )
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Person.display_name).like(like),
                sa.func.lower(Person.email).like(like),
                sa.func.upper(Person.campus_id) == q.upper(),
            )
        )
    students = db.session.execute(query).scalars().all()
    return render_template("audit/students.html", students=students, q=q)


@bp.get("/registrar/students/<campus_id>/disclosures")
@roles_required(Role.REGISTRAR, Role.ADMIN)
def student_disclosures(campus_id: str) -> str:
    """The FERPA 99.32 record of disclosures for one student."""
    student = get_person_by_campus_id(db.session, campus_id)
    if student is None or not student.has_role(Role.STUDENT):
        abort(404)
    return render_template(
        "audit/disclosures.html", student=student, disclosures=disclosures_for(db.session, student.id)
    )


@bp.get("/registrar/students/<campus_id>/export.json")
@roles_required(Role.REGISTRAR, Role.ADMIN)
@writes_on_read
def student_export(campus_id: str) -> Response:
    """Download everything held about one student (FERPA inspection), disclosure-logged."""
    student = get_person_by_campus_id(db.session, campus_id)
    if student is None or not student.has_role(Role.STUDENT):
        abort(404)
    viewer = me()
    document = export_student(db.session, student)
    disclose_to_person(
        db.session, viewer, student, "complete record export", "preparing the student's requested record inspection"
    )
    record_event(db.session, Actor.person(viewer), "student.exported", "person", student.id, {})
    response = Response(json.dumps(document, indent=2, ensure_ascii=False), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="student-{campus_id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/me/disclosures")
@login_required
def my_disclosures() -> str:
    """A student inspects who has seen their records (their FERPA right)."""
    person = me()
    return render_template(
        "audit/disclosures.html", student=person, disclosures=disclosures_for(db.session, person.id), own=True
    )
