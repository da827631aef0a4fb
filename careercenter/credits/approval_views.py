"""The approver's pages: `/approvals` (waiting and decided, bulk approve), `/me/away`
(delegation) and the choice between one email per step and a daily digest."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from careercenter.auth import current_person, login_required, me
from careercenter.credits import approval_queue, approvals, delegation
from careercenter.credits.eligibility import decidable_clause, delegators_of, is_approver
from careercenter.credits.evaluation import Evaluation
from careercenter.credits.forms import AwayForm, BulkApproveForm, NoticeChoiceForm
from careercenter.errors import NotAllowed, ValidationFailed
from careercenter.extensions import db

bp = Blueprint("approvals", __name__)

DEFAULT_PAGE_SIZE = 20


def _approver_or_403() -> None:
    if not is_approver(me()) and not approvals_delegated_to_me():
        abort(403)


def approvals_delegated_to_me() -> bool:
    return bool(delegators_of(db.session, me()))


def _page_arg() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _arg(name: str, limit: int = 120) -> str | None:
    return (request.args.get(name) or "").strip()[:limit] or None


@bp.app_context_processor
def _approver_notices() -> dict[str, object]:
    """The email-or-digest choice on /me, for people who decide approval steps."""
    if not has_request_context():  # mail templates render outside requests
        return {}
    person = current_person()
    if request.endpoint != "main.me" or person is None or not is_approver(person):
        return {}
    form = NoticeChoiceForm()
    form.notices.data = "digest" if delegation.wants_digest(db.session, person) else "each"
    return {"approver_notices": form}


@bp.get("/approvals")
@login_required
def queue() -> str:
    """Everything waiting at steps I may decide (mine and my delegators'), or what I decided."""
    _approver_or_403()
    return _queue_page()


def _queue_page(extra_errors: list[tuple[str, str]] | None = None) -> str:
    person = me()
    per_page = current_app.config.get("CREDITS_QUEUE_PAGE_SIZE", DEFAULT_PAGE_SIZE)
    if request.args.get("tab") == "decided":
        page = approval_queue.decided(db.session, person, page=_page_arg(), per_page=per_page)
        return render_template("credits/approvals_decided.html", page=page)
    sort = _arg("sort", 20) or "oldest"
    filters = approval_queue.QueueFilters(
        q=_arg("q", 100),
        term=_arg("term"),
        rule=_arg("rule"),
        program=_arg("program"),
        step=_arg("step"),
        sort=sort if sort in approval_queue.SORTS else "oldest",
    )
    # Who I may decide for (my delegators: a query) is read once for the page and its filters.
    decidable = decidable_clause(db.session, person)
    options, total = approval_queue.filter_options(db.session, person, filters, decidable)
    page = approval_queue.waiting(
        db.session, person, filters, page=_page_arg(), per_page=per_page, decidable=decidable, total=total
    )
    return render_template(
        "credits/approvals.html",
        page=page,
        filters=filters,
        sorts=approval_queue.SORTS,
        options=options,
        evaluations={r.id: Evaluation.from_dict(r.evaluation) for r in page.items if r.evaluation},
        bulk_form=BulkApproveForm(),
        extra_errors=extra_errors,
    )


@bp.post("/approvals/bulk-approve")
@login_required
def bulk_approve() -> Response | tuple[str, int]:
    _approver_or_403()
    form = BulkApproveForm()
    if not form.validate_on_submit():
        abort(400)
    ids = []
    field = "page_id" if request.form.get("scope") == "page" else "request_id"
    for raw in request.form.getlist(field):
        try:
            ids.append(int(raw))
        except ValueError:
            abort(400)
    if not ids:
        return _queue_page([("select-all", "Select at least one eligible request to approve.")]), 422
    approved, skipped = approvals.bulk_approve(db.session, me(), ids, form.comment.data or "")
    if approved:
        flash(f"Approved the waiting step of {len(approved)} request(s) at the credits allowed.", "success")
    for line in skipped:
        flash(f"Not approved: {line}", "error")
    return redirect(url_for("approvals.queue"), code=303)


# ---- away: delegation ---------------------------------------------------------------------------


def _away_page(form: AwayForm, status: int = 200) -> tuple[str, int]:
    person = me()
    form.delegate.choices = [SelectChoice("", "Choose a delegate")] + [
        SelectChoice(p.campus_id, p.display_name) for p in delegation.possible_delegates(db.session, person)
    ]
    return (
        render_template(
            "credits/away.html",
            form=form,
            delegations=delegation.delegations_of(db.session, person),
            end_form=BulkApproveForm(),
        ),
        status,
    )


@bp.get("/me/away")
@login_required
def away() -> tuple[str, int]:
    """Name a delegate for the days I am away."""
    _approver_or_403()
    return _away_page(AwayForm())


@bp.post("/me/away")
@login_required
def set_away() -> tuple[str, int] | Response:
    _approver_or_403()
    form = AwayForm()
    if not form.validate_on_submit():
        return _away_page(form, 422)
    try:
        made = delegation.set_away(db.session, me(), form.delegate.data or "", form.starts_on.data, form.ends_on.data)
    except ValidationFailed as exc:
        for name, message in exc.errors.items():
            getattr(form, name).errors = [message]
        return _away_page(form, 422)
    flash(
        f"{made.delegate.display_name} decides your steps from {made.starts_on.isoformat()} "
        f"to {made.ends_on.isoformat()}.",
        "success",
    )
    return redirect(url_for("approvals.away"), code=303)


@bp.post("/me/away/<int:delegation_id>/end")
@login_required
def end_away(delegation_id: int) -> Response:
    form = BulkApproveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        delegation.end_away(db.session, me(), delegation_id)
    except NotAllowed:
        abort(404)
    flash("The delegation was ended.", "success")
    return redirect(url_for("approvals.away"), code=303)


@bp.post("/me/approval-notices")
@login_required
def notices() -> Response | tuple[str, int]:
    """One email per step, or one daily digest (the choice shown on /me)."""
    from careercenter.views import render_me

    _approver_or_403()
    form = NoticeChoiceForm()
    if not form.validate_on_submit() or form.notices.data not in ("each", "digest"):
        if form.errors.get("csrf_token"):
            abort(400)
        return render_me([("notices-0", "Choose one email per request or one daily digest.")]), 422
    delegation.set_digest(db.session, me(), form.notices.data == "digest")
    flash(
        "You will get one daily digest." if form.notices.data == "digest" else "You will get one email per request.",
        "success",
    )
    return redirect(url_for("main.me"), code=303)
