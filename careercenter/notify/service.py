"""Queue mail in the outbox, in the caller's transaction: a message exists iff its cause does."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor
from careercenter.db import utcnow
from careercenter.errors import Conflict
from careercenter.notify.models import OUTBOX_TRANSITIONS, OutboxMessage, OutboxState
from careercenter.statemachine import move


def message_id_domain() -> str:
    """The right-hand side of our Message-IDs: configured, else the public URL's host."""
    config = current_app.config
    return (
        config.get("MAIL_MESSAGE_ID_DOMAIN") or urlsplit(config.get("PUBLIC_URL", "")).hostname or "careercenter.local"
    )


def delivers_to_dev_mailbox() -> bool:
    """In development mode without an SMTP server, mail is delivered to the dev mailbox as it is
    queued, so a new user sees it arrive (and the outbox does not pile up "queued" forever).
    Never in production; never when an SMTP server is configured (then the worker delivers)."""
    config = current_app.config
    if config["IS_PRODUCTION"] or config.get("ENV_NAME") != "development" or config.get("SMTP_HOST"):
        return False
    setting = config.get("DEV_MAILBOX")
    return bool(config["DEV_LOGIN"] if setting is None else setting)


def queue_message(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    kind: str,
    html: str | None = None,
    reply_to: str | None = None,
    flush: bool = True,
) -> OutboxMessage:
    """Put one message in the outbox; the worker (`flask outbox run`) delivers it.

    `flush=False` leaves it for the caller's next flush (it has no id until then): a caller
    queuing several at once writes them in one INSERT.

    The Message-ID is fixed here, so that a delivery repeated after a lost `250` reply is
    recognisably the same mail to the receiving side.
    """
    message = OutboxMessage(
        to_address=to,
        subject=subject,
        body_text=text,
        body_html=html,
        kind=kind,
        reply_to=reply_to or current_app.config.get("MAIL_REPLY_TO"),
        message_id=f"<{secrets.token_hex(16)}@{message_id_domain()}>",
    )
    if delivers_to_dev_mailbox():
        now = utcnow()
        message.state, message.sent_at, message.last_attempt_at = OutboxState.SENT, now, now
    session.add(message)
    if flush:
        session.flush()
    return message


def requeue_message(session: Session, message: OutboxMessage, actor: Actor) -> None:
    """Put a failed message back in the queue for a fresh round of attempts."""
    if message.state is not OutboxState.FAILED:
        raise Conflict("Only a message that failed can be queued again.")
    move(
        session,
        message,
        OutboxState.QUEUED,
        transitions=OUTBOX_TRANSITIONS,
        actor=actor,
        action="outbox.requeued",
        data={"attempts": message.attempts, "last_error": message.last_error},
    )
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.last_error = None
    session.flush()


def undelivered_messages(session: Session, limit: int = 200) -> list[OutboxMessage]:
    """Queued and failed messages, the oldest first (what staff need to watch)."""
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.state != OutboxState.SENT)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(sa.select(OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.state)).all()
    counts = {state.value: 0 for state in OutboxState}
    counts.update({state.value: n for state, n in rows})
    return counts
