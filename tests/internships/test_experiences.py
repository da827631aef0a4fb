"""Student pages: add, edit, list and correct micro-internships; validation beside each field."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.models import Disclosure
from careercenter.db import utcnow
from careercenter.errors import Conflict, IllegalTransition
from careercenter.internships import experiences
from careercenter.internships.models import Experience, ExperienceState
from careercenter.internships.signoff import request_signoff
from tests.internships.helpers import error_beside, events


def _today() -> date:
    """Today by the service's clock (UTC), read when a test runs — not when the module is collected,
    so a run that crosses midnight, or a machine whose local zone is not UTC, changes nothing."""
    return utcnow().date()


def _dated(overrides: dict[str, Any]) -> dict[str, Any]:
    """Overrides with each `timedelta` turned into that many days from today, as the form posts it."""
    return {k: (_today() + v).isoformat() if isinstance(v, timedelta) else v for k, v in overrides.items()}


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "employer": "Cedar Valley Credit Union",
        "title": "Member marketing analytics",
        "description": "Segmented campaign results.",
        "category": "Other",
        "start_date": timedelta(days=-20),
        "end_date": timedelta(days=-6),
        "hours": "15",
        "skills": ["communication", "problem solving"],
        "supervisor_name": "Renee Castillo",
        "supervisor_title": "Marketing Director",
        "supervisor_email": "rcastillo@cedarvalley.example.com",
    }
    data.update(overrides)
    return _dated(data)


def _count(session: Any) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(Experience)).scalar_one()


def test_form_has_the_labels_the_issue_names(client: Any, login: Any, make_student: Any) -> None:
    login(make_student())
    html = client.get("/experiences/new").get_data(as_text=True)
    for label in (
        "Employer",
        "Project title",
        "Start date",
        "End date",
        "Hours",
        "Supervisor name",
        "Supervisor email",
    ):
        assert f">{label}</label>" in html, label
    assert "Skills practised" in html and "Time management" in html


def test_add_a_draft(client: Any, login: Any, make_student: Any, session: Any) -> None:
    student = make_student()
    login(student)
    response = client.post("/experiences/new", data=_form(hours="7.5"))
    assert response.status_code == 302
    experience = session.execute(sa.select(Experience).where(Experience.student_id == student.id)).scalar_one()
    assert experience.state is ExperienceState.DRAFT
    assert experience.hours == Decimal("7.50") and isinstance(experience.hours, Decimal)
    assert experience.skills == ["communication", "problem solving"]
    assert experience.source == "manual"
    assert [e.subject_id for e in events(session, "experience.created")] == [str(experience.id)]
    listing = client.get("/experiences").get_data(as_text=True)
    assert "Member marketing analytics" in listing and "badge-draft" in listing
    home = client.get("/student").get_data(as_text=True)
    assert "Member marketing analytics at Cedar Valley Credit Union" in home


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {
                "start_date": timedelta(days=-3),
                "end_date": timedelta(days=-5),
            },
            "end_date",
            "The end date is before the start date.",
        ),
        ({"end_date": timedelta(days=2)}, "end_date", "The end date cannot be in the future"),
        (
            {"start_date": timedelta(days=1)},
            "start_date",
            "The start date cannot be in the future.",
        ),
        ({"hours": "0"}, "hours", "Hours must be more than 0."),
        ({"hours": "-4"}, "hours", "Hours must be more than 0."),
        ({"hours": "lots"}, "hours", "Enter the hours as a number"),
        (
            {
                "start_date": timedelta(days=-2),
                "end_date": timedelta(days=-1),
                "hours": "48.5",
            },
            "hours",
            "48.5 hours is more than 24 hours a day: the dates span 2 days, so at most 48 hours.",
        ),
        ({"supervisor_email": "renee@"}, "supervisor_email", "Enter a valid email address"),
        ({"supervisor_email": "not an email"}, "supervisor_email", "Enter a valid email address"),
        ({"employer": "  "}, "employer", "Enter the employer."),
        ({"start_date": "14/03/2026"}, "start_date", "Enter a complete date: day, month and year."),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_changes_nothing(
    client: Any, login: Any, make_student: Any, session: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    login(make_student())
    before = _count(session)
    response = client.post("/experiences/new", data=_form(**overrides))
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), field).startswith(message)
    assert _count(session) == before


def test_own_email_as_supervisor_is_refused(client: Any, login: Any, make_student: Any, session: Any) -> None:
    student = make_student(email="Maya.Okafor@students.example.edu")
    login(student)
    response = client.post("/experiences/new", data=_form(supervisor_email="maya.okafor@STUDENTS.example.edu"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_beside(html, "supervisor_email") == "Enter your supervisor's email address, not your own."
    assert 'aria-invalid="true"' in html
    assert _count(session) == 0


def test_24_hours_a_day_is_the_limit(session: Any, make_student: Any) -> None:
    student = make_student()
    data = experiences.ExperienceInput(
        employer="A",
        title="B",
        start_date=_today() - timedelta(days=1),
        end_date=_today() - timedelta(days=1),
        hours=Decimal("24"),
        supervisor_name="C",
        supervisor_email="c@example.com",
    )
    assert experiences.validate_experience(data, student, today=_today(), skills=experiences.configured_skills()) == {}
    data.hours = Decimal("24.01")
    errors = experiences.validate_experience(data, student, today=_today(), skills=experiences.configured_skills())
    assert "at most 24 hours" in errors["hours"]


def test_edit_a_draft(client: Any, login: Any, make_student: Any, make_experience: Any, session: Any) -> None:
    student = make_student()
    experience = make_experience(student)
    login(student)
    page = client.get(f"/experiences/{experience.id}/edit").get_data(as_text=True)
    assert 'value="Acme Analytics"' in page
    response = client.post(f"/experiences/{experience.id}/edit", data=_form(employer="Acme Analytics Inc."))
    assert response.status_code == 302
    session.refresh(experience)
    assert experience.employer == "Acme Analytics Inc." and experience.state is ExperienceState.DRAFT
    [edited] = events(session, "experience.edited")
    assert "employer" in edited.data["changed"]


def test_correcting_a_disputed_one_makes_it_a_draft(
    client: Any, login: Any, make_student: Any, make_experience: Any, session: Any
) -> None:
    student = make_student()
    experience = make_experience(
        student, state=ExperienceState.DISPUTED, dispute_reason="It was 8 hours, not 20.", hours=Decimal("20")
    )
    login(student)
    page = client.get(f"/experiences/{experience.id}/edit").get_data(as_text=True)
    assert "It was 8 hours, not 20." in page
    assert client.post(f"/experiences/{experience.id}/edit", data=_form(hours="8")).status_code == 302
    session.refresh(experience)
    assert experience.state is ExperienceState.DRAFT and experience.hours == Decimal("8")
    [moved] = events(session, "experience.corrected")
    assert moved.data["from"] == "disputed" and moved.data["to"] == "draft"


def test_a_verified_experience_is_frozen(
    client: Any, login: Any, make_student: Any, make_experience: Any, session: Any
) -> None:
    student = make_student()
    experience = make_experience(student, state=ExperienceState.VERIFIED)
    login(student)
    response = client.post(f"/experiences/{experience.id}/edit", data=_form(hours="40"), follow_redirects=True)
    assert "Only a draft or a disputed micro-internship can be edited." in response.get_data(as_text=True)
    session.refresh(experience)
    assert experience.hours == Decimal("20")
    with pytest.raises(Conflict):
        experiences.update_experience(session, experience, experiences.ExperienceInput(**_input()), actor(student))
    with pytest.raises(IllegalTransition):
        request_signoff(session, experience, actor(student))
    response = client.post(
        f"/experiences/{experience.id}/signoff/withdraw", data={"confirmed": "yes"}, follow_redirects=True
    )
    assert "There is no sign-off request waiting" in response.get_data(as_text=True)
    assert experience.state is ExperienceState.VERIFIED


def actor(person: Any) -> Any:
    from careercenter.audit.service import Actor

    return Actor.person(person)


def _input() -> dict[str, Any]:
    return {
        "employer": "X",
        "title": "Y",
        "start_date": _today() - timedelta(days=3),
        "end_date": _today() - timedelta(days=2),
        "hours": Decimal("5"),
        "supervisor_name": "Z",
        "supervisor_email": "z@example.com",
    }


def test_advisor_sees_an_advisees_record_and_it_is_disclosed(
    client: Any, login: Any, make_student: Any, make_advisor: Any, make_experience: Any, session: Any
) -> None:
    student = make_student()
    advisor = make_advisor([student], name="Dana Whitfield")
    experience = make_experience(student, state=ExperienceState.VERIFIED, supervisor_feedback="Thorough work.")
    login(advisor)
    page = client.get(f"/experiences/{experience.id}").get_data(as_text=True)
    assert "Thorough work." in page and student.display_name in page
    assert "Ask Pat Supervisor" not in page  # no student actions for the advisor
    [entry] = session.execute(sa.select(Disclosure).where(Disclosure.student_id == student.id)).scalars()
    assert entry.party_label == "Dana Whitfield (advisor)"
    assert f"micro-internship #{experience.id}" in entry.records


def test_another_students_record_looks_missing(
    client: Any, login: Any, make_student: Any, make_experience: Any
) -> None:
    owner, other = make_student(), make_student()
    experience = make_experience(owner)
    login(other)
    client.get("/experiences")  # shows (and so clears) the sign-in message
    missing = client.get("/experiences/999999")
    for path in (f"/experiences/{experience.id}", f"/experiences/{experience.id}/edit"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_data(as_text=True) == missing.get_data(as_text=True)
    assert client.post(f"/experiences/{experience.id}/signoff").status_code == 404


def test_the_list_page_does_not_query_per_experience(
    client: Any, login: Any, make_student: Any, make_experience: Any, session: Any, app: Any
) -> None:
    from careercenter.audit.service import Actor
    from careercenter.extensions import db

    student = make_student()
    login(student)

    def queries_for_list() -> int:
        seen: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/experiences").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    make_experience(student)
    one = queries_for_list()
    assert one >= 2  # the experiences, their open sign-off requests (and perhaps the person)
    for _ in range(5):
        experience = make_experience(student)
        request_signoff(session, experience, Actor.person(student))
    assert queries_for_list() == one
