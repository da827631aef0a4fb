"""`flask credits escalate` (run by a timer): remind at half a step's deadline, escalate at the
deadline, send the daily digests. Idempotent: each reminder and escalation happens once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.credits import decisions, waits
from careercenter.credits.approval_models import ApprovalWait
from careercenter.credits.models import CreditRequest, RequestState
from careercenter.db import utcnow

ACTOR = Actor.system("flask credits escalate")


@dataclass
class EscalationReport:
    reminded: list[str]
    escalated: list[str]
    digests: int

    def lines(self) -> list[str]:
        out = [f"reminded: {item}" for item in self.reminded]
        out += [f"escalated: {item}" for item in self.escalated]
        out.append(f"{len(self.reminded)} reminded, {len(self.escalated)} escalated, {self.digests} digest(s) sent")
        return out


def _due(session: Session, condition: sa.ColumnElement[bool]) -> list[ApprovalWait]:
    """Waits matching `condition`, each then locked as a decision locks it (the student's row
    first, so a timer and a decision on one request take their locks in the same order) and
    read again: a step decided, reminded or escalated meanwhile is left out."""
    ids = session.execute(
        sa.select(ApprovalWait.request_id)
        .join(CreditRequest, CreditRequest.id == ApprovalWait.request_id)
        .where(condition, CreditRequest.state == RequestState.SUBMITTED)
        .order_by(ApprovalWait.deadline_at, ApprovalWait.request_id)
    ).scalars()
    out = []
    for request_id in list(ids):
        request = session.get(CreditRequest, request_id)
        if request is None:
            continue
        decisions.lock_for_decision(session, request)
        still = session.execute(
            sa.select(ApprovalWait)
            .where(ApprovalWait.request_id == request_id, condition)
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if still is not None and request.state is RequestState.SUBMITTED:
            out.append(still)
    return out


def _label(wait: ApprovalWait) -> str:
    return f'request {wait.request_id} at "{wait.step_label}"'


def escalate_due(session: Session, now: datetime | None = None) -> EscalationReport:
    """Send the reminders and escalations due at `now`, then the daily digests."""
    now = now or utcnow()
    report = EscalationReport([], [], 0)
    overdue = _due(session, sa.and_(ApprovalWait.deadline_at <= now, ApprovalWait.escalated_at.is_(None)))
    for wait in overdue:
        wait.escalated_at = now
        wait.reminded_at = wait.reminded_at or now
        record_event(
            session,
            ACTOR,
            "credit_request.step_escalated",
            CreditRequest.__tablename__,
            wait.request_id,
            {"step": wait.step_label, "step_number": wait.step_index + 1, "escalate_to": wait.escalate_to},
        )
        waits.tell_approvers(session, wait.request, wait, "escalated")
        report.escalated.append(_label(wait) + (f" → {wait.escalate_to}" if wait.escalate_to else ""))
    half = _due(
        session,
        sa.and_(
            ApprovalWait.deadline_at.is_not(None),
            ApprovalWait.reminded_at.is_(None),
            ApprovalWait.escalated_at.is_(None),
        ),
    )
    for wait in half:
        assert wait.deadline_at is not None
        if wait.started_at + (wait.deadline_at - wait.started_at) / 2 > now:
            continue
        wait.reminded_at = now
        waits.tell_approvers(session, wait.request, wait, "reminder")
        report.reminded.append(_label(wait))
    session.flush()
    report.digests = waits.send_digests(session)
    return report
