"""`POST /credits/requests/<id>/withdraw`: the student withdraws their own credit request, after
confirming (a dialog, or without JavaScript a page of its own: `careercenter.confirm`)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from werkzeug.wrappers import Response

from careercenter import transaction
from careercenter.auth import login_required, me
from careercenter.confirm import ask_first
from careercenter.credits.forms import WithdrawForm
from careercenter.credits.interest import interest_in
from careercenter.credits.models import CreditRequest
from careercenter.credits.views import render_request
from careercenter.credits.withdrawal import consequence, may_withdraw, withdraw_request
from careercenter.errors import Conflict, NotAllowed, ValidationFailed
from careercenter.extensions import db

bp = Blueprint("credit_withdrawal", __name__)


@bp.post("/credits/requests/<int:request_id>/withdraw")
@login_required
def withdraw(request_id: int) -> tuple[str, int] | Response:
    """Withdraw the request: its student only (anyone else with an interest in the student gets
    403, anyone without one 404, as for a request that does not exist)."""
    person = me()
    credit_request = db.session.get(CreditRequest, request_id)
    if credit_request is None or interest_in(db.session, person, credit_request.student) is None:
        abort(404)
    if person.id != credit_request.student_id:
        abort(403)
    back = url_for("credits.request_detail", request_id=request_id)
    if not may_withdraw(person, credit_request):  # decided (or withdrawn) since the page was shown
        flash(f"This request is {credit_request.state.value}, so it cannot be withdrawn.", "error")
        return redirect(back, code=303)
    form = WithdrawForm(prefix="withdraw")
    if not form.validate_on_submit():  # the request page again, the reason's error in its summary
        return render_request(credit_request, status=422, withdraw_form=form)
    page = ask_first(
        title=f"Withdraw request {request_id}?",
        consequence=consequence(credit_request),
        button="Yes, withdraw the request",
        cancel_url=back,
    )
    if page is not None:
        return page, 200
    try:
        withdraw_request(db.session, credit_request, person, form.reason.data or "")
    except (Conflict, NotAllowed, ValidationFailed) as exc:
        transaction.doom()
        flash(" ".join(exc.errors.values()) if isinstance(exc, ValidationFailed) else str(exc), "error")
        return redirect(back, code=303)
    flash(f"Request {request_id} withdrawn.", "success")
    return redirect(url_for("credits.my_requests"), code=303)
