"""Credit pages: students request credit, advisors decide. (Registrar staff's award pages are
`careercenter.registrar.award_pages`.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from careercenter import transaction
from careercenter.audit.service import Actor, disclose_to_person
from careercenter.auth import login_required, me, roles_required
from careercenter.config import ConfigError
from careercenter.confirm import ask_first
from careercenter.credits import approvals, decisions, rule_versions, withdrawal
from careercenter.credits import requests as credit_requests
from careercenter.credits import timeline as route_timeline
from careercenter.credits.evaluation import Evaluation, credit_words
from careercenter.credits.forms import CreditRequestForm, DecisionForm, WithdrawForm
from careercenter.credits.interest import interest_in
from careercenter.credits.models import CreditRequest, CreditRule, RequestState
from careercenter.credits.rule_text import requirements
from careercenter.credits.terms import DEFAULT_TERM_STARTS, Calendar, TermError
from careercenter.errors import Conflict, NotAllowed, ValidationFailed
from careercenter.extensions import db
from careercenter.formatting import format_decimal
from careercenter.sso.models import Person, Role

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
    _sponsor_choices(form, me(), credit_request)
    if request.method == "GET":
        if credit_request is not None:
            form.rule.data = credit_request.rule.code
            form.experiences.data = [e.id for e in credit_request.experiences]
            form.reflection.data = credit_request.reflection
        elif request.args.get("rule"):
            form.rule.data = request.args["rule"]
    return form


def _sponsor_choices(form: CreditRequestForm, student: Person, credit_request: CreditRequest | None) -> None:
    form.sponsor.choices = [SelectChoice("", "No sponsor")] + [
        SelectChoice(p.campus_id, p.display_name) for p in route_timeline.faculty(db.session) if p.id != student.id
    ]
    if request.method == "GET" and credit_request is not None and credit_request.sponsor is not None:
        form.sponsor.data = credit_request.sponsor.campus_id


def _submit(
    draft: credit_requests.Draft, credit_request: CreditRequest | None, sponsor_campus_id: str | None
) -> CreditRequest:
    """Save the checked draft as a new request, or resubmit the returned one; a route with a
    sponsor step needs the faculty sponsor the student named."""
    student = me()
    actor = Actor.person(student)
    sponsor = route_timeline.choose_sponsor(db.session, draft.rule.definition, sponsor_campus_id, student)
    if credit_request is None:
        return credit_requests.submit_request(db.session, student, draft, actor, sponsor)
    return credit_requests.resubmit_request(db.session, credit_request, draft, actor, sponsor)


def _submitted_message(saved: CreditRequest) -> str:
    wait = approvals.waiting_step(db.session, saved)
    where = f': it waits at "{wait.step_label}"' if wait else ""
    return f"Your request for {saved.rule.course_label} was submitted{where}."


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
                saved = _submit(draft, credit_request, form.sponsor.data)
                flash(_submitted_message(saved), "success")
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
            rules_sponsor=[
                r.code for r in rules if any(s.kind.value == "sponsor" for s in rule_versions.spec_of(r).route)
            ],
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


def render_request(
    credit_request: CreditRequest,
    form: DecisionForm | None = None,
    status: int = 200,
    withdraw_form: WithdrawForm | None = None,
) -> tuple[str, int]:
    """The request page; a decision or withdrawal form that failed shows with its errors."""
    viewer = me()
    # Held for the whole page: the session keeps only weak references, and may_decide,
    # allowed_credits and the page each ask for this row (one query while it is held).
    wait = approvals.waiting_step(db.session, credit_request)
    authority = approvals.may_decide(db.session, viewer, credit_request)
    may_decide = authority is not None
    if may_decide and form is None:
        form = DecisionForm()
        form.credits.data = format_decimal(approvals.allowed_credits(db.session, credit_request))
        form.version.data = str(credit_request.version_id)
    evaluation = Evaluation.from_dict(credit_request.evaluation) if credit_request.evaluation else None
    may_withdraw = withdrawal.may_withdraw(viewer, credit_request)
    shown_withdraw = (withdraw_form or WithdrawForm(prefix="withdraw")) if may_withdraw else None
    return (
        render_template(
            "credits/request_detail.html",
            r=credit_request,
            evaluation=evaluation,
            award=credit_requests.award_of(db.session, credit_request),
            form=form if may_decide else None,
            authority=authority,
            wait=wait,
            timeline=route_timeline.timeline(db.session, credit_request),
            is_owner=viewer.id == credit_request.student_id,
            withdraw_form=shown_withdraw,
            error_forms=[form if may_decide else None, shown_withdraw],
            withdraw_consequence=withdrawal.consequence(credit_request),
        ),
        status,
    )


@bp.get("/credits/requests/<int:request_id>")
@login_required
@transaction.writes_on_read
def request_detail(request_id: int) -> tuple[str, int]:
    credit_request = credit_requests.request_with_student(db.session, request_id)
    viewer = me()
    interest = interest_in(db.session, viewer, credit_request.student) if credit_request else None
    if credit_request is None or interest is None:
        abort(404)
    if viewer.id != credit_request.student_id:
        disclose_to_person(
            db.session, viewer, credit_request.student, f"{REQUEST_RECORDS} (request {request_id})", interest
        )
    return render_request(credit_request)


def _form_version(raw: str | None) -> int | None:
    """The request version the form was rendered with (None when absent or unreadable)."""
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def _ask_before_denying(credit_request: CreditRequest, action: str | None, comment: str) -> str | None:
    """The confirmation page before a deny (None when it is not a deny, or it is confirmed)."""
    if action != "deny" or not comment.strip():
        return None
    return ask_first(
        title=f"Deny request {credit_request.id}?",
        consequence=f"{credit_request.student.display_name} will be told that the request for "
        f"{credit_request.rule.course_label} is denied, with your comment. A denied request cannot be reopened.",
        button="Yes, deny the request",
        cancel_url=url_for("credits.request_detail", request_id=credit_request.id),
    )


@bp.post("/credits/requests/<int:request_id>/decision")
@login_required
def decide(request_id: int) -> tuple[str, int] | Response:
    """Decide the step the request waits at (anyone who may: its approvers and their delegates)."""
    advisor = me()
    credit_request = credit_requests.request_with_student(db.session, request_id)
    if credit_request is None or interest_in(db.session, advisor, credit_request.student) is None:
        abort(404)
    if approvals.may_decide(db.session, advisor, credit_request) is None:
        if credit_request.state is not RequestState.SUBMITTED:
            who = f" by {credit_request.decided_by.display_name}" if credit_request.decided_by else ""
            flash(
                f"This request was already {credit_request.state.value}{who}, so your decision was not saved. "
                "The page now shows the request as it is.",
                "error",
            )
            return redirect(url_for("credits.request_detail", request_id=request_id), code=303)
        if _form_version(request.form.get("version")) is not None:
            # The form was shown (only a step's deciders get one) and the step was decided
            # meanwhile — its version may even read as current when the decision committed
            # between this request's reads: a conflict to explain, not a refusal.
            flash(approvals.TAKEN, "error")
            return redirect(url_for("credits.request_detail", request_id=request_id), code=303)
        abort(403)
    form = DecisionForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in {"approve", "deny", "return"}:
        return render_request(credit_request, form, 422)
    page = _ask_before_denying(credit_request, action, form.comment.data or "")
    if page is not None:
        return page, 200
    version = _form_version(form.version.data)
    try:
        if action == "approve":
            outcome = approvals.approve(
                db.session,
                credit_request,
                advisor,
                form.comment.data or "",
                credits=decisions.parse_credits(form.credits.data),
                reason=form.reason.data or "",
                expected_version=version,
            )
        else:
            to = RequestState.DENIED if action == "deny" else RequestState.RETURNED
            outcome = approvals.send_back(
                db.session, credit_request, advisor, form.comment.data or "", to, expected_version=version
            )
    except ValidationFailed as exc:
        # Nothing was changed before the check failed; the 422 answer rolls back.
        _apply_errors(form, exc)
        if "action" in exc.errors or not exc.errors:
            flash(str(exc), "error")
        return render_request(credit_request, form, 422)
    except (Conflict, NotAllowed) as exc:
        transaction.doom()
        flash(str(exc), "error")
        return redirect(url_for("credits.request_detail", request_id=request_id), code=303)
    verbs = {"approve": "approved", "deny": "denied", "return": "returned to the student"}
    name = credit_request.student.display_name
    if outcome.next_step:
        message = (
            f'Step "{outcome.decision.step_label}" of request {request_id} of {name} approved; '
            f'it now waits at "{outcome.next_step}".'
        )
    else:
        message = f"Request {request_id} of {name} {verbs[action]}."
    flash(message, "success")
    return redirect(url_for("approvals.queue"), code=303)


# ---- the advisor's queue became /approvals ---------------------------------------------------------


@bp.get("/advisor/credits")
@login_required
def queue() -> Response:
    """The old advisor queue's address: the approver's queue took its place."""
    return redirect(url_for("approvals.queue", **request.args), code=301)
