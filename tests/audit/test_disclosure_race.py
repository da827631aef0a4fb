"""A GET request that writes a disclosure-log row while another connection commits a write.

On SQLite a transaction that began as a reader cannot write once another connection has
committed since it began: SQLite answers "database is locked" at once (its snapshot is stale;
`busy_timeout` does not apply) and the staff member's view of a student was a 500. A view marked
`writes_on_read` takes the write lock up front, so the other writer waits its turn instead.
PostgreSQL runs the same test: there neither waits.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from flask import Flask, request

from careercenter.audit.models import Disclosure
from careercenter.extensions import db
from careercenter.sso.models import Person, Role


def _people(app: Flask) -> tuple[int, str]:
    with app.app_context():
        staff = Person(campus_id="T-race-staff", email="staff@example.edu", display_name="Sam Staff", is_demo=True)
        staff.set_roles({Role.STAFF})
        student = Person(
            campus_id="T-race-student",
            email="stu@example.edu",
            display_name="Rae Student",
            is_demo=True,
            program="History",
        )
        student.set_roles({Role.STUDENT})
        db.session.add_all([staff, student])
        db.session.commit()
        ids = staff.id, student.campus_id
        db.session.remove()
    return ids


def test_a_staff_view_of_a_student_is_logged_beside_another_writer(committed_db: Flask, make_app: Any) -> None:
    app = make_app()
    staff_id, campus_id = _people(app)
    other_done = threading.Event()

    def other_request_writes() -> None:
        with app.app_context(), db.engine.connect() as other:
            other.execute(sa.update(Person).where(Person.campus_id == campus_id).values(program="Biology"))
            other.commit()
        other_done.set()

    writer = threading.Thread(target=other_request_writes)

    @app.before_request
    def _meanwhile_another_request_commits() -> None:
        # The session check has read (the request's transaction has begun); now another
        # connection writes. A reader lets it commit at once; a writer makes it wait.
        if request.path == f"/students/{campus_id}":
            writer.start()
            other_done.wait(timeout=1.0)

    client = app.test_client()
    assert client.post("/dev/login", data={"person_id": staff_id}).status_code == 302
    response = client.get(f"/students/{campus_id}")
    writer.join(timeout=30)

    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "Rae Student" in response.get_data(as_text=True)
    assert other_done.is_set(), "the other writer never committed"
    with app.app_context():
        logged = db.session.execute(sa.select(Disclosure.party_label, Disclosure.records)).all()
        program = db.session.execute(sa.select(Person.program).where(Person.campus_id == campus_id)).scalar_one()
        db.session.remove()
    assert [label for label, _ in logged] == ["Sam Staff (staff)"]
    assert logged[0].records.startswith("student record page")
    assert program == "Biology"
