"""Where a submitted request waits on its route: the first step at submission, the next after
each approval; and the emails that tell its approvers (or hold a line for their daily digest).

No import of the credits service (the service calls `start_route`)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait, ApproverSettings, DigestItem
from careercenter.credits.eligibility import delegates_of, people_for
from careercenter.credits.models import CreditRequest
from careercenter.credits.routes import StepKind, StepSpec
from careercenter.credits.rules import RuleSpec
from careercenter.db import utcnow
from careercenter.notify.service import queue_message
from careercenter.sso.models import Person


def route(request: CreditRequest) -> tuple[StepSpec, ...]:
    """The route pinned with the request's rule version."""
    return RuleSpec.from_definition(request.rule.definition).route


def current_pass(session: Session, request: CreditRequest) -> int:
    """The pass the request is in: 1 + how many passes ended in a return."""
    done = session.execute(
        sa.select(sa.func.max(ApprovalDecision.pass_no)).where(ApprovalDecision.request_id == request.id)
    ).scalar_one()
    return (done or 0) + 1


def start_route(session: Session, request: CreditRequest) -> ApprovalWait:
    """At submission and resubmission: wait at step 1 of a new pass; tell its approvers."""
    return wait_at(session, request, current_pass(session, request), 0)


def wait_at(session: Session, request: CreditRequest, pass_no: int, index: int) -> ApprovalWait:
    """Make `request` wait at step `index` of its route and email whoever may decide it."""
    step = route(request)[index]
    now = utcnow()
    wait = session.get(ApprovalWait, request.id)
    if wait is None:
        wait = ApprovalWait(request_id=request.id, request=request)
        session.add(wait)
    wait.pass_no = pass_no
    wait.step_index = index
    wait.step_label = step.label
    wait.kind = step.kind
    wait.pool = step.pool
    wait.match_program = step.match_program
    wait.escalate_to = step.escalate_to
    wait.started_at = now
    wait.deadline_at = now + timedelta(days=step.deadline_days) if step.deadline_days else None
    wait.reminded_at = None
    wait.escalated_at = None
    session.flush()
    tell_approvers(session, request, wait, "reached")
    return wait


def end_wait(session: Session, request: CreditRequest) -> None:
    wait = session.get(ApprovalWait, request.id)
    if wait is not None:
        session.delete(wait)
        session.flush()


# ---- telling people ----------------------------------------------------------------------------

_SUBJECTS = {
    "reached": "Credit request waiting for you",
    "reminder": "Reminder: credit request waiting for you",
    "escalated": "Overdue credit request",
}


def _recipients(session: Session, request: CreditRequest, wait: ApprovalWait, why: str) -> list[Person]:
    people = people_for(session, wait.kind, wait.pool, wait.match_program, request)
    people += [delegate for delegate, _ in delegates_of(session, people, wait.kind)]
    if why == "escalated" and wait.escalate_to:
        if wait.escalate_to == "registrar":
            people += people_for(session, StepKind.REGISTRAR, None, False, request)
        else:
            people += people_for(session, StepKind.POOL, wait.escalate_to.removeprefix("pool:"), False, request)
    seen: dict[int, Person] = {}
    for person in people:
        seen.setdefault(person.id, person)
    return list(seen.values())


def _request_url(request: CreditRequest) -> str:
    """The request page's address: the end of every digest line about the request."""
    return f"/credits/requests/{request.id}"


def _line(request: CreditRequest, wait: ApprovalWait) -> str:
    """Who, which course and term, which step: one line of a notice or a digest."""
    rule = request.rule
    return (
        f"{request.student.display_name} ({request.student.campus_id}), {rule.course_label} {rule.course_title}, "
        f'{request.term}: step "{wait.step_label}"'
    )


def _digest_readers(session: Session, people: list[Person]) -> set[int]:
    """Which of `people` take a daily digest instead of one email each."""
    return {
        row.person_id
        for row in session.execute(
            sa.select(ApproverSettings).where(
                ApproverSettings.person_id.in_([p.id for p in people] or [-1]),
                ApproverSettings.daily_digest.is_(True),
            )
        ).scalars()
    }


