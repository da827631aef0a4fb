"""Decisions on submitted credit requests: approve (making the award), return, deny — for the
step of its approval route a request waits at (`careercenter.credits.approvals` checks who may
decide it and passes a `StepContext`; without one, the student's assigned advisor decides alone).

A decision locks the student's row first (see `_decide_on_current_data`), then reads the
request again. Plain functions taking a session: they `flush()`; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from careercenter import signals
from careercenter.audit.service import Actor, record_event
from careercenter.credits.evaluation import credit_words
from careercenter.credits.models import REQUEST_TRANSITIONS, AwardStatus, CreditAward, CreditRequest, RequestState
from careercenter.credits.requests import evaluate_for
from careercenter.credits.rule_versions import spec_of
from careercenter.db import utcnow
from careercenter.errors import Conflict, NotAllowed, ValidationFailed
from careercenter.formatting import format_decimal
from careercenter.notify.service import queue_message
from careercenter.sso.models import Person
from careercenter.sso.service import assignment
from careercenter.statemachine import move

RACE_MESSAGE = (
    "Another advisor decided this request a moment ago, so your decision was not saved. "
    "The page now shows the request as it is."
)


@dataclass(frozen=True)
class StepContext:
    """A decision on a route's step whose decider `careercenter.credits.approvals` has checked:
    who acted (e.g. "Dana Whitfield (for Raj Patel)"), what the audit event adds (the step), and
    the most credits earlier steps of the pass left (None: the rule's computation)."""

    actor: Actor
    data: dict[str, object]
    ceiling: Decimal | None = None


def lock_for_decision(session: Session, request: CreditRequest) -> None:
    """The lock every decision takes first, then the request read again (see below)."""
    _decide_on_current_data(session, request)


def _decide_on_current_data(session: Session, request: CreditRequest) -> None:
    """Lock the student's row first (`SELECT … FOR UPDATE`), then read the request again.

    The per-term credit cap is an invariant over all of one student's awards: two advisors
    approving two requests of one student at once (on two app servers) each evaluated the cap
    without the other's award and together granted more credits than the rule allows. Holding
    the student's row until commit serialises every decision about that student, and reading
    after taking it means the state, version and caps seen are those every earlier decision left.
    Every decision takes this lock first, so the lock order is the same (student row, then
    request row, then the audit chain) and two decisions on one request cannot deadlock.
    SQLite has no row locks and needs none: it serialises writers.

    The request's columns are read again and every relationship expired, but for its student
    and, when the request still points at it, its rule: a request never changes student, a rule
    version never changes what it says (a change is a new version), and dropping the loaded ones
    would read them again."""
    session.execute(sa.select(Person.id).where(Person.id == request.student_id).with_for_update())
    mapper = sa.inspect(CreditRequest)
    rule_id = request.rule_id
    session.refresh(request, [attr.key for attr in mapper.column_attrs])
    keep = {"student", "rule"} if request.rule_id == rule_id else {"student"}
    session.expire(request, [rel.key for rel in mapper.relationships if rel.key not in keep])


def _check_decidable(request: CreditRequest, expected_version: int | None) -> None:
    if request.state is not RequestState.SUBMITTED:
        who = f" by {request.decided_by.display_name}" if request.decided_by else ""
        raise Conflict(
            f"This request was already {request.state.value}{who}, so your decision was not saved. "
            "The page now shows the request as it is."
        )
    if expected_version is not None and expected_version != request.version_id:
        raise Conflict(RACE_MESSAGE)


def _decide(
    session: Session,
    request: CreditRequest,
    to: RequestState,
    advisor: Person,
    comment: str,
    data: dict[str, object],
    step: StepContext | None = None,
) -> None:
    request.decided_by_id = advisor.id
    request.decided_by = advisor
    request.decided_at = utcnow()
    request.decision_comment = comment or None
    try:
        move(
            session,
            request,
            to,
            transitions=REQUEST_TRANSITIONS,
            actor=step.actor if step else Actor.person(advisor),
            action=f"credit_request.{to.value}",
            data={"comment": comment, **data, **(step.data if step else {})},
        )
    except StaleDataError:
        # The UPDATE … WHERE version_id = ? found no row: someone else decided first.
        raise Conflict(RACE_MESSAGE) from None


def _require_advisor(session: Session, advisor: Person, request: CreditRequest) -> None:
    if assignment(session, advisor.id, request.student_id) is None:
        raise NotAllowed("Only the student's assigned advisor decides this request.")


def parse_credits(raw: str | None) -> Decimal | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed(
            "Please correct the marked fields.", {"credits": "Enter a number such as 1.5."}
        ) from None
    if not value.is_finite():
        raise ValidationFailed("Please correct the marked fields.", {"credits": "Enter a number such as 1.5."})
    return value


def approve_request(
    session: Session,
    request: CreditRequest,
    advisor: Person,
    comment: str,
    *,
    credits: Decimal | None = None,
    reason: str = "",
    expected_version: int | None = None,
    step: StepContext | None = None,
) -> CreditAward:
    """Approve, granting the computed credits or fewer (with a reason); create the award.

    Without `step` only the student's assigned advisor may (the default route's one step)."""
    if step is None:
        _require_advisor(session, advisor, request)
    _decide_on_current_data(session, request)
    _check_decidable(request, expected_version)
    comment = (comment or "").strip()
    granted, computed, reason = check_grant(session, request, credits, reason, step.ceiling if step else None)
    request.reduction_reason = reason or None
    _decide(
        session,
        request,
        RequestState.APPROVED,
        advisor,
        comment,
        {"credits": str(granted), "computed": str(computed), "reason": request.reduction_reason},
        step,
    )
    return _make_award(session, request, advisor, granted, step)


def check_grant(
    session: Session, request: CreditRequest, credits: Decimal | None, reason: str, ceiling: Decimal | None = None
) -> tuple[Decimal, Decimal, str]:
    """(credits granted, most allowed, reason kept) for an approval of `request`, or
    ValidationFailed/Conflict. `ceiling`: the credits an earlier step of the route granted."""
    reason = (reason or "").strip()
    if not request.is_eligible:
        raise ValidationFailed(
            "This request does not meet its rule, so it cannot be approved: deny it or return it to the student.",
            {"action": "Only an eligible request can be approved."},
        )
    # Awards made since submission may have used up a cap: evaluate again, as of submission.
    as_of = (request.submitted_at or utcnow()).date()
    fresh = evaluate_for(
        session, request.student, request.rule, request.experiences, request.reflection, as_of, request.id
    )
    computed = min(Decimal(request.computed_credits or 0), fresh.credits)
    if ceiling is not None:
        computed = min(computed, ceiling)
    if not fresh.eligible:
        failed = " ".join(c.text for c in fresh.failed)
        raise Conflict(f"This request no longer meets its rule: {failed} Deny it or return it to the student.")
    spec = spec_of(request.rule)
    granted = computed if credits is None else credits
    errors: dict[str, str] = {}
    if granted > computed:
        errors["credits"] = f"You can grant at most {credit_words(computed)}: that is what the rule allows here."
    elif granted < spec.min_credits:
        errors["credits"] = f"{spec.course_label} grants at least {credit_words(spec.min_credits)}."
    elif (granted / spec.credit_increment) != (granted / spec.credit_increment).to_integral_value():
        errors["credits"] = f"Credits go in steps of {format_decimal(spec.credit_increment)}."
    elif granted < computed and not reason:
        errors["reason"] = f"Say why you grant fewer than the {credit_words(computed)} the rule allows."
    if errors:
        raise ValidationFailed("Please correct the marked fields.", errors)
    return granted, computed, (reason if granted < computed else "")


def _make_award(
    session: Session, request: CreditRequest, advisor: Person, granted: Decimal, step: StepContext | None
) -> CreditAward:
    award = CreditAward(
        request_id=request.id,
        student_id=request.student_id,
        rule_id=request.rule_id,
        term=request.term,
        credits=granted,
        grading_basis=request.rule.grading_basis,
        approved_by_id=advisor.id,
        approved_at=request.decided_at,
        status=AwardStatus.PENDING,
    )
    session.add(award)
    session.flush()
    record_event(
        session,
        step.actor if step else Actor.person(advisor),
        "credit_award.created",
        CreditAward.__tablename__,
        award.id,
        {"request": request.id, "credits": str(granted), "term": award.term, "course": request.rule.course_label},
    )
    signals.award_ready.send("credits", session=session, award=award)
    _tell_student(session, request, advisor, f"approved: {credit_words(granted)}, {award.grading_basis}", step)
    return award


def deny_request(
    session: Session,
    request: CreditRequest,
    advisor: Person,
    comment: str,
    *,
    expected_version: int | None = None,
    step: StepContext | None = None,
) -> None:
    """Deny the request; the comment says why."""
    _decide_with_comment(session, request, advisor, comment, RequestState.DENIED, expected_version, step)


def return_request(
    session: Session,
    request: CreditRequest,
    advisor: Person,
    comment: str,
    *,
    expected_version: int | None = None,
    step: StepContext | None = None,
) -> None:
    """Send the request back to the student to change and resubmit; the comment says what."""
    _decide_with_comment(session, request, advisor, comment, RequestState.RETURNED, expected_version, step)


def _decide_with_comment(
    session: Session,
    request: CreditRequest,
    advisor: Person,
    comment: str,
    to: RequestState,
    expected_version: int | None,
    step: StepContext | None = None,
) -> None:
    if step is None:
        _require_advisor(session, advisor, request)
    _decide_on_current_data(session, request)
    _check_decidable(request, expected_version)
    comment = (comment or "").strip()
    if not comment:
        verb = "deny" if to is RequestState.DENIED else "return"
        raise ValidationFailed(
            "Please correct the marked fields.",
            {"comment": f"Write a comment: the student needs to know why you {verb} the request."},
        )
    request.reduction_reason = None
    _decide(session, request, to, advisor, comment, {}, step)
    _tell_student(session, request, advisor, to.value, step)


def _tell_student(
    session: Session, request: CreditRequest, advisor: Person, outcome: str, step: StepContext | None = None
) -> None:
    rule = request.rule
    student = request.student
    base = current_app.config["PUBLIC_URL"]
    who = step.actor.label if step else advisor.display_name
    lines = [
        f"Hello {student.display_name},",
        "",
        f"{who} has decided on your request for credit in {rule.course_label} "
        f"{rule.course_title} ({request.term}): {outcome}.",
    ]
    if request.reduction_reason:
        lines += ["", f"Why fewer credits: {request.reduction_reason}"]
    if request.decision_comment:
        lines += ["", f"Comment: {request.decision_comment}"]
    if request.state is RequestState.RETURNED:
        lines += ["", "You can change the request and submit it again."]
    lines += ["", f"See the request: {base}/credits/requests/{request.id}", ""]
    queue_message(
        session,
        to=student.email,
        subject=f"Credit request {request.state.value}: {rule.course_label}",
        text="\n".join(lines),
        kind=f"credits.request_{request.state.value}",
    )
