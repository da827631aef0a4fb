"""A student withdraws their own credit request: while it waits at a step of its route, or after
it was returned to them (`REQUEST_TRANSITIONS`: submitted | returned → withdrawn, final).

Withdrawn while waiting, the step's one decision row says so: `StepDecision.WITHDRAWN`, decided
by the student, under the same unique key (request, pass, step) as an approver's decision — so
a withdrawal and an approver's decision of that step cannot both land, the timeline shows where
the request stopped, and the reports count "withdrawn at step X" from the rows they already
read. A returned request waits at no step and gets no row. Either way its experiences are free
again (`requests.HOLDING_STATES` does not hold a withdrawn request's).

A plain function taking a session: it flushes; the request commits.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from careercenter.audit.service import Actor
from careercenter.credits import approvals, decisions, waits
from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait, StepDecision
from careercenter.credits.models import REQUEST_TRANSITIONS, CreditRequest, RequestState
from careercenter.errors import Conflict, NotAllowed, ValidationFailed
from careercenter.sso.models import Person
from careercenter.statemachine import move

#: The states a student may withdraw a request from.
WITHDRAWABLE = (RequestState.SUBMITTED, RequestState.RETURNED)
REASON_MAX = 2000
RACE_MESSAGE = (
    "Your request was decided a moment ago, so it was not withdrawn. The page now shows the request as it is."
)


def may_withdraw(person: Person, request: CreditRequest) -> bool:
    """Whether `person` may withdraw `request` now (the button on the request page)."""
    return person.id == request.student_id and request.state in WITHDRAWABLE


def consequence(request: CreditRequest) -> str:
    """What withdrawing `request` does, in the student's words (the dialog and the confirmation page)."""
    course = f"{request.rule.course_label} {request.rule.course_title} ({request.term})"
    if request.state is RequestState.RETURNED:
        now = "you can no longer change and resubmit it"
    else:
        now = "it stops waiting for a decision, and whoever may decide its step is told"
    return (
        f"Your request for {course} is withdrawn: {now}. Its micro-internships can go into a new request. "
        "A withdrawn request cannot be reopened."
    )


def _already(request: CreditRequest) -> Conflict:
    return Conflict(
        f"This request is already {request.state.value}, so it cannot be withdrawn. "
        "The page now shows the request as it is."
    )


def withdraw_request(
    session: Session, request: CreditRequest, student: Person, reason: str = ""
) -> ApprovalDecision | None:
    """Withdraw `request` for its student, with an optional reason; return the step row it was
    withdrawn at (None when it was returned and waited at no step).

    Refused (`NotAllowed`) for anyone but the request's student; a request decided meanwhile
    (approved, denied, withdrawn — or a step decided while the student confirmed) is a `Conflict`.
    """
    if student.id != request.student_id:
        raise NotAllowed("Only the student who made a credit request may withdraw it.")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            "Please correct the marked fields.", {"reason": f"Keep the reason under {REASON_MAX:,} characters."}
        )
    # The lock every decision takes first (the student's row), then the request read again.
    decisions.lock_for_decision(session, request)
    if request.state not in WITHDRAWABLE:
        raise _already(request)
    wait = session.get(ApprovalWait, request.id, populate_existing=True)
    row = (
        approvals.record_step(session, request, wait, student, StepDecision.WITHDRAWN, reason, conflict=RACE_MESSAGE)
        if wait is not None
        else None
    )
    try:
        move(
            session,
            request,
            RequestState.WITHDRAWN,
            transitions=REQUEST_TRANSITIONS,
            actor=Actor.person(student),
            action="credit_request.withdrawn",
            data={
                "step": wait.step_label if wait else None,
                "step_number": wait.step_index + 1 if wait else None,
                "pass": wait.pass_no if wait else None,
                "reason": reason or None,
            },
        )
    except StaleDataError:
        # The UPDATE … WHERE version_id = ? found no row: an approver decided meanwhile.
        raise Conflict(RACE_MESSAGE) from None
    if wait is not None:
        waits.tell_withdrawn(session, request, wait)
        session.delete(wait)
        session.flush()
    return row