def tell_approvers(session: Session, request: CreditRequest, wait: ApprovalWait, why: str) -> int:
    """Email (or hold for the digest of) everyone who may decide the step now; return how many."""
    base = current_app.config["PUBLIC_URL"]
    rule = request.rule
    line = f"{_line(request, wait)} — {base}{_request_url(request)}"
    recipients = _recipients(session, request, wait, why)
    digest = _digest_readers(session, recipients)
    for person in recipients:
        if person.id in digest:
            session.add(DigestItem(person_id=person.id, line=f"{_SUBJECTS[why]}: {line}"))
            continue
        text = [f"Hello {person.display_name},", ""]
        if why == "escalated":
            text.append(
                f'The step "{wait.step_label}" of this credit request passed its deadline, so it has escalated:'
            )
        elif why == "reminder":
            text.append(f'Half the time for the step "{wait.step_label}" has passed. This request still waits:')
        else:
            text.append("A credit request has reached a step you may decide:")
        text += ["", line, ""]
        if wait.deadline_at is not None:
            text.append(f"Deadline: {wait.deadline_at.strftime('%Y-%m-%d %H:%M')} UTC")
        text += [f"Everything waiting for you: {base}/approvals", ""]
        queue_message(
            session,
            to=person.email,
            subject=f"{_SUBJECTS[why]}: {rule.course_label}, {request.student.display_name}",
            text="\n".join(text),
            kind=f"credits.step_{why}",
            flush=False,
        )
    session.flush()
    return len(recipients)


def tell_withdrawn(session: Session, request: CreditRequest, wait: ApprovalWait) -> int:
    """The student withdrew `request` while it waited at `wait`: take it out of every held
    digest, and tell whoever may decide the step that it no longer waits for them (a digest
    reader who had not yet heard of it hears nothing). Return how many were told."""
    held = session.execute(
        sa.select(DigestItem).where(DigestItem.line.endswith(_request_url(request), autoescape=True))
    ).scalars()
    unheard = set()
    for item in list(held):
        unheard.add(item.person_id)
        session.delete(item)
    recipients = _recipients(session, request, wait, "escalated" if wait.escalated_at else "reached")
    digest = _digest_readers(session, recipients)
    base = current_app.config["PUBLIC_URL"]
    rule = request.rule
    # No link: once withdrawn, the request page is no longer every approver's to open.
    line = _line(request, wait)
    told = 0
    for person in recipients:
        if person.id in digest:
            if person.id not in unheard:
                session.add(DigestItem(person_id=person.id, line=f"Withdrawn by the student: {line}"))
                told += 1
            continue
        text = [
            f"Hello {person.display_name},",
            "",
            "The student withdrew this credit request, so it no longer waits for you:",
            "",
            line,
            "",
            f"Everything waiting for you: {base}/approvals",
            "",
        ]
        queue_message(
            session,
            to=person.email,
            subject=f"Credit request withdrawn: {rule.course_label}, {request.student.display_name}",
            text="\n".join(text),
            kind="credits.step_withdrawn",
        )
        told += 1
    session.flush()
    return told


def tell_student_step_passed(
    session: Session, request: CreditRequest, decision: ApprovalDecision, next_label: str
) -> None:
    base = current_app.config["PUBLIC_URL"]
    rule = request.rule
    lines = [
        f"Hello {request.student.display_name},",
        "",
        f'{decision.decider_label} approved the step "{decision.step_label}" of your request for credit in '
        f'{rule.course_label} {rule.course_title} ({request.term}). It now waits at "{next_label}".',
    ]
    if decision.reduction_reason:
        lines += ["", f"Fewer credits ({decision.credits}): {decision.reduction_reason}"]
    if decision.comment:
        lines += ["", f"Comment: {decision.comment}"]
    lines += ["", f"See the request: {base}/credits/requests/{request.id}", ""]
    queue_message(
        session,
        to=request.student.email,
        subject=f"Credit request step passed: {rule.course_label}",
        text="\n".join(lines),
        kind="credits.step_passed",
        flush=False,
    )


def send_digests(session: Session) -> int:
    """One email per approver with held lines, at most once a day; return how many were sent."""
    today = utcnow().date()
    base = current_app.config["PUBLIC_URL"]
    sent = 0
    holders = session.execute(
        sa.select(ApproverSettings).where(
            ApproverSettings.person_id.in_(sa.select(DigestItem.person_id)),
            sa.or_(ApproverSettings.digest_sent_on.is_(None), ApproverSettings.digest_sent_on < today),
        )
    ).scalars()
    for settings in list(holders):
        items = list(
            session.execute(
                sa.select(DigestItem).where(DigestItem.person_id == settings.person_id).order_by(DigestItem.id)
            ).scalars()
        )
        person = session.get(Person, settings.person_id)
        if person is None or not items:
            continue
        text = [f"Hello {person.display_name},", "", "Today's credit requests for you:", ""]
        text += [f"- {item.line}" for item in items]
        text += ["", f"Everything waiting for you: {base}/approvals", ""]
        queue_message(
            session,
            to=person.email,
            subject=f"Credit approvals: {len(items)} item(s) today",
            text="\n".join(text),
            kind="credits.digest",
        )
        for item in items:
            session.delete(item)
        settings.digest_sent_on = today
        sent += 1
    session.flush()
    return sent
