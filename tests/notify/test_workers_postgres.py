"""Several outbox workers at once on PostgreSQL (FOR UPDATE SKIP LOCKED): each message is
delivered exactly once to the real SMTP server."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.db import utcnow
from careercenter.extensions import db
from careercenter.notify.models import OutboxMessage, OutboxState
from careercenter.notify.service import queue_message
from careercenter.notify.worker import DeliveryReport, claim_next, deliver_due, lease_for
from tests.peers.smtp import SmtpServer

pytestmark = pytest.mark.postgres_only  # deselected on SQLite (tests/conftest.py)


def _fill(app: Any, n: int) -> list[str]:
    with app.test_request_context():
        ids = [
            queue_message(db.session, to=f"s{i}@example.com", subject=f"Message {i}", text=f"Body {i}", kind="test")
            for i in range(n)
        ]
        db.session.commit()
        return [m.message_id for m in ids]


def test_two_workers_deliver_each_message_exactly_once(committed_db: Any, smtp_server: SmtpServer) -> None:
    app = committed_db
    smtp_server.reset()
    message_ids = _fill(app, 60)
    config = {**app.config, "SMTP_HOST": smtp_server.host, "SMTP_PORT": smtp_server.port}
    start = threading.Barrier(2)
    reports: list[DeliveryReport] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                start.wait()
                reports.append(deliver_due(db.session, config))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures
    assert sorted(r.sent for r in reports) and sum(r.sent for r in reports) == 60
    assert all(r.sent > 0 for r in reports), [r.line() for r in reports]  # both really worked
    smtp_server.wait_for(60)
    assert Counter(str(m.message["Message-ID"]) for m in smtp_server.messages) == Counter(dict.fromkeys(message_ids, 1))
    with app.app_context():
        states = db.session.execute(sa.select(OutboxMessage.state, OutboxMessage.attempts)).all()
        assert set(states) == {(OutboxState.SENT, 1)}
    smtp_server.reset()


def test_a_row_another_worker_holds_is_skipped_not_waited_for(committed_db: Any) -> None:
    app = committed_db
    first, second = _fill(app, 2)
    with app.app_context():
        holder = db.engine.connect()
        tx = holder.begin()
        try:
            locked = holder.execute(
                sa.select(OutboxMessage.message_id)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(1)
                .with_for_update()
            ).scalar_one()
            assert locked == first
            # Without SKIP LOCKED the claim would wait for the holder; fail fast instead of hanging.
            db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            claimed = claim_next(db.session, utcnow(), lease_for(app.config))
            assert claimed is not None and claimed.message_id == second
            assert claim_next(db.session, utcnow(), lease_for(app.config)) is None
        finally:
            tx.rollback()
            holder.close()
            db.session.remove()


def test_two_workers_queue_a_due_reminder_once(committed_db: Any) -> None:
    from datetime import date, timedelta

    from careercenter.audit.service import Actor
    from careercenter.internships.models import Experience, SignoffRequest
    from careercenter.internships.signoff import request_signoff
    from careercenter.internships.signoff_tasks import run_due_signoff_tasks
    from careercenter.sso.models import Person, Role

    app = committed_db
    with app.test_request_context():
        student = Person(campus_id="S1", email="s1@students.example.edu", display_name="Maya Okafor")
        student.set_roles({Role.STUDENT})
        db.session.add(student)
        db.session.flush()
        for n in range(10):
            experience = Experience(
                student_id=student.id,
                employer=f"Employer {n}",
                title="Project",
                start_date=date.today() - timedelta(days=20),
                end_date=date.today() - timedelta(days=10),
                hours=10,
                supervisor_name="Pat",
                supervisor_email=f"pat{n}@example.com",
            )
            db.session.add(experience)
            db.session.flush()
            request_signoff(db.session, experience, Actor.person(student))
        db.session.execute(sa.update(SignoffRequest).values(last_sent_at=utcnow() - timedelta(days=3, hours=1)))
        db.session.commit()
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            with app.test_request_context():
                start.wait()
                run_due_signoff_tasks(db.session)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures
    with app.app_context():
        reminders = db.session.execute(
            sa.select(OutboxMessage.to_address).where(OutboxMessage.kind == "signoff.reminder")
        ).scalars()
        assert Counter(reminders) == Counter({f"pat{n}@example.com": 1 for n in range(10)})
