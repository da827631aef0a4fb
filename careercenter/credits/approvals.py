"""Deciding the step a request waits at: Approve (on to the next step; the last makes the
award), Return (to the student; a resubmission starts again at step 1) or Deny — each once,
by someone who may, written to the audit log with the step named. Plus the timer's work:
reminders at half the deadline, escalation at the deadline, the daily digests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from careercenter.audit.service import Actor, record_event
from careercenter.credits import decisions, waits
from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait, StepDecision
from careercenter.credits.eligibility import Authority, authority
from careercenter.credits.models import CreditAward, CreditRequest, RequestState
from careercenter.db import utcnow
from careercenter.errors import Conflict, NotAllowed, ValidationFailed
from careercenter.sso.models import Person

TAKEN = (
    "Someone else decided this step a moment ago, so your decision was not saved. "
    "The page now shows the request as it is."
)


@dataclass(frozen=True)
class Outcome:
    """What a decision did: the decision row, the award (last approval), the next step's label."""

    decision: ApprovalDecision
    award: CreditAward | None = None
    next_step: str | None = None


def actor_for(person: Person, auth: Authority) -> Actor:
    """The audit actor: "Dana Whitfield (for Raj Patel)" when deciding for someone away."""
    if auth.on_behalf_of is None:
        return Actor.person(person)
    return Actor("person", str(person.id), f"{person.display_name} (for {auth.on_behalf_of.display_name})")


def waiting_step(session: Session, request: CreditRequest) -> ApprovalWait | None:
    return session.get(ApprovalWait, request.id)


def may_decide(session: Session, person: Person, request: CreditRequest) -> Authority | None:
    """Whether `person` may decide the step `request` waits at now (None: may not)."""
    wait = waiting_step(session, request)
    if request.state is not RequestState.SUBMITTED or wait is None:
        return None
    return authority(session, person, request, wait)


def _current(
    session: Session, request: CreditRequest, person: Person, expected_version: int | None
) -> tuple[ApprovalWait, Authority]:
    """Lock (the student's row, as every decision does first), read the request and its step
    again, and check that `person` may decide it."""
    decisions.lock_for_decision(session, request)
    wait = session.get(ApprovalWait, request.id, populate_existing=True)
    if request.state is not RequestState.SUBMITTED or wait is None:
        who = f" by {request.decided_by.display_name}" if request.decided_by else ""
        raise Conflict(
            f"This request was already {request.state.value}{who}, so your decision was not saved. "
            "The page now shows the request as it is."
        )
    if expected_version is not None and expected_version != request.version_id:
        raise Conflict(TAKEN)  # the step shown on the page was decided meanwhile
    auth = authority(session, person, request, wait)
    if auth is None:
        raise NotAllowed("You may not decide the step this request waits at.")
    return wait, auth


