"""Credit pages: students request credit, advisors decide. (Registrar staff's award pages are
`careercenter.registrar.award_pages`.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from careercenter import transaction
from careercenter.audit.service import Actor, disclose_to_person
from careercenter.auth import login_required, me, roles_required, student_visible_or_404
from careercenter.config import ConfigError
from careercenter.credits import decisions, rule_versions
from careercenter.credits import queue as credit_queue
from careercenter.credits import requests as credit_requests
from careercenter.credits.evaluation import Evaluation, credit_words
from careercenter.credits.forms import BulkApproveForm, CreditRequestForm, DecisionForm
from careercenter.credits.models import CreditRequest, CreditRule, RequestState
from careercenter.credits.rule_text import requirements
from careercenter.credits.terms import DEFAULT_TERM_STARTS, Calendar, TermError
from careercenter.errors import Conflict, ValidationFailed
from careercenter.extensions import db
from careercenter.formatting import format_decimal
from careercenter.sso.models import Role
from careercenter.sso.service import is_assigned_advisor

bp = Blueprint("credits", __name__)


@bp.record_once
def _check_settings(state: Any) -> None:
    """Fail fast, with one line, on a term calendar or page size that cannot work."""
    config = state.app.config
    try:
        Calendar.parse(config.get("CREDITS_TERM_STARTS") or DEFAULT_TERM_STARTS)
    except TermError as exc:
        raise ConfigError(f"CAREERCENTER_CREDITS_TERM_STARTS: {exc}") from None
    size = config.get("CREDITS_QUEUE_PAGE_SIZE", DEFAULT_QUEUE_PAGE_SIZE)
    if not isinstance(size, int) or not 1 <= size <= 200:
        raise ConfigError("CAREERCENTER_CREDITS_QUEUE_PAGE_SIZE must be a whole number from 1 to 200")


DEFAULT_QUEUE_PAGE_SIZE = 20
REQUEST_RECORDS = (
    "credit request: rule evaluation, micro-internships with supervisor hours, ratings and feedback, reflection"
)


@bp.app_template_filter("credits")
def credits_filter(value: object) -> str:
    """Decimals as people write them: 2.00 → "2", 1.50 → "1.5"."""
    if value is None:
        return ""
    return format_decimal(Decimal(str(value)))


@bp.app_template_filter("credit_words")
def credit_words_filter(value: object) -> str:
    """1 → "1 credit", 1.5 → "1.5 credits"."""
    return credit_words(Decimal(str(value or 0)))


def _page_arg() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _apply_errors(form: Any, exc: ValidationFailed) -> None:
    for name, message in exc.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message]


# ---- rules ---------------------------------------------------------------------------------


@bp.get("/credits/rules")
@login_required
def rules() -> str:
    """The rules in force, each in plain words."""
    rules = rule_versions.active_rules(db.session)
    return render_template(
        "credits/rules.html",
        rules=[(rule, requirements(rule_versions.spec_of(rule))) for rule in rules],
        versions=rule_versions.all_rule_versions(db.session) if me().has_role(Role.REGISTRAR, Role.ADMIN) else [],
    )


# ---- the student -------------------------------------------------------------------------------


@bp.get("/credits")
@roles_required(Role.STUDENT)
def my_requests() -> str:
    return render_template("credits/my_requests.html", requests=credit_requests.requests_of(db.session, me()))


def _request_form(credit_request: CreditRequest | None, rules: list[CreditRule]) -> CreditRequestForm:
    """The form with its rule choices (a returned request keeps its own version) and, on GET,
    the returned request's values or the rule asked for in the query string."""
    form = CreditRequestForm()
    choices = [("", "Choose a rule")] + [(r.code, f"{r.course_label} {r.course_title} ({r.name})") for r in rules]
    if credit_request is not None and credit_request.rule.code not in {r.code for r in rules}:
        choices.append(
            (credit_request.rule.code, f"{credit_request.rule.course_label} {credit_request.rule.course_title}")
        )
    form.rule.choices = choices
    if request.method == "GET":
        if credit_request is not None:
            form.rule.data = credit_request.rule.code
            form.experiences.data = [e.id for e in credit_request.experiences]
            form.reflection.data = credit_request.reflection
        elif request.args.get("rule"):
            form.rule.data = request.args["rule"]
    return form


