"""Issue 16 item 6: the outbox worker writes beside the web server on one SQLite file (and on
PostgreSQL): neither side gets "database is locked" — writers take the lock up front and queue."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from careercenter.extensions import db
from careercenter.notify.models import OutboxMessage, OutboxState
from careercenter.notify.service import queue_message
from careercenter.sso.models import Person, Role
from tests.peers.smtp import SmtpServer

STUDENTS = 3
POSTS_EACH = 6
MESSAGES = 30


def _seed(app: Any) -> list[int]:
    with app.app_context():
        ids = []
        for i in range(STUDENTS):
            person = Person(campus_id=f"W{i}", email=f"w{i}@students.example.edu", display_name=f"W {i}", is_demo=True)
            person.set_roles({Role.STUDENT})
            db.session.add(person)
            db.session.flush()
            ids.append(person.id)
        for i in range(MESSAGES):
            queue_message(db.session, to=f"s{i}@example.com", subject=f"Message {i}", text="Hello\n", kind="test")
        db.session.commit()
        db.session.remove()
    return ids


def test_worker_and_web_writers_share_sqlite(committed_db: Any, smtp_server: SmtpServer) -> None:
    app = committed_db
    smtp_server.reset()
    student_ids = _seed(app)
    errors: list[BaseException] = []
    codes: list[int] = []
    start = threading.Barrier(STUDENTS + 1, timeout=20)
    today = date.today()

    def web(person_id: int) -> None:
        client = app.test_client()
        assert client.post("/dev/login", data={"person_id": person_id}).status_code == 302
        start.wait()
        for n in range(POSTS_EACH):
            form = {
                "employer": f"Employer {person_id}-{n}",
                "title": "Dashboards",
                "category": "Data",
                "start_date": (today - timedelta(days=20)).isoformat(),
                "end_date": (today - timedelta(days=10)).isoformat(),
                "hours": "10",
                "skills": ["communication"],
                "supervisor_name": "Pat",
                "supervisor_email": f"pat{n}@acme.example.com",
            }
            codes.append(client.post("/experiences/new", data=form).status_code)

    def worker() -> None:
        from careercenter.notify.cli import run_pass

        start.wait()
        try:
            with app.app_context():
                app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port, SMTP_TIMEOUT=5)
                for _ in range(5):
                    run_pass()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=web, args=(pid,)) for pid in student_ids] + [threading.Thread(target=worker)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        app.config.update(SMTP_HOST=None)
    assert errors == []
    assert codes == [302] * (STUDENTS * POSTS_EACH), codes
    with app.app_context():
        sent = db.session.execute(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.state == OutboxState.SENT)
        ).scalar_one()
        db.session.remove()
    assert sent == MESSAGES
