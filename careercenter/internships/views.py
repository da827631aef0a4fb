"""Student pages and the supervisor's sign-off pages. Views are thin: parse, call the service,
render; the request's transaction (careercenter/transaction.py) commits or rolls back."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response

from careercenter import pagedata, transaction
from careercenter.amendments import panels as amendment_panels
from careercenter.audit.service import Actor, disclose_to_person
from careercenter.auth import login_required, me, public, roles_required, student_visible_or_404
from careercenter.confirm import ask_first
from careercenter.db import utcnow
from careercenter.employers import forms_service
from careercenter.employers import service as employer_directory
from careercenter.errors import Conflict, ValidationFailed
from careercenter.extensions import db, limiter
from careercenter.internships import experiences as experiences_service
from careercenter.internships import signoff as signoff_service
from careercenter.internships.forms import DisputeForm, EmptyForm, ExperienceForm, SignoffForm
from careercenter.internships.models import Experience, ExperienceState
from careercenter.sso.models import Person, Role

bp = Blueprint("internships", __name__)

INVALID_LINK_STATUS = 404


def _own_experience(experience_id: int) -> Experience:
    """The signed-in student's own experience; anyone else's is a 404, like a missing one."""
    experience = db.session.get(Experience, experience_id)
    if experience is None or experience.student_id != me().id:
        abort(404)
    return experience


def _show_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message]
        else:
            flash(message, "error")


def _form_checked(form: FlaskForm) -> bool:
    """CSRF and the form's own parsing; other messages come from the service's rules."""
    form.validate()
    if form.errors.get("csrf_token"):
        abort(400)
    for field in form:
        if field.name != "csrf_token":
            field.errors = []
    return True


# -- student pages -------------------------------------------------------------------------------


def student_panel(person: Person) -> Markup:
    experiences = pagedata.student_experiences(db.session, person)
    counts = {state: 0 for state in ExperienceState}
    for experience in experiences:
        counts[experience.state] += 1
    # render_template output is autoescaped HTML already.
    return Markup(render_template("internships/_panel.html", experiences=experiences[:5], counts=counts))  # noqa: S704


@bp.get("/experiences")
@roles_required(Role.STUDENT)
def list_experiences() -> str:
    experiences = experiences_service.experiences_of(db.session, me())
    requests = signoff_service.open_requests_by_experience(db.session, experiences)
    return render_template(
        "internships/list.html",
        experiences=experiences,
        requests=requests,
        action_form=EmptyForm(),
        now=utcnow(),
    )


def _experience_form(experience: Experience | None = None) -> ExperienceForm:
    form = ExperienceForm(
        obj=experience,
        skills=experiences_service.configured_skills(),
        categories=forms_service.rule_categories(db.session),
    )
    if request.method == "GET" and experience is not None and experience.employer_id is not None:
        form.employer_id.data = str(experience.employer_id)
    typed = (form.employer.data or "").strip()
    if typed:
        form.offer_employers(employer_directory.search(db.session, typed, limit=10), typed)
    return form


def _render_form(form: ExperienceForm, experience: Experience | None, status: int = 200) -> Any:
    student = experience.student if experience else me()
    level = student.class_level.value if student.class_level else None
    counts = {
        c.value: forms_service.counts_toward(db.session, c.value, student.program, level)
        for c in form.category.choices
        if c.value
    }
    return render_template("internships/form.html", form=form, experience=experience, counts=counts), status


def _searching() -> bool:
    """The student pressed "Find employer": show the matches, save nothing."""
    return "find_employer" in request.form


@bp.route("/experiences/new", methods=["GET", "POST"])
@roles_required(Role.STUDENT)
def new_experience() -> str | Response | tuple[str, int]:
    form = _experience_form()
    if request.method == "POST" and _searching():
        _form_checked(form)
        return _render_form(form, None)
    if request.method == "POST" and _form_checked(form):
        errors = form.parse_errors()
        if not errors:
            try:
                experience = experiences_service.create_experience(
                    db.session, me(), form.to_input(), Actor.person(me()), categories=form.allowed_categories()
                )
            except ValidationFailed as exc:
                errors = exc.errors
            else:
                flash("Saved as a draft. When it is right, ask your supervisor to sign off.", "success")
                return redirect(url_for("internships.show_experience", experience_id=experience.id))
        _show_errors(form, errors)
        return _render_form(form, None, 422)
    return _render_form(form, None)


@bp.route("/experiences/<int:experience_id>/edit", methods=["GET", "POST"])
@roles_required(Role.STUDENT)
def edit_experience(experience_id: int) -> str | Response | tuple[str, int]:
    experience = _own_experience(experience_id)
    if experience.state not in (ExperienceState.DRAFT, ExperienceState.DISPUTED):
        flash("Only a draft or a disputed micro-internship can be edited.", "error")
        return redirect(url_for("internships.show_experience", experience_id=experience.id))
    form = _experience_form(experience)
    if request.method == "POST" and _searching():
        _form_checked(form)
        return _render_form(form, experience)
    if request.method == "POST" and _form_checked(form):
        errors = form.parse_errors()
        if not errors:
            try:
                experiences_service.update_experience(
                    db.session, experience, form.to_input(), Actor.person(me()), categories=form.allowed_categories()
                )
            except ValidationFailed as exc:
                errors = exc.errors
            else:
                flash("Your changes are saved.", "success")
                return redirect(url_for("internships.show_experience", experience_id=experience.id))
        _show_errors(form, errors)
        return _render_form(form, experience, 422)
    return _render_form(form, experience)


@bp.get("/experiences/<int:experience_id>")
@login_required
@transaction.writes_on_read
def show_experience(experience_id: int) -> str:
    """The record: the student's own, or a student's whom the viewer may see (disclosure logged)."""
    experience = db.session.get(Experience, experience_id)
    student = student_visible_or_404(experience.student if experience else None)
    assert experience is not None
    viewer = me()
    disclose_to_person(
        db.session, viewer, student, f"micro-internship #{experience.id}", "reviewing a student's micro-internship"
    )
    level = student.class_level.value if student.class_level else None
    return render_template(
        "internships/show.html",
        experience=experience,
        evaluation=forms_service.spec_for(db.session, experience),
        counts_toward=forms_service.counts_toward(db.session, experience.category or "", student.program, level),
        signoff=signoff_service.open_request(db.session, experience),
        latest=signoff_service.latest_request(db.session, experience),
        is_owner=viewer.id == student.id,
        action_form=EmptyForm(),
        now=utcnow(),
        amendments=amendment_panels.record_section(experience, is_owner=viewer.id == student.id),
    )


def _action(experience_id: int, func: Any, done: str) -> Response:
    experience = _own_experience(experience_id)
    form = EmptyForm()
    if not form.validate():
        abort(400)
    try:
        func(db.session, experience, Actor.person(me()))
    except Conflict as exc:
        transaction.doom()  # the answer is a redirect (a success status): keep nothing
        flash(str(exc), "error")
    else:
        flash(done.format(email=experience.supervisor_email), "success")
    return redirect(url_for("internships.show_experience", experience_id=experience.id))


def _self_ratings(experience: Experience) -> dict[str, int]:
    """The student's optional self-rating from the sign-off button's form (`self_<key>` = 1..5)."""
    spec = forms_service.spec_for(db.session, experience)
    ratings = {}
    for question in spec.questions:
        raw = request.form.get(f"self_{question.key}", "")
        if question.competency is not None and raw in {"1", "2", "3", "4", "5"}:
            ratings[question.competency.name] = int(raw)
    return ratings


@bp.post("/experiences/<int:experience_id>/signoff")
@roles_required(Role.STUDENT)
def request_signoff(experience_id: int) -> Response:
    experience = _own_experience(experience_id)
    ratings = _self_ratings(experience)

    def ask(session: Any, record: Experience, actor: Actor) -> Any:
        return signoff_service.request_signoff(session, record, actor, self_ratings=ratings)

    return _action(experience_id, ask, "A sign-off link is on its way to {email}.")


@bp.post("/experiences/<int:experience_id>/signoff/resend")
@roles_required(Role.STUDENT)
def resend_signoff(experience_id: int) -> Response:
    return _action(experience_id, signoff_service.resend_signoff, "A fresh sign-off link is on its way to {email}.")


@bp.post("/experiences/<int:experience_id>/signoff/withdraw")
@roles_required(Role.STUDENT)
def withdraw_signoff(experience_id: int) -> Response | tuple[str, int]:
    experience = _own_experience(experience_id)
    page = ask_first(
        title="Withdraw the sign-off request?",
        consequence=f"The links mailed to {experience.supervisor_email} stop working and the micro-internship "
        "becomes a draft again. You can ask for sign-off again later.",
        button="Yes, withdraw the request",
        cancel_url=url_for("internships.show_experience", experience_id=experience.id),
    )
    if page is not None:
        return page, 200
    return _action(
        experience_id,
        signoff_service.withdraw_signoff,
        "The request is withdrawn: the links mailed to {email} no longer work.",
    )


# -- the supervisor's pages (no account; the token is the only key) ----------------------------


@bp.after_request
def _private_link_headers(response: Response) -> Response:
    if request.endpoint in {"internships.signoff_page", "internships.signoff_confirm", "internships.signoff_dispute"}:
        # The token is in the URL: never pass it on in a Referer, never keep the page in a cache.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _invalid_link() -> tuple[str, int]:
    return render_template("internships/signoff_invalid.html"), INVALID_LINK_STATUS


def _signoff_forms(experience: Experience) -> tuple[SignoffForm, DisputeForm]:
    form_class = SignoffForm.for_form(forms_service.spec_for(db.session, experience))
    form = form_class(prefix="signoff")
    if request.method == "GET":
        form.hours_worked.data = str(experience.hours)
    return form, DisputeForm(prefix="dispute")


def _render_signoff(
    experience: Experience, form: SignoffForm, dispute: DisputeForm, token: str, status: int = 200
) -> Any:
    return (
        render_template("internships/signoff.html", experience=experience, form=form, dispute=dispute, token=token),
        status,
    )


@bp.get("/signoff/<token>")
@public
@limiter.limit("60/minute")
def signoff_page(token: str) -> Any:
    """Show the claim and the form. A GET changes nothing: mail scanners open links first."""
    try:
        signoff = signoff_service.find_request(db.session, token)
    except signoff_service.InvalidLink:
        return _invalid_link()
    form, dispute = _signoff_forms(signoff.experience)
    return _render_signoff(signoff.experience, form, dispute, token)


def _client() -> tuple[str | None, str | None]:
    return request.remote_addr, request.headers.get("User-Agent")


@bp.post("/signoff/<token>")
@public
@limiter.limit("20/minute")
def signoff_confirm(token: str) -> Any:
    try:
        signoff = signoff_service.find_request(db.session, token)
    except signoff_service.InvalidLink:
        return _invalid_link()
    experience = signoff.experience
    form, dispute = _signoff_forms(experience)
    _form_checked(form)
    ip, agent = _client()
    try:
        signoff_service.confirm_signoff(db.session, token, form.to_input(), ip=ip, user_agent=agent)
    except ValidationFailed as exc:
        _show_errors(form, exc.errors)
        return _render_signoff(experience, form, dispute, token, 422)
    except signoff_service.InvalidLink:
        return _invalid_link()
    return render_template("internships/signoff_done.html", experience=experience, disputed=False)


@bp.post("/signoff/<token>/dispute")
@public
@limiter.limit("20/minute")
def signoff_dispute(token: str) -> Any:
    try:
        signoff = signoff_service.find_request(db.session, token)
    except signoff_service.InvalidLink:
        return _invalid_link()
    experience = signoff.experience
    form, dispute = _signoff_forms(experience)
    _form_checked(dispute)
    ip, agent = _client()
    try:
        signoff_service.dispute_signoff(
            db.session,
            token,
            reason=dispute.reason.data or "",
            full_name=dispute.full_name.data or "",
            ip=ip,
            user_agent=agent,
        )
    except ValidationFailed as exc:
        _show_errors(dispute, exc.errors)
        return _render_signoff(experience, form, dispute, token, 422)
    except signoff_service.InvalidLink:
        return _invalid_link()
    return render_template("internships/signoff_done.html", experience=experience, disputed=True)
