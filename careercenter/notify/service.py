"""Queue mail in the outbox, in the caller's transaction: a message exists iff its cause does."""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy.orm import Session

from careercenter.notify.models import OutboxMessage


def queue_message(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    kind: str,
    html: str | None = None,
    reply_to: str | None = None,
) -> OutboxMessage:
    """Put one message in the outbox; the worker (`flask outbox run`) delivers it."""
    domain = current_app.config.get("MAIL_MESSAGE_ID_DOMAIN") or "careercenter.local"
    message = OutboxMessage(
        to_address=to,
        subject=subject,
        body_text=text,
        body_html=html,
        kind=kind,
        reply_to=reply_to or current_app.config.get("MAIL_REPLY_TO"),
        message_id=f"<{secrets.token_hex(16)}@{domain}>",
    )
    session.add(message)
    session.flush()
    return message
