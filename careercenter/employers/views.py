"""The employer directory for career-center staff and registrar staff: `/employers` and
`/employers/<id>`; verify, add a domain, merge duplicates. The public `/competencies` page is
what the campus's own competencies align to. Thin: parse, call a service, render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from careercenter.audit.service import Actor, record_disclosures
from careercenter.auth import me, public, roles_required
from careercenter.employers import directory, forms_service
from careercenter.employers import service as employers
from careercenter.employers.badges import badge_for
from careercenter.employers.competencies import default_competencies
from careercenter.employers.forms import DomainForm, MergeForm, VerifyForm
from careercenter.employers.models import Employer
from careercenter.errors import Conflict, ValidationFailed
from careercenter.extensions import db
from careercenter.sso.models import Role
from careercenter.transaction import writes_on_read

bp = Blueprint("employers", __name__)

#: Who sees and keeps the directory.
DIRECTORY_ROLES = (Role.STAFF, Role.REGISTRAR, Role.ADMIN)


def _employer(employer_id: int) -> Employer:
    employer = db.session.get(Employer, employer_id)
    if employer is None:
        abort(404)
    return employer


@bp.get("/employers")
@roles_required(*DIRECTORY_ROLES)
def index() -> str:
    query = request.args.get("q", "")[:100]
    return render_template(
        "employers/index.html",
        rows=directory.listing(db.session, query),
        query=query,
        duplicates=employers.proposed_duplicates(db.session),
        merge_form=MergeForm(),
    )


def _detail(employer: Employer, errors: dict[str, str] | None = None, status: int = 200) -> Any:
    if employer.merged_into_id is not None:
        return redirect(url_for("employers.show", employer_id=employer.merged_into_id))
    experiences = directory.experiences_of(db.session, employer)
    viewer = me()
    label = f"{viewer.display_name} ({viewer.primary_role.value if viewer.primary_role else 'person'})"
    record_disclosures(
        db.session,
        [
            {
                "student_id": sid,
                "party_type": "person",
                "party_id": viewer.id,
                "party_label": label,
                "records": f"micro-internships with employer #{employer.id}",
                "interest": "keeping the employer directory",
            }
            for sid in sorted({e.student_id for e in experiences} - {viewer.id})
        ],
    )
    domain_form, merge_form = DomainForm(), MergeForm()
    domain_form.domain.errors = [errors["domain"]] if errors and "domain" in errors else []
    merge_form.into.errors = [errors["into"]] if errors and "into" in errors else []
    merge_form.into.choices = [
        (str(e.id), f"{e.name} (#{e.id})") for e, _ in directory.listing(db.session) if e.id != employer.id
    ]
    page = render_template(
        "employers/show.html",
        employer=employer,
        experiences=experiences,
        stats=directory.stats(db.session, employer, experiences),
        badges={e.id: badge_for(e.supervisor_email, employer) for e in experiences},
        duration_words=directory.duration_words,
        domain_form=domain_form,
        verify_form=VerifyForm(),
        merge_form=merge_form,
        errors=errors or {},
    )
    return page, status


@bp.get("/employers/<int:employer_id>")
@roles_required(*DIRECTORY_ROLES)
@writes_on_read
def show(employer_id: int) -> Any:
    return _detail(_employer(employer_id))


@bp.post("/employers/<int:employer_id>/verify")
@roles_required(*DIRECTORY_ROLES)
def verify(employer_id: int) -> Any:
    employer = _employer(employer_id)
    form = VerifyForm()
    if not form.validate():
        abort(400)
    verified = form.verified.data == "1"
    employers.set_verified(db.session, employer, verified, Actor.person(me()))
    flash(f"{employer.name} is {'verified' if verified else 'no longer verified'}.", "success")
    return redirect(url_for("employers.show", employer_id=employer.id))


@bp.post("/employers/<int:employer_id>/domains")
@roles_required(*DIRECTORY_ROLES)
def add_domain(employer_id: int) -> Any:
    employer = _employer(employer_id)
    form = DomainForm()
    if not form.validate():
        abort(400)
    try:
        row = employers.add_domain(db.session, employer, form.domain.data or "", Actor.person(me()))
    except ValidationFailed as exc:
        return _detail(employer, exc.errors, 422)
    flash(f"{row.domain} added to {employer.name}.", "success")
    return redirect(url_for("employers.show", employer_id=employer.id))


@bp.post("/employers/<int:employer_id>/merge")
@roles_required(*DIRECTORY_ROLES)
def merge(employer_id: int) -> Any:
    duplicate = _employer(employer_id)
    form = MergeForm()
    if not form.validate():
        abort(400)
    keep = db.session.get(Employer, int(form.into.data)) if (form.into.data or "").isdigit() else None
    if keep is None:
        return _detail(duplicate, {"into": "Choose the employer to keep."}, 422)
    try:
        moved = employers.merge(db.session, duplicate, keep, Actor.person(me()))
    except Conflict as exc:
        return _detail(duplicate, {"into": str(exc)}, 409)
    flash(
        f"{duplicate.name} is merged into {keep.name}: {moved['experiences']} micro-internship(s), "
        f"{moved['supervisors']} supervisor(s) and {moved['domains']} domain(s) moved.",
        "success",
    )
    return redirect(url_for("employers.show", employer_id=keep.id))


@bp.get("/competencies")
@public
def competencies() -> str:
    """The campus's competencies and their alignments (the `targetUrl` of the campus's own)."""
    return render_template("employers/competencies.html", competencies=default_competencies(forms_service.base_url()))
