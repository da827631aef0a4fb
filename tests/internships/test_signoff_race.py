"""Issue 16 item 6: four supervisors' browsers submit one sign-off link at the same moment, on
real commits (SQLite's default and PostgreSQL): one 200, three "already used" pages, no 500."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from careercenter.audit.models import AuditEvent
from careercenter.audit.service import Actor
from careercenter.extensions import db
from careercenter.internships import signoff as service
from careercenter.internships.models import Experience, ExperienceState
from careercenter.sso.models import Person, Role

FORM = {
    "signoff-hours_worked": "14",
    "signoff-q_communication": "5",
    "signoff-q_problem_solving": "4",
    "signoff-feedback": "Found the pattern we had missed for a year.",
    "signoff-willing_reference": "y",
    "signoff-attested": "y",
    "signoff-full_name": "Renee Castillo",
}


def _asked(app: Any) -> tuple[int, str]:
    from datetime import date

    with app.app_context():
        student = Person(campus_id="RACE1", email="race1@example.edu", display_name="Race Student")
        student.set_roles({Role.STUDENT})
        db.session.add(student)
        db.session.flush()
        experience = Experience(
            student_id=student.id,
            employer="Cedar Valley Credit Union",
            title="Member marketing analytics",
            category="Data analysis",
            start_date=date(2026, 6, 1),
            end_date=date(2026, 6, 20),
            hours=Decimal("15"),
            skills=["communication", "problem solving"],
            supervisor_name="Renee Castillo",
            supervisor_title="Director",
            supervisor_email="rcastillo@cedarvalley.example.com",
            state=ExperienceState.DRAFT,
        )
        db.session.add(experience)
        db.session.flush()
        _, token = service.request_signoff(db.session, experience, Actor.person(student))
        db.session.commit()
        experience_id = experience.id
        db.session.remove()
    return experience_id, token


def test_four_simultaneous_signoffs_one_wins(committed_db: Any) -> None:
    app = committed_db
    experience_id, token = _asked(app)
    barrier = threading.Barrier(4, timeout=20)
    codes: list[int] = []
    pages: list[str] = []

    def submit() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/signoff/{token}", data=FORM, environ_base={"REMOTE_ADDR": "198.51.100.7"})
        codes.append(response.status_code)
        pages.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [200, 404, 404, 404], codes
    assert sum("This link cannot be used" in page for page in pages) == 3
    with app.app_context():
        experience = db.session.get(Experience, experience_id)
        assert experience.state is ExperienceState.VERIFIED
        assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one() >= 2
        db.session.remove()
