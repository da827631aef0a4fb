"""Amendment pages: the student asks on a record's page; registrar staff decide at /registrar/amendments."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from careercenter.amendments import service
from careercenter.amendments.forms import DenyForm, GrantForm, RequestForm, StatementForm
from careercenter.amendments.models import AmendmentRequest
from careercenter.audit.service import record_disclosures
from careercenter.auth import me, roles_required
from careercenter.db import utcnow
from careercenter.errors import CareerCenterError, ValidationFailed
from careercenter.extensions import db
from careercenter.internships.models import Experience
from careercenter.sso.models import Role
from careercenter.transaction import writes_on_read

bp = Blueprint("amendments", __name__)

STAFF = (Role.REGISTRAR, Role.ADMIN)


def _errors_into(form: FlaskForm, exc: CareerCenterError) -> None:
    errors = exc.errors if isinstance(exc, ValidationFailed) else {}
    placed = False
    for name, message in errors.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]
            placed = True
    if not placed:
        next(iter(f for f in form if f.name != "csrf_token")).errors.append(str(exc))


@bp.post("/experiences/<int:experience_id>/amendments")
@roles_required(Role.STUDENT)
def request_amendment(experience_id: int) -> Response | tuple[str, int]:
    experience = db.session.get(Experience, experience_id)
    person = me()
    if experience is None or experience.student_id != person.id:
        abort(404)
    form = RequestForm()
    if form.validate_on_submit():
        try:
            service.request_amendment(
                db.session,
                person,
                experience,
                what_is_wrong=form.what_is_wrong.data,
                should_say=form.should_say.data,
                days=int(current_app.config.get("AMENDMENT_DAYS") or service.DEFAULT_DAYS),
            )
        except CareerCenterError as exc:
            _errors_into(form, exc)
            return render_template("amendments/request.html", experience=experience, form=form), exc.status
        flash("Your request is with the registrar's office; this page shows its state.", "success")
        return redirect(url_for("internships.show_experience", experience_id=experience.id))
    return render_template("amendments/request.html", experience=experience, form=form), 422


@bp.post("/amendments/<int:request_id>/statement")
@roles_required(Role.STUDENT)
def add_statement(request_id: int) -> Response | tuple[str, int]:
    req = db.session.get(AmendmentRequest, request_id)
    person = me()
    if req is None or req.student_id != person.id:
        abort(404)
    form = StatementForm()
    if form.validate_on_submit():
        try:
            service.add_statement(db.session, req, person, form.statement.data)
        except CareerCenterError as exc:
            _errors_into(form, exc)
            return render_template("amendments/statement.html", req=req, form=form), exc.status
        flash("Your statement is kept with the record and shown wherever it is disclosed.", "success")
        return redirect(url_for("internships.show_experience", experience_id=req.experience_id))
    return render_template("amendments/statement.html", req=req, form=form), 422


def _desk(grant_forms: dict[int, GrantForm] | None = None, deny_forms: dict[int, DenyForm] | None = None) -> str:
    waiting, decided = service.desk(db.session)
    viewer = me()
    role = viewer.primary_role.value if viewer.primary_role else "person"
    record_disclosures(  # one batched INSERT: the desk shows each student's record and request
        db.session,
        [
            {
                "student_id": r.student_id,
                "party_type": "person",
                "party_id": viewer.id,
                "party_label": f"{viewer.display_name} ({role})",
                "records": f"amendment request {r.id} on micro-internship #{r.experience_id}",
                "interest": "registrar staff deciding an amendment request",
            }
            for r in [*waiting, *decided]
        ],
    )
    return render_template(
        "amendments/desk.html",
        waiting=waiting,
        decided=decided,
        grant_forms={r.id: (grant_forms or {}).get(r.id) or GrantForm(prefix=f"g{r.id}") for r in waiting},
        deny_forms={r.id: (deny_forms or {}).get(r.id) or DenyForm(prefix=f"d{r.id}") for r in waiting},
        today=utcnow().date(),
    )


@bp.get("/registrar/amendments")
@roles_required(*STAFF)
@writes_on_read
def desk() -> str:
    return _desk()


def _waiting(request_id: int) -> AmendmentRequest:
    req = db.session.get(AmendmentRequest, request_id)
    if req is None:
        abort(404)
    return req


@bp.post("/registrar/amendments/<int:request_id>/grant")
@roles_required(*STAFF)
def grant(request_id: int) -> Response | tuple[str, int]:
    req = _waiting(request_id)
    form = GrantForm(prefix=f"g{req.id}")
    if form.validate_on_submit():
        try:
            service.grant(
                db.session, req, decided_by=me(), field=form.field.data, value=form.value.data, note=form.note.data
            )
        except CareerCenterError as exc:
            _errors_into(form, exc)
            return _desk(grant_forms={req.id: form}), exc.status
        flash("Granted: the record is corrected, its transcripts superseded and a reissue offered.", "success")
        return redirect(url_for("amendments.desk"))
    return _desk(grant_forms={req.id: form}), 422


@bp.post("/registrar/amendments/<int:request_id>/deny")
@roles_required(*STAFF)
def deny(request_id: int) -> Response | tuple[str, int]:
    req = _waiting(request_id)
    form = DenyForm(prefix=f"d{req.id}")
    if form.validate_on_submit():
        try:
            service.deny(db.session, req, decided_by=me(), reason=form.reason.data)
        except CareerCenterError as exc:
            _errors_into(form, exc)
            return _desk(deny_forms={req.id: form}), exc.status
        flash("Denied: the student is told the reason and of their right to a hearing.", "success")
        return redirect(url_for("amendments.desk"))
    return _desk(deny_forms={req.id: form}), 422
