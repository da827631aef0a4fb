"""The outbox worker's part of sign-off: close expired requests and queue due reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.db import utcnow
from careercenter.internships.models import SignoffRequest, SignoffState
from careercenter.internships.signoff import expire_signoff
from careercenter.internships.signoff_mail import mail_supervisor, new_token, reminder_days


def _locked(session: Session, query: sa.Select) -> sa.Select:
    # Several workers may run: each takes rows no other worker holds (PostgreSQL).
    return query.with_for_update(skip_locked=True) if session.get_bind().dialect.name == "postgresql" else query


def _send_reminders(session: Session, now: datetime, system: Actor) -> int:
    days = reminder_days(current_app.config)
    if not days:
        return 0
    due_q = sa.select(SignoffRequest).where(
        SignoffRequest.state == SignoffState.SENT,
        SignoffRequest.expires_at > now,
        SignoffRequest.reminders_sent < len(days),
        SignoffRequest.last_sent_at <= now - timedelta(days=days[0]),
    )
    reminded = 0
    for request in session.execute(_locked(session, due_q.order_by(SignoffRequest.id))).scalars():
        due_count = sum(1 for d in days if request.last_sent_at + timedelta(days=d) <= now)
        if due_count <= request.reminders_sent:
            continue
        # After a long pause of the worker, one reminder stands for all that were missed.
        request.reminders_sent = due_count
        token = new_token(session, request, "reminder")
        record_event(
            session, system, "signoff.reminded", SignoffRequest.__tablename__, request.id, {"reminder": due_count}
        )
        mail_supervisor(session, request, token, kind="signoff.reminder", reminder=True)
        reminded += 1
    return reminded


def run_due_signoff_tasks(session: Session, now: datetime | None = None) -> list[str]:
    """Close expired links (the experience becomes a draft, the student is told) and queue
    the reminders that are due. Run by every pass of `flask outbox run`; safe with several
    workers (rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL)."""
    now = now or utcnow()
    system = Actor.system("outbox worker")
    expired_q = sa.select(SignoffRequest).where(
        SignoffRequest.state == SignoffState.SENT, SignoffRequest.expires_at <= now
    )
    expired = list(session.execute(_locked(session, expired_q.order_by(SignoffRequest.id))).scalars())
    for request in expired:
        expire_signoff(session, request, system, now=now)
    reminded = _send_reminders(session, now, system)
    session.flush()
    lines = []
    if reminded or expired:
        lines.append(f"sign-off: {reminded} reminder(s) queued, {len(expired)} expired link(s) closed")
    return lines
