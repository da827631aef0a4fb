"""Issue 16 item 3: a message no one can deliver never stops the others. One poison message among
ten (an address that is not one, stored before validation existed, or one the server refuses
with a 5xx): nine arrive at the real SMTP server in one run; the poison one is failed, with its
reason, listed by `flask outbox list --failed` and queued again by `flask outbox retry ID`."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.extensions import db
from careercenter.notify.models import OutboxMessage, OutboxState
from careercenter.notify.service import queue_message
from tests.peers.smtp import SmtpServer

POISON_ADDRESS = "victim@example.com\r\nBcc: everyone@evil.example"


@pytest.fixture()
def smtp(smtp_server: SmtpServer) -> Any:
    smtp_server.reset()
    yield smtp_server
    smtp_server.reset()


def _queue_ten(session: Any, poison: dict[str, str], at: int = 4) -> list[int]:
    ids = []
    for i in range(10):
        values = {"to": f"supervisor{i}@example.com", "subject": f"Please confirm micro-internship {i}"}
        if i == at:
            values.update(poison)
        message = queue_message(session, text=f"Dear supervisor {i},\n", kind="test", **values)
        ids.append(message.id)
    session.commit()
    return ids


@pytest.mark.parametrize(
    ("poison", "reason"),
    [
        ({"to": POISON_ADDRESS}, "cannot build the message: the recipient address contains a control character"),
        ({"to": "gone@example.com"}, "550"),
    ],
    ids=["unbuildable", "refused-5xx"],
)
def test_one_poison_message_among_ten(
    app: Any, session: Any, runner: Any, smtp: SmtpServer, poison: dict[str, str], reason: str
) -> None:
    smtp.refused_recipients = {"gone@example.com"}
    ids = _queue_ten(session, poison)
    app.config.update(SMTP_HOST=smtp.host, SMTP_PORT=smtp.port, SMTP_TIMEOUT=5)
    try:
        result = runner.invoke(args=["outbox", "run", "--once"])
    finally:
        app.config.update(SMTP_HOST=None)
    assert result.exit_code == 0, result.output
    assert "outbox: sent 9, retrying 0, failed 1" in result.output
    received = smtp.wait_for(9)
    assert sorted(m.rcpt_tos[0] for m in received) == sorted(f"supervisor{i}@example.com" for i in range(10) if i != 4)
    assert all("evil.example" not in m.raw.decode() for m in received)
    poison_row = session.get(OutboxMessage, ids[4])
    session.refresh(poison_row)
    assert poison_row.state is OutboxState.FAILED and reason in poison_row.last_error

    listed = runner.invoke(args=["outbox", "list", "--failed"])
    assert listed.exit_code == 0
    assert f"{ids[4]}\tfailed\ttest" in listed.output and reason in listed.output
    assert "1 message(s)" in listed.output and "\r" not in listed.output

    # After the fix (the address corrected, the mailbox back), retry sends it.
    poison_row.to_address = "supervisor4@example.com"
    session.commit()
    smtp.refused_recipients = set()
    again = runner.invoke(args=["outbox", "retry", str(ids[4])])
    assert again.exit_code == 0 and again.output.strip() == f"message {ids[4]} queued again"
    assert runner.invoke(args=["outbox", "retry", str(ids[0])]).exit_code == 1  # sent: not failed
    app.config.update(SMTP_HOST=smtp.host, SMTP_PORT=smtp.port, SMTP_TIMEOUT=5)
    try:
        assert "outbox: sent 1," in runner.invoke(args=["outbox", "run", "--once"]).output
    finally:
        app.config.update(SMTP_HOST=None)
    assert len(smtp.wait_for(10)) == 10


def test_stored_subject_with_crlf_cannot_add_a_header(app: Any, session: Any, smtp: SmtpServer) -> None:
    from careercenter.notify.worker import deliver_due

    queue_message(
        session,
        to="supervisor@example.com",
        subject="Please confirm: Acme\r\nBcc: victim@evil.example\u202e",
        text="Dear supervisor,\n",
        kind="test",
    )
    session.commit()
    report = deliver_due(session, {**app.config, "SMTP_HOST": smtp.host, "SMTP_PORT": smtp.port, "SMTP_TIMEOUT": 5})
    assert report.line() == "outbox: sent 1, retrying 0, failed 0"
    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == ("supervisor@example.com",)
    assert received.message["Bcc"] is None
    assert received.subject == "Please confirm: Acme Bcc: victim@evil.example"
    assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar_one() >= 1