def _submit(draft: credit_requests.Draft, credit_request: CreditRequest | None) -> CreditRequest:
    """Save the checked draft as a new request, or resubmit the returned one."""
    student = me()
    actor = Actor.person(student)
    if credit_request is None:
        return credit_requests.submit_request(db.session, student, draft, actor)
    return credit_requests.resubmit_request(db.session, credit_request, draft, actor)


def _request_form_page(credit_request: CreditRequest | None) -> tuple[str, int] | Response:
    """The new-request and edit-when-returned page: check the evaluation, then submit."""
    student = me()
    rules = rule_versions.active_rules(db.session)
    form = _request_form(credit_request, rules)
    experiences = credit_requests.claimable_experiences(db.session, student, credit_request)
    form.experiences.choices = [(e.id, credit_requests.experience_label(e)) for e in experiences]
    evaluation: Evaluation | None = None
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            draft = credit_requests.prepare_request(
                db.session,
                student,
                form.rule.data or "",
                form.experiences.data or [],
                form.reflection.data or "",
                request=credit_request,
            )
            evaluation = draft.evaluation
            if request.form.get("action") == "submit":
                saved = _submit(draft, credit_request)
                flash(f"Your request for {saved.rule.course_label} was submitted to your advisor.", "success")
                return redirect(url_for("credits.request_detail", request_id=saved.id), code=303)
        except ValidationFailed as exc:
            # A bad choice, or another request took an experience between the check and the save
            # (the 422 answer rolls back whatever was written).
            _apply_errors(form, exc)
            if evaluation is not None:
                experiences = credit_requests.claimable_experiences(db.session, student, credit_request)
            evaluation, status = None, 422
    elif request.method == "POST":
        status = 422
    rule_by_code = {r.code: r for r in rules}
    chosen = rule_by_code.get(form.rule.data or "") or (credit_request.rule if credit_request else None)
    return (
        render_template(
            "credits/request_form.html",
            form=form,
            credit_request=credit_request,
            evaluation=evaluation,
            experiences=experiences,
            chosen=chosen,
            chosen_requirements=requirements(rule_versions.spec_of(chosen)) if chosen else [],
            rules_reflection={r.code: rule_versions.spec_of(r).reflection_required for r in rules},
        ),
        status,
    )


@bp.route("/credits/new", methods=["GET", "POST"])
@roles_required(Role.STUDENT)
def new_request() -> tuple[str, int] | Response:
    return _request_form_page(None)


def _own_request_or_404(request_id: int) -> CreditRequest:
    credit_request = db.session.get(CreditRequest, request_id)
    if credit_request is None or credit_request.student_id != me().id:
        abort(404)
    return credit_request


@bp.route("/credits/requests/<int:request_id>/edit", methods=["GET", "POST"])
@roles_required(Role.STUDENT)
def edit_request(request_id: int) -> tuple[str, int] | Response:
    credit_request = _own_request_or_404(request_id)
    if credit_request.state is not RequestState.RETURNED:
        flash("Only a request your advisor returned can be changed.", "error")
        return redirect(url_for("credits.request_detail", request_id=request_id), code=303)
    return _request_form_page(credit_request)


# ---- one request: the student, their advisor, registrar staff -----------------------------------


def _render_request(
    credit_request: CreditRequest, form: DecisionForm | None = None, status: int = 200
) -> tuple[str, int]:
    viewer = me()
    may_decide = (
        viewer.has_role(Role.ADVISOR)
        and credit_request.state is RequestState.SUBMITTED
        and is_assigned_advisor(db.session, viewer, credit_request.student)
    )
    if may_decide and form is None:
        form = DecisionForm()
        form.credits.data = format_decimal(credit_request.computed_credits or Decimal(0))
        form.version.data = str(credit_request.version_id)
    evaluation = Evaluation.from_dict(credit_request.evaluation) if credit_request.evaluation else None
    return (
        render_template(
            "credits/request_detail.html",
            r=credit_request,
            evaluation=evaluation,
            award=credit_requests.award_of(db.session, credit_request),
            form=form if may_decide else None,
            is_owner=viewer.id == credit_request.student_id,
        ),
        status,
    )


