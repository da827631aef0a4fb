"""Access rules for the staff outbox page and the development mailbox."""

from __future__ import annotations

from typing import Any

from careercenter.notify.models import OutboxState
from careercenter.notify.service import queue_message
from tests.access import Rule, World, expect, public


def _message(w: World, state: OutboxState = OutboxState.QUEUED) -> dict[str, Any]:
    message = queue_message(w.session, to="someone@example.com", subject="Hello", text="Hi.", kind="test")
    message.state = state
    message.last_error = (
        "ConnectionRefusedError: [Errno 111] Connection refused" if state is OutboxState.FAILED else None
    )
    w.session.flush()
    return {"message_id": message.id}


RULES = [
    Rule("GET", "/registrar/outbox", expect(registrar=200)),
    Rule(
        "POST",
        "/registrar/outbox/{message_id}/retry",
        expect(registrar=302),
        setup=lambda w: _message(w, OutboxState.FAILED),
    ),
    # Development mode only (with the development login); 404 in production (tests/notify).
    Rule("GET", "/dev/mailbox", public(200)),
    Rule("GET", "/dev/mailbox/{message_id}", public(200), setup=_message),
]
