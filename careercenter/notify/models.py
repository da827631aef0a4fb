"""The mail outbox: a message is a row until an SMTP server has accepted it."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from careercenter.db import enum_column, utcnow
from careercenter.extensions import db


class OutboxState(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; staff can requeue


#: What moves a message: the worker delivers a QUEUED one (SENT) or gives up on it after a
#: permanent refusal or its last attempt (FAILED); staff put a FAILED one back (QUEUED).
#: A claim, or a retry after a temporary error, keeps it QUEUED (with a later
#: `next_attempt_at`): bookkeeping, not a move. Only the staff requeue is audited; the
#: worker's moves are delivery bookkeeping, logged as `outbox.delivery` events.
OUTBOX_TRANSITIONS: dict[OutboxState, frozenset[OutboxState]] = {
    OutboxState.QUEUED: frozenset({OutboxState.SENT, OutboxState.FAILED}),
    OutboxState.SENT: frozenset(),
    OutboxState.FAILED: frozenset({OutboxState.QUEUED}),
}


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    reply_to: Mapped[str | None] = mapped_column(sa.String(320))
    #: Why it was sent, e.g. "signoff.request", "credit.decision".
    kind: Mapped[str] = mapped_column(sa.String(60))
    #: Our Message-ID, fixed at queue time so a retried delivery is recognisably the same mail.
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    state: Mapped[OutboxState] = mapped_column(enum_column(OutboxState, "outbox_state"), default=OutboxState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    last_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