@bp.get("/credits/requests/<int:request_id>")
@login_required
def request_detail(request_id: int) -> tuple[str, int]:
    credit_request = db.session.get(CreditRequest, request_id)
    student_visible_or_404(credit_request.student if credit_request else None)
    assert credit_request is not None
    viewer = me()
    if viewer.id != credit_request.student_id:
        interest = (
            "assigned advisor reviewing a credit request"
            if viewer.has_role(Role.ADVISOR) and is_assigned_advisor(db.session, viewer, credit_request.student)
            else "registrar staff: credit records"
        )
        disclose_to_person(
            db.session, viewer, credit_request.student, f"{REQUEST_RECORDS} (request {request_id})", interest
        )
    return _render_request(credit_request)


@bp.post("/credits/requests/<int:request_id>/decision")
@roles_required(Role.ADVISOR)
def decide(request_id: int) -> tuple[str, int] | Response:
    advisor = me()
    credit_request = db.session.get(CreditRequest, request_id)
    if credit_request is None or not is_assigned_advisor(db.session, advisor, credit_request.student):
        abort(404)
    form = DecisionForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in {"approve", "deny", "return"}:
        return _render_request(credit_request, form, 422)
    try:
        version = int(form.version.data) if form.version.data else None
    except ValueError:
        version = None
    try:
        if action == "approve":
            decisions.approve_request(
                db.session,
                credit_request,
                advisor,
                form.comment.data or "",
                credits=decisions.parse_credits(form.credits.data),
                reason=form.reason.data or "",
                expected_version=version,
            )
        elif action == "deny":
            decisions.deny_request(
                db.session, credit_request, advisor, form.comment.data or "", expected_version=version
            )
        else:
            decisions.return_request(
                db.session, credit_request, advisor, form.comment.data or "", expected_version=version
            )
    except ValidationFailed as exc:
        # Nothing was changed before the check failed; the 422 answer rolls back.
        _apply_errors(form, exc)
        if "action" in exc.errors or not exc.errors:
            flash(str(exc), "error")
        return _render_request(credit_request, form, 422)
    except Conflict as exc:
        transaction.doom()
        flash(str(exc), "error")
        return redirect(url_for("credits.request_detail", request_id=request_id), code=303)
    verbs = {"approve": "approved", "deny": "denied", "return": "returned to the student"}
    flash(f"Request {request_id} of {credit_request.student.display_name} {verbs[action]}.", "success")
    return redirect(url_for("credits.queue"), code=303)


# ---- the advisor's queue -------------------------------------------------------------------------


@bp.get("/advisor/credits")
@roles_required(Role.ADVISOR)
def queue() -> str:
    advisor = me()
    filters = {k: (request.args.get(k) or "").strip()[:120] or None for k in ("term", "rule", "program")}
    page = credit_queue.advisor_queue(
        db.session,
        advisor,
        term=filters["term"],
        rule_code=filters["rule"],
        program=filters["program"],
        page=_page_arg(),
        per_page=current_app.config.get("CREDITS_QUEUE_PAGE_SIZE", DEFAULT_QUEUE_PAGE_SIZE),
    )
    return render_template(
        "credits/queue.html",
        page=page,
        filters=filters,
        options=credit_queue.queue_filters(db.session, advisor),
        evaluations={r.id: Evaluation.from_dict(r.evaluation) for r in page.items if r.evaluation},
        bulk_form=BulkApproveForm(),
    )


@bp.post("/advisor/credits/bulk-approve")
@roles_required(Role.ADVISOR)
def bulk_approve() -> Response:
    form = BulkApproveForm()
    if not form.validate_on_submit():
        abort(400)
    ids = []
    for raw in request.form.getlist("request_id"):
        try:
            ids.append(int(raw))
        except ValueError:
            abort(400)
    if not ids:
        flash("Select at least one eligible request to approve.", "error")
        return redirect(url_for("credits.queue"), code=303)
    approved, skipped = decisions.bulk_approve(db.session, me(), ids, form.comment.data or "")
    if approved:
        flash(f"Approved {len(approved)} request(s) at the credits their rules allow.", "success")
    for line in skipped:
        flash(f"Not approved: {line}", "error")
    return redirect(url_for("credits.queue"), code=303)
