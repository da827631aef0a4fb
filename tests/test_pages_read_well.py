"""Issue 23 without a browser: one date format, words that say what the code does, the demo's
truth, finding a student by campus id, development mail, the admin's pages, the confirmation step."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from careercenter.audit.service import Actor
from careercenter.credits.models import CreditAward
from careercenter.credits.rule_text import requirements
from careercenter.credits.rules import parse_rules_text
from careercenter.dates import format_age, format_date, format_datetime
from careercenter.extensions import db
from careercenter.formatting import all_of, plural
from careercenter.internships import signoff
from careercenter.internships.models import Experience, ExperienceState
from careercenter.notify.models import OutboxState
from careercenter.notify.service import queue_message
from careercenter.sso.models import Person, Role

RULE_YAML = """
rules:
  - code: SKILLS-1
    name: Skills practicum
    course: {subject: INTR, number: "296", title: Skills Practicum}
    grading_basis: P/NP
    hours_per_credit: 30
    credit_increment: 0.5
    min_credits: 0.5
    max_credits: 1
    required_skills: [communication, time management]
    term_use_cap: 2
    open_from: 2026SP
"""


def test_dates_are_written_one_way() -> None:
    assert format_date(date(2026, 11, 10)) == "10 Nov 2026"
    assert format_date("2026-03-02") == "2 Mar 2026"  # a transcript snapshot's ISO text
    assert format_datetime(datetime(2026, 11, 10, 14, 5)) == "10 Nov 2026, 14:05 UTC"
    assert format_datetime(datetime(2026, 11, 10, 14, 5, tzinfo=UTC)) == "10 Nov 2026, 14:05 UTC"
    assert format_date(None, empty="never") == "never"
    now = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    assert format_age(datetime(2026, 11, 7, 11, 0, tzinfo=UTC), now) == "3 days"
    assert format_age(datetime(2026, 11, 10, 11, 30, tzinfo=UTC), now) == "under an hour"


def test_words_say_what_the_code_does() -> None:
    assert plural(1, "award") == "1 award" and plural(2, "award") == "2 awards"
    assert plural(3, "person", "people") == "3 people"
    assert all_of(["communication", "time management"]) == "communication and time management"
    [spec] = parse_rules_text(RULE_YAML)
    lines = requirements(spec)
    assert "A supervisor must have rated: communication and time management." in lines
    assert any("2 awards per term" in line for line in lines)
    assert not any("(s)" in line for line in lines)


def test_the_supervisor_page_has_no_sign_in_link(
    client: Any, session: Any, make_student: Any, make_experience: Any
) -> None:
    student = make_student()
    experience = make_experience(student, supervisor_email="boss@example.com")
    _, token = signoff.request_signoff(session, experience, Actor.person(student))
    session.commit()
    html = client.get(f"/signoff/{token}").get_data(as_text=True)
    assert "Confirm" in html and ">Sign in<" not in html
    assert ">Sign in<" in client.get("/").get_data(as_text=True)
    assert client.get("/favicon.ico").headers["Content-Type"] == "image/vnd.microsoft.icon"


def test_staff_find_a_student_by_campus_id_in_any_case(
    client: Any, login: Any, make_person: Any, make_student: Any
) -> None:
    student = make_student(campus_id="S7731", name="Ines Moreau")
    login(make_person(Role.REGISTRAR, program=None, class_level=None))
    page = client.get("/registrar/students", query_string={"q": "  s7731 "}).get_data(as_text=True)
    assert "Ines Moreau" in page
    assert 'href="/registrar/students">Students</a>' in page  # in the top navigation
    issued = client.post("/registrar/transcripts", data={"campus_id": " s7731 "}).get_data(as_text=True)
    assert "No student has this campus ID" not in issued
    assert "No student has this campus ID" in client.post(
        "/registrar/transcripts", data={"campus_id": "S7732"}
    ).get_data(as_text=True)
    assert student.campus_id == "S7731"


def test_development_mail_arrives_in_the_dev_mailbox_as_it_is_queued(make_app: Any, committed_db: Any) -> None:
    for env, expected in (("development", OutboxState.SENT), ("testing", OutboxState.QUEUED)):
        app = make_app(ENV_NAME=env)
        with app.test_request_context():
            message = queue_message(db.session, to="a@example.com", subject="Hi", text="Hello", kind="test")
            assert message.state is expected, env
            db.session.rollback()
    with_smtp = make_app(ENV_NAME="development", SMTP_HOST="127.0.0.1")
    with with_smtp.test_request_context():
        message = queue_message(db.session, to="a@example.com", subject="Hi", text="Hello", kind="test")
        assert message.state is OutboxState.QUEUED  # a real server configured: the worker delivers
        db.session.rollback()


def test_admin_home_people_and_health_checks(client: Any, login: Any, make_person: Any, make_student: Any) -> None:
    admin = make_person({Role.ADMIN}, name="Ada Admin", program=None, class_level=None)
    make_student(name="Sam Student")
    login(admin)
    home = client.get("/admin").get_data(as_text=True)
    assert "1 session open now" in home
    for heading in ("People and roles", "Active sessions", "API clients", "Outbox", "Audit log", "Health checks"):
        assert f">{heading}</h2>" in home
    people = client.get("/admin/people").get_data(as_text=True)
    row = re.search(r"<td data-label=\"Name\">Ada Admin.*?</tr>", people, re.S)
    assert row and "admin" in row.group(0) and "UTC" in row.group(0)  # signed in just now
    assert '<td data-label="Open sessions">1</td>' in row.group(0)  # this very session
    assert "Sam Student" in people and "never" in people
    doctor = client.get("/admin/doctor").get_data(as_text=True)
    assert "database" in doctor and "reachable" in doctor


def test_the_demo_tells_the_truth(runner: Any, session: Any) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    maya = session.execute(sa.select(Person).where(Person.campus_id == "S1001")).scalar_one()
    states = {e.state for e in session.execute(sa.select(Experience).where(Experience.student_id == maya.id)).scalars()}
    assert states == set(ExperienceState)  # every state, a draft and a disputed one included
    for award in session.execute(sa.select(CreditAward)).scalars():
        assert award.request.submitted_at <= award.approved_at
        if award.posted_at is not None:
            assert award.approved_at < award.posted_at
    names = [e.supervisor_name for e in session.execute(sa.select(Experience)).scalars()]
    assert not [n for n in names if "Supervisor" in n]
