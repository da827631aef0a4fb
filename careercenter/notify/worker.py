"""The outbox worker: claim due messages, deliver them by SMTP, retry with exponential backoff.

A message is claimed by one short transaction that pushes its `next_attempt_at` forward by a
lease (on PostgreSQL the row is picked with `SELECT … FOR UPDATE SKIP LOCKED`, so any number
of workers claim different rows; on SQLite the single `UPDATE … RETURNING` is atomic by
itself). The SMTP conversation then runs with no transaction open, and a second short
transaction records the outcome. A worker that dies mid-send leaves the row queued: once the
lease runs out another worker delivers it again with the same Message-ID. Nothing is lost;
a repeat can only follow a lost `250`, and is recognisably the same mail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.db import utcnow
from careercenter.notify.delivery import DeliveryError, SmtpRelay, build_email
from careercenter.notify.models import OutboxMessage, OutboxState
from careercenter.observability import log_event

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
    base = int(config.get("OUTBOX_BACKOFF_SECONDS") or 60)
    return min(timedelta(seconds=base * 2 ** max(0, attempts - 1)), MAX_BACKOFF)


def claim_next(session: Session, now: datetime, lease: timedelta) -> OutboxMessage | None:
    """Claim the oldest due message for this worker and commit the claim; None when none is due."""
    due = (
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.state == OutboxState.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == due.scalar_subquery(), OutboxMessage.state == OutboxState.QUEUED)
        .values(attempts=OutboxMessage.attempts + 1, last_attempt_at=now, next_attempt_at=now + lease)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.commit()
    if claimed is None:
        return None
    return session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.id == claimed).execution_options(populate_existing=True)
    ).scalar_one()


def _record_outcome(
    session: Session,
    message_id: int,
    attempts: int,
    error: DeliveryError | None,
    config: Mapping[str, Any],
    now: datetime,
) -> OutboxState:
    """Write the outcome with one UPDATE as the first statement of a fresh transaction.

    (On SQLite a transaction that read before it writes fails at once if another connection
    wrote in between; starting with the write makes it wait its turn instead.)
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
    session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return state


def _attempt(
    session: Session, relay: SmtpRelay, message: OutboxMessage, config: Mapping[str, Any]
) -> DeliveryError | None:
    """Build and send one claimed message; the error that stopped it, or None when it went out.

    A message that cannot be built (a stored address that is not one) is a permanent error like
    a 5xx from the server: the worker records it as failed with the reason and goes on with
    the next message, so one bad row never holds up everyone else's mail.
    """
    try:
        mail = build_email(message, config)
    except DeliveryError as exc:
        return exc
    finally:
        session.commit()  # no transaction stays open while we talk to the relay
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
            message = claim_next(session, now or utcnow(), lease)
            if message is None:
                break
            message_id, attempts, kind = message.id, message.attempts, message.kind
            error = _attempt(session, relay, message, config)
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
