"""The outbox's transition table is the one the worker follows: every move the worker makes is
in `OUTBOX_TRANSITIONS`, and a move the table does not list is refused, not written."""

from __future__ import annotations

from typing import Any

import pytest

from careercenter.errors import IllegalTransition
from careercenter.notify import models
from careercenter.notify.models import OUTBOX_TRANSITIONS, OutboxState
from careercenter.notify.service import queue_message
from careercenter.notify.worker import deliver_due
from tests.peers.smtp import SmtpServer


@pytest.fixture()
def smtp(smtp_server: SmtpServer) -> Any:
    smtp_server.reset()
    yield smtp_server
    smtp_server.reset()


def test_the_table_lists_what_the_worker_and_staff_do() -> None:
    assert OUTBOX_TRANSITIONS[OutboxState.QUEUED] == {OutboxState.SENT, OutboxState.FAILED}
    assert OUTBOX_TRANSITIONS[OutboxState.FAILED] == {OutboxState.QUEUED}
    assert OUTBOX_TRANSITIONS[OutboxState.SENT] == frozenset()


def test_the_worker_refuses_a_move_its_table_does_not_list(
    app: Any, session: Any, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = queue_message(session, to="pat@example.com", subject="Hello", text="Hi.\n", kind="test")
    session.commit()
    monkeypatch.setitem(models.OUTBOX_TRANSITIONS, OutboxState.QUEUED, frozenset({OutboxState.FAILED}))
    config = {**app.config, "SMTP_HOST": smtp.host, "SMTP_PORT": smtp.port, "SMTP_TIMEOUT": 5}
    with pytest.raises(IllegalTransition):
        deliver_due(session, config)
    session.refresh(message)
    assert message.state is OutboxState.QUEUED and message.sent_at is None
