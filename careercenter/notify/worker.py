"""The outbox worker: claim due messages, deliver them by SMTP, retry with exponential backoff.

A message is claimed with a lease (`careercenter/leases.py`: one short unit of work, `SKIP LOCKED`
on PostgreSQL). The SMTP conversation then runs with no transaction open, and a second short unit
records the outcome, moving the message by `OUTBOX_TRANSITIONS` (notify/models.py). Each unit
is a `careercenter.transaction.unit_of_work`: it commits when it ends, rolls back if it raises.

A worker that dies mid-send leaves the row queued: once the lease runs out another worker
delivers it again with the same Message-ID. Nothing is lost; a repeat can only follow a lost
`250`, and is recognisably the same mail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter import leases
from careercenter.db import utcnow
from careercenter.notify.delivery import DeliveryError, SmtpRelay, build_email
from careercenter.notify.models import OUTBOX_TRANSITIONS, OutboxMessage, OutboxState
from careercenter.observability import log_event
from careercenter.statemachine import check_transition
from careercenter.transaction import unit_of_work

MAX_BACKOFF = timedelta(hours=6)


class SmtpNotConfigured(Exception):
    """CAREERCENTER_SMTP_HOST is unset: mail stays in the outbox."""


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"outbox: sent {self.sent}, retrying {self.retrying}, failed {self.failed}"


def lease_for(config: Mapping[str, Any]) -> timedelta:
    """How long a claimed message is left alone: longer than any one SMTP conversation."""
    return timedelta(seconds=max(120, int(config.get("SMTP_TIMEOUT") or 10) * 12))


def backoff(attempts: int, config: Mapping[str, Any]) -> timedelta:
    """Wait before attempt `attempts + 1`: base, 2×base, 4×base… capped at six hours."""
    base = timedelta(seconds=int(config.get("OUTBOX_BACKOFF_SECONDS") or 60))
    return leases.backoff(attempts, base=base, cap=MAX_BACKOFF)


def _claim(session: Session, now: datetime, lease: timedelta) -> int | None:
    """Lease the oldest due message to this worker (one UPDATE); its id, or None when none is due."""
    return leases.claim_due(
        session,
        OutboxMessage,
        due_column=OutboxMessage.next_attempt_at,
        state_column=OutboxMessage.state,
        due_state=OutboxState.QUEUED,
        now=now,
        lease=lease,
        extra_values={"last_attempt_at": now},
    )


def claim_next(session: Session, now: datetime, lease: timedelta) -> OutboxMessage | None:
    """Claim the oldest due message for this worker and load it, in one committed unit of work;
    None when none is due."""
    with unit_of_work(session):
        claimed = _claim(session, now, lease)
        return leases.load_claimed(session, OutboxMessage, claimed) if claimed is not None else None


def _record_outcome(
    session: Session,
    message_id: int,
    attempts: int,
    error: DeliveryError | None,
    config: Mapping[str, Any],
    now: datetime,
) -> OutboxState:
    """Write the outcome with one UPDATE as the first statement of a fresh unit of work.

    (On SQLite a transaction that read before it writes fails at once if another connection
    wrote in between; starting with the write makes it wait its turn instead.) The move is
    checked against `OUTBOX_TRANSITIONS` first; a retry keeps the message QUEUED.
    """
    values: dict[str, Any]
    if error is None:
        state = OutboxState.SENT
        values = {"state": state, "sent_at": now, "last_error": None}
    else:
        max_attempts = int(config.get("OUTBOX_MAX_ATTEMPTS") or 8)
        state = OutboxState.FAILED if error.is_permanent or attempts >= max_attempts else OutboxState.QUEUED
        values = {"state": state, "last_error": str(error)[:500]}
        if state is OutboxState.QUEUED:
            values["next_attempt_at"] = now + backoff(attempts, config)
    if state is not OutboxState.QUEUED:
        check_transition(OutboxMessage, OutboxState.QUEUED, state, OUTBOX_TRANSITIONS)
    with unit_of_work(session):
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.state == OutboxState.QUEUED)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return state


def _build(message: OutboxMessage, config: Mapping[str, Any]) -> tuple[EmailMessage | None, DeliveryError | None]:
    """The mail for a claimed message, or the reason it cannot be built.

    A message that cannot be built (a stored address that is not one) is a permanent error like
    a 5xx from the server: the worker records it as failed with the reason and goes on with the
    next message, so one bad row never holds up everyone else's mail.
    """
    try:
        return build_email(message, config), None
    except DeliveryError as exc:
        return None, exc


def _send(relay: SmtpRelay, mail: EmailMessage) -> DeliveryError | None:
    try:
        relay.send(mail)
    except DeliveryError as exc:
        return exc
    return None


def deliver_due(
    session: Session, config: Mapping[str, Any], *, now: datetime | None = None, limit: int | None = None
) -> DeliveryReport:
    """Deliver every message due at `now` (default: the current time); one pass of the worker."""
    if not config.get("SMTP_HOST"):
        raise SmtpNotConfigured("CAREERCENTER_SMTP_HOST is not set")
    report = DeliveryReport()
    lease = lease_for(config)
    with SmtpRelay(config) as relay:
        while limit is None or report.sent + report.retrying + report.failed < limit:
            with unit_of_work(session):
                claimed = _claim(session, now or utcnow(), lease)
            if claimed is None:
                break
            with unit_of_work(session):  # a short read: no transaction stays open while we talk to the relay
                message = leases.load_claimed(session, OutboxMessage, claimed)
                message_id, attempts, kind = message.id, message.attempts, message.kind
                mail, error = _build(message, config)
            if mail is not None:
                error = _send(relay, mail)
            state = _record_outcome(session, message_id, attempts, error, config, now or utcnow())
            # Ids and the kind of error only: addresses are personal data, errors may name them.
            log_event(
                "outbox.delivery",
                message_id=message_id,
                kind=kind,
                attempt=attempts,
                outcome=state.value,
                error=str(error).split(":", 1)[0] if error else None,
            )
            if state is OutboxState.SENT:
                report.sent += 1
                continue
            report.errors.append(f"message {message_id}: {error}")
            if state is OutboxState.FAILED:
                report.failed += 1
            else:
                report.retrying += 1
    return report
