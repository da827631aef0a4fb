"""Issue 16 items 3 and 5 on claims: every single-line field refuses control characters and
text-direction overrides (message beside the field; a line-numbered error in imports), and the
supervisor's address must be someone else's."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.credits.rules import RuleFileError, parse_rules_text
from careercenter.internships.claim_checks import is_personal_address, supervisor_email_problem
from careercenter.internships.models import Experience
from tests.internships.helpers import error_beside

TODAY = date.today()
HOSTILE = {
    "crlf": ("Acme\r\nBcc: victim@evil.example", "a line break (CR)"),
    "lf": ("Acme\nBcc: victim@evil.example", "a line break (LF)"),
    "tab": ("Acme\tAnalytics", "a tab"),
    "nul": ("Acme\x00", "a NUL character"),
    "rlo": ("Acme \u202eevil", "a text-direction override (U+202E)"),
    "isolate": ("Acme \u2066x\u2069", "a text-direction override (U+2066)"),
}
FIELDS = ["employer", "title", "category", "supervisor_name", "supervisor_title", "supervisor_email"]


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "employer": "Cedar Valley Credit Union",
        "title": "Member marketing analytics",
        "description": "Segmented a campaign list.\nTwo lines are fine here.",
        "category": "Marketing",
        "start_date": (TODAY - timedelta(days=30)).isoformat(),
        "end_date": (TODAY - timedelta(days=10)).isoformat(),
        "hours": "15",
        "skills": ["communication"],
        "supervisor_name": "Renee Castillo",
        "supervisor_title": "Director",
        "supervisor_email": "rcastillo@cedarvalley.example.com",
    }
    data.update(overrides)
    return data


def _count(session: Any) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(Experience)).scalar_one()


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_form_refuses_control_characters_beside_the_field(
    client: Any, login: Any, make_student: Any, session: Any, field: str, kind: str
) -> None:
    value, named = HOSTILE[kind]
    if field == "supervisor_email":
        value = value.replace("Acme", "pat@acme.example.com", 1)
    login(make_student())
    response = client.post("/experiences/new", data=_form(**{field: value}))
    assert response.status_code == 422
    message = error_beside(response.get_data(as_text=True), field)
    if field != "supervisor_email":  # an address with them is no address: refused either way
        assert message == f"This must be one line of plain text: it contains {named}.", message
    assert _count(session) == 0


def test_import_names_the_line(runner: Any, session: Any, make_student: Any, tmp_path: Path) -> None:
    make_student(campus_id="S7001", email="maya@students.example.edu")
    d, e = (TODAY - timedelta(days=30)).isoformat(), (TODAY - timedelta(days=20)).isoformat()
    header = (
        "source,external_id,student_campus_id,employer,project_title,start_date,end_date,hours,"
        "supervisor_name,supervisor_email\n"
    )
    rows = [
        f"PD,1,S7001,Acme,Dashboards,{d},{e},5,Pat,pat@acme.example.com\n",
        f'PD,2,S7001,"Acme\r\nBcc: victim@evil.example",Dashboards,{d},{e},5,Pat,pat@acme.example.com\n',
        f"PD,3,S7001,Acme,Dash\u202eboards,{d},{e},5,Pat,pat@acme.example.com\n",
    ]
    path = tmp_path / "export.csv"
    path.write_bytes((header + "".join(rows)).encode())
    result = runner.invoke(args=["internships", "import", str(path)])
    lines = result.output.splitlines()
    assert lines[0] == "imported 1, already there 0, rejected 2"
    assert lines[1] == "line 3: employer: This must be one line of plain text: it contains a line break (CR)."
    assert (
        lines[2]
        == "line 5: project_title: This must be one line of plain text: it contains a text-direction override (U+202E)."
    )


def test_signoff_name_is_one_line(session: Any, make_student: Any, make_experience: Any, client: Any) -> None:
    from careercenter.audit.service import Actor
    from careercenter.internships import signoff as service

    student = make_student()
    experience = make_experience(student)
    _, token = service.request_signoff(session, experience, Actor.person(student))
    session.commit()
    form = {
        "signoff-hours_worked": "14",
        "signoff-q_communication": "5",
        "signoff-q_problem_solving": "4",
        "signoff-feedback": "Good.",
        "signoff-attested": "y",
        "signoff-full_name": "Pat\r\nSupervisor",
    }
    response = client.post(f"/signoff/{token}", data=form)
    assert response.status_code == 422
    assert "line break" in error_beside(response.get_data(as_text=True), "signoff-full_name")


def test_rule_names_are_one_line() -> None:
    text = """
rules:
  - code: PDEV-110
    name: "Professional\\u202e development"
    course: {subject: PDEV, number: "110", title: Professional Development Unit}
    grading_basis: P/NP
    hours_per_credit: 30
    credit_increment: 0.5
    min_credits: 0.5
    max_credits: 0.5
    open_from: 2026SP
"""
    with pytest.raises(RuleFileError) as caught:
        parse_rules_text(text)
    assert "rules[0].name: must be one line of plain text: it contains a text-direction override (U+202E)." in (
        caught.value.problems
    )


# -- item 5: the supervisor is someone else --------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("maya.okafor+boss@students.example.edu", "not your own"),
        ("MAYA.OKAFOR+x@Students.Example.edu", "not your own"),
        ("liam.chen@students.example.edu", "student mail address"),
        ("boss@acme.example.com", None),
        ("maya.okafor+boss@gmail.com", None),  # another mailbox at another provider
    ],
)
def test_supervisor_address_rules_default_domain(address: str, refused: str | None) -> None:
    problem = supervisor_email_problem(address, "maya.okafor@students.example.edu", {})
    assert (problem is None) if refused is None else (refused in problem)


def test_configured_student_domains(make_app: Any) -> None:
    config = {"STUDENT_EMAIL_DOMAINS": "students.example.edu, alumni.example.edu"}
    assert "student mail" in supervisor_email_problem("x@alumni.example.edu", "m@students.example.edu", config)
    assert supervisor_email_problem("prof@example.edu", "m@students.example.edu", config) is None
    app = make_app(STUDENT_EMAIL_DOMAINS="alumni.example.edu")
    with app.app_context():
        assert "student mail" in supervisor_email_problem("x@alumni.example.edu", "m@students.example.edu")


def test_plus_address_refused_in_the_form(client: Any, login: Any, make_student: Any, session: Any) -> None:
    login(make_student(email="maya.okafor@students.example.edu"))
    response = client.post("/experiences/new", data=_form(supervisor_email="maya.okafor+boss@students.example.edu"))
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "supervisor_email") == (
        "Enter your supervisor's email address, not your own."
    )
    assert _count(session) == 0


def test_free_mail_is_accepted_and_marked(client: Any, login: Any, make_student: Any, session: Any) -> None:
    assert is_personal_address("boss@gmail.com", {}) and not is_personal_address("boss@acme.example.com", {})
    assert is_personal_address("boss@corp.example", {"FREE_MAIL_DOMAINS": "corp.example"})
    login(make_student())
    response = client.post("/experiences/new", data=_form(supervisor_email="renee.castillo@gmail.com"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _count(session) == 1
