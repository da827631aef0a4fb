"""Issue 20 item 3: evaluation forms are data, per rule or program (a default otherwise); the
sign-off page asks the applicable form's questions; forms are versioned and an answer keeps
the version it was given under."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from careercenter.audit.service import Actor
from careercenter.credits import rule_versions
from careercenter.credits.rules import parse_rules_text
from careercenter.employers import forms_service
from careercenter.employers.forms_config import answer_errors, nace_form, split_answers
from careercenter.internships import signoff
from careercenter.internships.experiences import ExperienceInput, create_experience
from careercenter.sso.models import ClassLevel

ROOT = Path(__file__).parents[2] / "careercenter"
SYSTEM = Actor.system("test")


@pytest.fixture()
def demo_forms(session: Any) -> None:
    rule_versions.load_rules(session, parse_rules_text((ROOT / "credits" / "demo_rules.yaml").read_text()), SYSTEM)
    specs = forms_service.parse_forms_text((ROOT / "employers" / "demo_forms.yaml").read_text(), "http://careers.test")
    forms_service.load_forms(session, specs, SYSTEM)
    session.commit()


def _asked(session: Any, student: Any, category: str) -> tuple[Any, str]:
    today = date.today()
    experience = create_experience(
        session,
        student,
        ExperienceInput(
            employer="Nimbus Robotics",
            title="Sensor dashboard",
            start_date=today - timedelta(days=20),
            end_date=today - timedelta(days=5),
            hours=Decimal("20"),
            supervisor_name="Dana Whit",
            supervisor_email="dana@nimbusrobotics.example",
            category=category,
        ),
        Actor.person(student),
    )
    _, token = signoff.request_signoff(session, experience, Actor.person(student))
    session.commit()
    return experience, token


def test_a_csci_397_sign_off_asks_that_programs_questions(
    client: Any, session: Any, demo_forms: None, make_student: Any
) -> None:
    student = make_student(program="Computer Science", class_level=ClassLevel.JUNIOR)
    experience, token = _asked(session, student, "Software development")
    html = client.get(f"/signoff/{token}").get_data(as_text=True)
    assert "Computing practicum evaluation (Computer Science)" in html
    assert "Which languages, tools or data sets did the student work with?" in html
    assert "Small commits, tests for the main paths" in html  # an anchored level
    assert "Equity &amp; Inclusion" not in html
    data = {
        "signoff-hours_worked": "20",
        "signoff-q_technology": "5",
        "signoff-q_problem_solving": "4",
        "signoff-q_communication": "4",
        "signoff-q_engineering": "3",
        "signoff-q_code_review": "yes",
        "signoff-q_stack": "Python, pandas, the plant's sensor logs",
        "signoff-feedback": "Solid work.",
        "signoff-attested": "y",
        "signoff-full_name": "Dana Whit",
    }
    missing = client.post(f"/signoff/{token}", data={k: v for k, v in data.items() if k != "signoff-q_code_review"})
    assert missing.status_code == 422
    assert "Answer yes or no: Did the student" in missing.get_data(as_text=True)
    assert client.post(f"/signoff/{token}", data=data).status_code == 200
    session.refresh(experience)
    assert experience.skill_ratings == {"Technology": 5, "Problem solving": 4, "Communication": 4}
    assert experience.evaluation_answers == {
        "engineering": 3,
        "code_review": "yes",
        "stack": "Python, pandas, the plant's sensor logs",
    }
    form = forms_service.form_for(session, experience)
    assert (form.code, form.version) == ("CSCI-397", 1) and experience.evaluation_form_id == form.id


def test_other_students_get_the_nace_form_on_intr_295(session: Any, demo_forms: None, make_student: Any) -> None:
    student = make_student(program="Business", class_level=ClassLevel.SOPHOMORE)
    experience, _ = _asked(session, student, "Marketing")
    form = forms_service.form_for(session, experience)
    assert form.code == "NACE" and form.definition["rules"] == ["INTR-295"]
    assert len(forms_service.spec(form).competencies) == 10


def test_without_any_stored_form_the_default_is_stored_on_first_answer(session: Any, make_student: Any) -> None:
    student = make_student()
    experience, _ = _asked(session, student, "Other")
    assert forms_service.current_versions(session) == []
    assert forms_service.spec_for(session, experience).code == "NACE"  # read-only
    assert forms_service.current_versions(session) == []
    assert forms_service.form_for(session, experience).version == 1


def test_a_changed_form_is_a_new_version_and_answers_keep_theirs(
    client: Any, session: Any, demo_forms: None, make_student: Any
) -> None:
    student = make_student(program="Computer Science", class_level=ClassLevel.SENIOR)
    experience, token = _asked(session, student, "Data analysis")
    answered = forms_service.form_for(session, experience)
    signoff.confirm_signoff(
        session,
        token,
        signoff.SignoffInput(
            hours_worked=Decimal("20"),
            ratings={"technical skill": 4},  # an old skill name still fills the Technology question
            feedback="Good.",
            willing_reference=False,
            attested=True,
            full_name="Dana Whit",
            answers={
                "technology": None,
                "problem_solving": "4",
                "communication": "5",
                "engineering": "4",
                "code_review": "no",
            },
        ),
        ip=None,
        user_agent=None,
    )
    assert experience.skill_ratings["Technology"] == 4
    text = (ROOT / "employers" / "demo_forms.yaml").read_text().replace("usual review?", "usual code review?")
    lines = forms_service.load_forms(session, forms_service.parse_forms_text(text, "http://careers.test"), SYSTEM)
    assert lines == ["NACE: unchanged (version 1)", "CSCI-397: version 2 loaded"]
    assert experience.evaluation_form_id == answered.id
    assert forms_service.form_for(session, experience).version == 1  # answered under version 1
    labels = [q.label for q in forms_service.spec_for(session, experience).questions]
    assert "Did the student's code or analysis pass your team's usual review?" in labels


def test_answer_rules() -> None:
    form = nace_form()
    assert answer_errors(form, {}) == {"q_career_self_development": "Rate at least 1 of the skills from 1 to 5."}
    assert answer_errors(form, {"teamwork": "6"}) == {"q_teamwork": "Rate Teamwork from 1 to 5."}
    assert answer_errors(form, {"teamwork": "4"}) == {}
    ratings, others = split_answers(form, {"teamwork": "4", "leadership": ""})
    assert ratings == {"Teamwork": 4} and others == {}


def test_a_bad_forms_file_lists_every_problem() -> None:
    text = """
forms:
  - code: x
    name: ""
    questions:
      - {key: a, kind: stars}
      - {key: b, kind: rating, competency: astrology}
      - {key: c, kind: rating, label: Odd, anchors: [one, two]}
"""
    with pytest.raises(ValueError, match="forms") as info:
        forms_service.parse_forms_text(text, "http://careers.test")
    problems = info.value.problems  # type: ignore[attr-defined]
    assert "forms[0].code: must be 2–60 capital letters, digits, - or _" in problems
    assert "forms[0].name: is required" in problems
    assert "forms[0].questions[0].kind: must be one of rating, yes_no, text" in problems
    assert "forms[0].questions[1].competency: astrology is not a known competency" in problems
    assert "forms[0].questions[2].anchors: give five descriptions, one for each level 1–5" in problems