def record_step(
    session: Session,
    request: CreditRequest,
    wait: ApprovalWait,
    person: Person,
    decision: StepDecision,
    comment: str,
    *,
    on_behalf_of: Person | None = None,
    credits: Decimal | None = None,
    reason: str | None = None,
    conflict: str = TAKEN,
) -> ApprovalDecision:
    """Insert the step's one row (an approver's decision, or the student's withdrawal); another
    row for the step, written meanwhile on another server, makes this a `Conflict(conflict)`."""
    row = ApprovalDecision(
        request_id=request.id,
        pass_no=wait.pass_no,
        step_index=wait.step_index,
        step_label=wait.step_label,
        decision=decision,
        decided_by_id=person.id,
        decided_by=person,
        on_behalf_of_id=on_behalf_of.id if on_behalf_of else None,
        on_behalf_of=on_behalf_of,
        decided_at=utcnow(),
        comment=comment or None,
        credits=credits,
        reduction_reason=reason or None,
        was_escalated=wait.escalated_at is not None,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(conflict) from None
    return row


def _step_data(wait: ApprovalWait, auth: Authority, actor: Actor) -> dict[str, object]:
    return {
        "decided_by": actor.label,
        "step": wait.step_label,
        "step_number": wait.step_index + 1,
        "pass": wait.pass_no,
        "on_behalf_of": auth.on_behalf_of.display_name if auth.on_behalf_of else None,
    }


def allowed_credits(session: Session, request: CreditRequest) -> Decimal:
    """The most the step waited at may grant: the computed credits, or fewer an earlier step gave."""
    wait = waiting_step(session, request)
    computed = Decimal(request.computed_credits or 0)
    ceiling = _ceiling(session, request, wait.pass_no) if wait else None
    return computed if ceiling is None else min(computed, ceiling)


def _ceiling(session: Session, request: CreditRequest, pass_no: int) -> Decimal | None:
    """The fewest credits an earlier step of this pass granted (None: no step reduced)."""
    return session.execute(
        sa.select(sa.func.min(ApprovalDecision.credits)).where(
            ApprovalDecision.request_id == request.id,
            ApprovalDecision.pass_no == pass_no,
            ApprovalDecision.decision == StepDecision.APPROVED,
        )
    ).scalar_one()


def approve(
    session: Session,
    request: CreditRequest,
    person: Person,
    comment: str = "",
    *,
    credits: Decimal | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Outcome:
    """Approve the step `request` waits at; on the last step make the award."""
    wait, auth = _current(session, request, person, expected_version)
    comment = (comment or "").strip()
    ceiling = _ceiling(session, request, wait.pass_no)
    steps = waits.route(request)
    actor = actor_for(person, auth)
    step = decisions.StepContext(actor, _step_data(wait, auth, actor), ceiling)
    if wait.step_index + 1 >= len(steps):
        award = decisions.approve_request(session, request, person, comment, credits=credits, reason=reason, step=step)
        row = record_step(
            session,
            request,
            wait,
            person,
            StepDecision.APPROVED,
            comment,
            on_behalf_of=auth.on_behalf_of,
            credits=award.credits,
            reason=request.reduction_reason,
        )
        if request.reduction_reason is None:  # the last step kept what an earlier one reduced
            request.reduction_reason = _last_reason(session, request, wait.pass_no)
        session.delete(wait)
        session.flush()
        return Outcome(row, award=award)
    granted, _, kept = decisions.check_grant(session, request, credits, reason, ceiling)
    row = record_step(
        session,
        request,
        wait,
        person,
        StepDecision.APPROVED,
        comment,
        on_behalf_of=auth.on_behalf_of,
        credits=granted,
        reason=kept,
    )
    request.updated_at = utcnow()  # moves version_id: a form shown before this decision is stale
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(TAKEN) from None
    record_event(
        session,
        step.actor,
        "credit_request.step_approved",
        CreditRequest.__tablename__,
        request.id,
        {**step.data, "comment": comment, "credits": str(granted), "reason": kept or None},
    )
    following = steps[wait.step_index + 1]
    waits.tell_student_step_passed(session, request, row, following.label)
    waits.wait_at(session, request, wait.pass_no, wait.step_index + 1)
    return Outcome(row, next_step=following.label)


def _last_reason(session: Session, request: CreditRequest, pass_no: int) -> str | None:
    return session.execute(
        sa.select(ApprovalDecision.reduction_reason)
        .where(
            ApprovalDecision.request_id == request.id,
            ApprovalDecision.pass_no == pass_no,
            ApprovalDecision.reduction_reason.is_not(None),
        )
        .order_by(ApprovalDecision.step_index.desc())
        .limit(1)
    ).scalar_one_or_none()


def send_back(
    session: Session,
    request: CreditRequest,
    person: Person,
    comment: str,
    to: RequestState,
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Return the request to the student (`to` RETURNED) or deny it (DENIED), with a comment."""
    if to not in (RequestState.RETURNED, RequestState.DENIED):
        raise ValueError(to)
    wait, auth = _current(session, request, person, expected_version)
    actor = actor_for(person, auth)
    step = decisions.StepContext(actor, _step_data(wait, auth, actor))
    decide = decisions.return_request if to is RequestState.RETURNED else decisions.deny_request
    decide(session, request, person, comment, step=step)
    decision = StepDecision.RETURNED if to is RequestState.RETURNED else StepDecision.DENIED
    row = record_step(session, request, wait, person, decision, (comment or "").strip(), on_behalf_of=auth.on_behalf_of)
    session.delete(wait)
    session.flush()
    return Outcome(row)


def bulk_approve(
    session: Session, person: Person, request_ids: Sequence[int], comment: str
) -> tuple[list[CreditRequest], list[str]]:
    """Approve the step each selected request waits at, at the credits allowed so far; one that
    cannot be approved is skipped with a reason (each in its own savepoint)."""
    approved: list[CreditRequest] = []
    skipped: list[str] = []
    for request_id in sorted(set(request_ids)):
        request = session.get(CreditRequest, request_id)
        if request is None or may_decide(session, person, request) is None:
            skipped.append(f"Request {request_id} is not waiting for you.")
            continue
        if not request.is_eligible:
            skipped.append(f"Request {request_id} ({request.student.display_name}) does not meet its rule.")
            continue
        try:
            with session.begin_nested():
                approve(session, request, person, comment)
        except (Conflict, ValidationFailed, NotAllowed) as exc:
            session.refresh(request)
            skipped.append(f"Request {request_id} ({request.student.display_name}): {exc}")
            continue
        approved.append(request)
    return approved, skipped


def trail(session: Session, request: CreditRequest) -> list[ApprovalDecision]:
    """Every decision on the request, pass by pass, in route order."""
    return list(
        session.execute(
            sa.select(ApprovalDecision)
            .where(ApprovalDecision.request_id == request.id)
            .order_by(ApprovalDecision.pass_no, ApprovalDecision.step_index)
        ).scalars()
    )
