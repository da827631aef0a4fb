"""The outbox against a real SMTP server (aiosmtpd on 127.0.0.1): delivery, the server down and
back, refusals, authentication, backoff, giving up, and the staff and dev mailbox pages."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from markupsafe import escape

from careercenter.db import utcnow
from careercenter.extensions import db
from careercenter.notify.models import OutboxMessage, OutboxState
from careercenter.notify.service import queue_message
from careercenter.notify.worker import SmtpNotConfigured, backoff, deliver_due
from careercenter.sso.models import Role
from tests.peers.smtp import SmtpServer


@pytest.fixture()
def smtp(smtp_server: SmtpServer) -> Any:
    smtp_server.reset()
    yield smtp_server
    smtp_server.reset()


def _config(app: Any, server: SmtpServer, **extra: Any) -> dict[str, Any]:
    return {**app.config, "SMTP_HOST": server.host, "SMTP_PORT": server.port, "SMTP_TIMEOUT": 5, **extra}


def _queue(session: Any, n: int, **kw: Any) -> list[OutboxMessage]:
    made = [
        queue_message(
            session,
            to=f"supervisor{i}@example.com",
            subject=f"Please confirm micro-internship {i}",
            text=f"Dear supervisor {i},\n\nPlease confirm.\n",
            html=f"<p>Dear supervisor {i},</p>" if i % 2 == 0 else None,
            kind="test",
            **kw,
        )
        for i in range(n)
    ]
    session.commit()
    return made


def _ids(server: SmtpServer) -> Counter[str]:
    return Counter(str(m.message["Message-ID"]) for m in server.messages)


def test_delivers_plain_text_with_reply_to_and_the_queued_message_id(app: Any, session: Any, smtp: SmtpServer) -> None:
    messages = _queue(session, 2)
    report = deliver_due(session, _config(app, smtp))
    assert report.line() == "outbox: sent 2, retrying 0, failed 0"
    received = {str(m.message["Message-ID"]): m for m in smtp.wait_for(2)}
    for message in messages:
        session.refresh(message)
        assert message.state is OutboxState.SENT and message.sent_at is not None and message.attempts == 1
        got = received[message.message_id]
        assert got.rcpt_tos == (message.to_address,)
        assert got.message["From"] == app.config["MAIL_FROM"]
        assert got.message["Reply-To"] == app.config["MAIL_REPLY_TO"]
        assert got.message["Subject"] == message.subject
        plain = got.message.get_body(preferencelist=("plain",)).get_content()
        assert plain.replace("\r\n", "\n") == message.body_text
    html_one = received[messages[0].message_id].message
    assert html_one.get_content_type() == "multipart/alternative"
    assert "<p>Dear supervisor 0,</p>" in html_one.get_body(preferencelist=("html",)).get_content()
    assert received[messages[1].message_id].message.get_content_type() == "text/plain"


def test_server_down_then_back_every_message_arrives_exactly_once(app: Any, session: Any, smtp: SmtpServer) -> None:
    messages = _queue(session, 5)
    config = _config(app, smtp)
    with smtp.outage():
        report = deliver_due(session, config)
        assert report.line() == "outbox: sent 0, retrying 5, failed 0"
        for message in messages:
            session.refresh(message)
            assert message.state is OutboxState.QUEUED and message.attempts == 1
            assert "Connection refused" in message.last_error or "ConnectionRefused" in message.last_error
            assert message.next_attempt_at > utcnow()
        # Nothing is due again until the backoff has passed.
        assert deliver_due(session, config).line() == "outbox: sent 0, retrying 0, failed 0"
    assert smtp.messages == []
    later = utcnow() + timedelta(minutes=5)
    assert deliver_due(session, config, now=later).line() == "outbox: sent 5, retrying 0, failed 0"
    smtp.wait_for(5)
    assert deliver_due(session, config, now=later + timedelta(hours=1)).sent == 0
    assert _ids(smtp) == Counter({m.message_id: 1 for m in messages})
    for message in messages:
        session.refresh(message)
        assert message.state is OutboxState.SENT and message.attempts == 2 and message.last_error is None


def test_a_refusing_server_leaves_mail_queued_with_its_error(app: Any, session: Any, smtp: SmtpServer) -> None:
    [message] = _queue(session, 1)
    smtp.temporary_failure = True
    assert deliver_due(session, _config(app, smtp)).retrying == 1
    session.refresh(message)
    assert message.state is OutboxState.QUEUED
    assert "451" in message.last_error and "Temporary failure" in message.last_error
    smtp.temporary_failure = False
    assert deliver_due(session, _config(app, smtp), now=utcnow() + timedelta(hours=1)).sent == 1
    assert _ids(smtp) == Counter({message.message_id: 1})


def test_authentication_and_the_password_never_in_the_error(app: Any, session: Any) -> None:
    with SmtpServer(credentials=("careers", "s3cret-relay-pw")) as server:
        [message] = _queue(session, 1)
        wrong = _config(app, server, SMTP_USERNAME="careers", SMTP_PASSWORD="wrong-password-xyz")
        assert deliver_due(session, wrong).retrying == 1
        session.refresh(message)
        assert message.state is OutboxState.QUEUED and "535" in message.last_error
        assert "wrong-password-xyz" not in message.last_error
        none = _config(app, server)
        assert deliver_due(session, none, now=utcnow() + timedelta(hours=1)).retrying == 1
        session.refresh(message)
        assert "530" in message.last_error  # the server insists on authentication
        right = _config(app, server, SMTP_USERNAME="careers", SMTP_PASSWORD="s3cret-relay-pw")
        assert deliver_due(session, right, now=utcnow() + timedelta(hours=2)).sent == 1
        [received] = server.wait_for(1)
        assert received.auth_user == "careers"


def test_backoff_doubles_and_the_worker_gives_up_after_the_last_attempt(
    app: Any, session: Any, smtp: SmtpServer
) -> None:
    config = _config(app, smtp, OUTBOX_MAX_ATTEMPTS=3, OUTBOX_BACKOFF_SECONDS=60)
    assert [backoff(n, config) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert backoff(30, config) == timedelta(hours=6)
    [message] = _queue(session, 1)
    now = utcnow()
    with smtp.outage():
        for attempt in (1, 2):
            deliver_due(session, config, now=now)
            session.refresh(message)
            assert message.attempts == attempt and message.state is OutboxState.QUEUED
            assert message.next_attempt_at == now + backoff(attempt, config)
            now = message.next_attempt_at
        report = deliver_due(session, config, now=now)
    assert report.failed == 1 and report.line() == "outbox: sent 0, retrying 0, failed 1"
    session.refresh(message)
    assert message.state is OutboxState.FAILED and message.last_error
    assert deliver_due(session, config, now=now + timedelta(days=1)).sent == 0  # stays failed


def test_staff_see_undelivered_mail_and_can_queue_a_failed_one_again(
    client: Any, login: Any, make_person: Any, session: Any, make_student: Any
) -> None:
    queued, failed = _queue(session, 2)
    queued.last_error = "ConnectionRefusedError: [Errno 111] Connection refused"
    queued.attempts = 2
    failed.state = OutboxState.FAILED
    failed.attempts = 8
    failed.last_error = "recipient refused: supervisor1@example.com: 550 No such user"
    session.commit()
    login(make_student())
    assert client.get("/registrar/outbox").status_code == 403
    login(make_person(Role.REGISTRAR, program=None, class_level=None))
    html = client.get("/registrar/outbox").get_data(as_text=True)
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in html
    assert "550 No such user" in html
    assert "Dear supervisor" not in html  # bodies may hold sign-off links: never shown here
    response = client.post(f"/registrar/outbox/{failed.id}/retry", follow_redirects=True)
    assert "is queued again" in response.get_data(as_text=True)
    session.refresh(failed)
    assert failed.state is OutboxState.QUEUED and failed.attempts == 0 and failed.last_error is None
    from tests.internships.helpers import events

    [event] = events(session, "outbox.requeued")
    assert event.data["from"] == "failed" and "550" in event.data["last_error"]
    again = client.post(f"/registrar/outbox/{queued.id}/retry")
    assert again.status_code == 409


def test_dev_mailbox_shows_every_message_but_never_in_production(client: Any, session: Any, make_app: Any) -> None:
    [message] = _queue(session, 1)
    listing = client.get("/dev/mailbox").get_data(as_text=True)
    assert "Please confirm micro-internship 0" in listing
    page = client.get(f"/dev/mailbox/{message.id}").get_data(as_text=True)
    assert "Dear supervisor 0," in page and str(escape(message.message_id)) in page
    production = make_app(
        ENV_NAME="production",
        DEV_LOGIN=False,
        DEV_MAILBOX=True,
        PUBLIC_URL="https://careers.example.edu",
        SECRET_KEY="q3J8x-Vv2KpL0aZr7TnB4yWc9UeH1sGdMf6oQiXk5RjN",
        ALLOW_SQLITE=True,
    )
    assert production.test_client().get("/dev/mailbox").status_code == 404
    off = make_app(DEV_MAILBOX=False)
    assert off.test_client().get("/dev/mailbox").status_code == 404


def test_worker_cli_without_smtp_host_says_so(runner: Any, session: Any) -> None:
    _queue(session, 1)
    result = runner.invoke(args=["outbox", "run", "--once"])
    assert result.exit_code == 1
    assert "CAREERCENTER_SMTP_HOST is not set: mail stays in the outbox" in result.output
    with pytest.raises(SmtpNotConfigured):
        deliver_due(session, {"SMTP_HOST": None})


def test_worker_cli_once_delivers_and_sends_due_reminders(committed_db: Any, make_app: Any, smtp: SmtpServer) -> None:
    from careercenter.audit.service import Actor
    from careercenter.internships.models import SignoffRequest
    from careercenter.internships.signoff import request_signoff

    worker_app = make_app(SMTP_HOST=smtp.host, SMTP_PORT=smtp.port, SMTP_TIMEOUT=5)
    with worker_app.test_request_context():
        from careercenter.internships.models import Experience
        from careercenter.sso.models import Person

        student = Person(campus_id="S1", email="maya@students.example.edu", display_name="Maya Okafor")
        student.set_roles({Role.STUDENT})
        db.session.add(student)
        db.session.flush()
        today = utcnow().date()
        experience = Experience(
            student_id=student.id,
            employer="Brightline Health Data",
            title="Python data-cleaning pipeline",
            start_date=today - timedelta(days=20),
            end_date=today - timedelta(days=10),
            hours=20,
            supervisor_name="Jonah Feld",
            supervisor_email="jonah@brightline.example.com",
        )
        db.session.add(experience)
        db.session.flush()
        request_signoff(db.session, experience, Actor.person(student))
        request = db.session.execute(sa.select(SignoffRequest)).scalar_one()
        request.last_sent_at = utcnow() - timedelta(days=3, minutes=5)
        db.session.commit()
    result = worker_app.test_cli_runner().invoke(args=["outbox", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "sign-off: 1 reminder(s) queued, 0 expired link(s) closed",
        "outbox: sent 2, retrying 0, failed 0",
    ]
    received = smtp.wait_for(2)
    subjects = sorted(m.subject for m in received)
    assert subjects == [
        "Please confirm Maya Okafor's micro-internship at Brightline Health Data",
        "Reminder: please confirm Maya Okafor's micro-internship at Brightline Health Data",
    ]
    for m in received:
        assert m.message["Reply-To"] and "Maya Okafor" in m.text() and "/signoff/" in m.text()
        assert m.message.get_body(preferencelist=("plain",)) is not None
    again = worker_app.test_cli_runner().invoke(args=["outbox", "run", "--once"])
    assert again.output.strip() == "outbox: sent 0, retrying 0, failed 0"
    assert len(smtp.messages) == 2


def test_a_claimed_message_whose_worker_died_is_delivered_after_the_lease(
    app: Any, session: Any, smtp: SmtpServer
) -> None:
    from careercenter.notify.worker import claim_next, lease_for

    [message] = _queue(session, 1)
    config = _config(app, smtp)
    now = utcnow()
    assert claim_next(session, now, lease_for(config)).id == message.id  # ...and then the worker died
    assert deliver_due(session, config, now=now + timedelta(seconds=30)).sent == 0  # still leased
    assert deliver_due(session, config, now=now + lease_for(config) + timedelta(seconds=1)).sent == 1
    session.refresh(message)
    assert message.attempts == 2 and message.state is OutboxState.SENT
    assert _ids(smtp) == Counter({message.message_id: 1})


def test_the_worker_loop_runs_until_sigterm(
    committed_db: Any, database_url: str, smtp: SmtpServer, tmp_path: Any
) -> None:
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    app = committed_db
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "worker-test-" + "y" * 40,
        "CAREERCENTER_INSTANCE_PATH": str(tmp_path),
        "CAREERCENTER_SMTP_HOST": smtp.host,
        "CAREERCENTER_SMTP_PORT": str(smtp.port),
        "CAREERCENTER_OUTBOX_POLL_SECONDS": "1",
    }
    root = Path(__file__).resolve().parents[2]
    flask = [sys.executable, "-m", "flask", "outbox", "run"]
    with app.test_request_context():
        first = _queue(db.session, 1)[0].message_id
    worker = subprocess.Popen(flask, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        smtp.wait_for(1, timeout=20)
        with app.test_request_context():
            second = _queue(db.session, 1)[0].message_id
        smtp.wait_for(2, timeout=10)  # picked up by a later pass of the same loop
        assert worker.poll() is None
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=15)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.communicate()
    assert worker.returncode == 0, err
    sent = [int(line.split()[2].rstrip(",")) for line in out.splitlines() if line.startswith("outbox: sent")]
    assert sum(sent) == 2, out
    assert _ids(smtp) == Counter({first: 1, second: 1})


class _RefusingHandler:
    """An SMTP server that refuses one mailbox permanently (550) and takes the rest."""

    def __init__(self) -> None:
        self.accepted: list[str] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address.startswith("gone@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.accepted.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def test_a_permanently_refused_recipient_fails_at_once_and_others_still_go(app: Any, session: Any) -> None:
    from aiosmtpd.controller import Controller

    from tests.peers.smtp import free_port

    handler = _RefusingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        gone = queue_message(session, to="gone@example.com", subject="x", text="x", kind="test")
        fine = queue_message(session, to="here@example.com", subject="y", text="y", kind="test")
        session.commit()
        config = {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port}
        report = deliver_due(session, config)
    finally:
        controller.stop()
    assert report.line() == "outbox: sent 1, retrying 0, failed 1"
    session.refresh(gone)
    session.refresh(fine)
    assert gone.state is OutboxState.FAILED and gone.attempts == 1
    assert gone.last_error == "recipient refused: gone@example.com: 550 5.1.1 No such user"
    assert fine.state is OutboxState.SENT and handler.accepted == ["here@example.com"]
