"""Issue 20 pages: the employer directory for staff, the badge for the supervisor's address on
the request and experience pages, the experience form's employer search and category pick-list,
and the student's self-rating beside the supervisor's."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.models import Disclosure
from careercenter.audit.service import Actor
from careercenter.credits import rule_versions
from careercenter.credits.rules import parse_rules_text
from careercenter.employers import service
from careercenter.employers.models import Employer
from careercenter.internships import signoff
from careercenter.internships.experiences import ExperienceInput, create_experience
from careercenter.internships.models import Experience, SignoffRequest
from careercenter.internships.signoff_mail import new_token
from careercenter.sso.models import ClassLevel, Role
from tests.credits.helpers import submitted_request
from tests.internships.helpers import events
from tests.test_query_counts import count_queries

ROOT = Path(__file__).parents[2] / "careercenter"
SYSTEM = Actor.system("test")
TODAY = date.today()


def _claim(**kw: Any) -> ExperienceInput:
    values: dict[str, Any] = {
        "employer": "Cedar Valley Credit Union",
        "title": "Member analytics",
        "start_date": TODAY - timedelta(days=20),
        "end_date": TODAY - timedelta(days=5),
        "hours": Decimal("50"),
        "supervisor_name": "Renee Castillo",
        "supervisor_email": "rcastillo@cedarvalleycu.org",
        "category": "Marketing",
    }
    values.update(kw)
    return ExperienceInput(**values)


@pytest.fixture()
def rules(session: Any) -> None:
    rule_versions.load_rules(session, parse_rules_text((ROOT / "credits" / "demo_rules.yaml").read_text()), SYSTEM)
    session.commit()


@pytest.fixture()
def staff(make_person: Any) -> Any:
    return make_person(Role.STAFF, program=None, class_level=None, name="Sol Staff")


def test_staff_list_search_and_see_an_employer(
    client: Any, session: Any, login: Any, staff: Any, make_student: Any
) -> None:
    student = make_student(name="Maya Okafor")
    cedar = service.add_employer(session, "Cedar Valley Credit Union", SYSTEM, domains=["cedarvalleycu.org"])
    service.set_verified(session, cedar, True, SYSTEM)
    service.add_employer(session, "Cedar Valley CU", SYSTEM)
    experience = create_experience(session, student, _claim(employer_id=cedar.id), SYSTEM)
    _, token = signoff.request_signoff(session, experience, Actor.person(student))
    session.commit()
    login(staff)
    listing = client.get("/employers").get_data(as_text=True)
    assert "Cedar Valley Credit Union" in listing and "cedarvalleycu.org" in listing
    assert client.get("/employers?q=bright").get_data(as_text=True).count("/employers/") == 0
    page = client.get(f"/employers/{cedar.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Maya Okafor" in html and "Renee Castillo" in html
    assert "0 of 1 (0%)" in html  # one sign-off request, not yet answered
    assert "matches a verified domain of Cedar Valley Credit Union" in html
    disclosure = session.execute(sa.select(Disclosure).where(Disclosure.student_id == student.id)).scalar_one()
    assert disclosure.party_label.startswith("Sol Staff")


def test_staff_verify_add_domains_and_merge_through_the_pages(
    client: Any, session: Any, login: Any, staff: Any, make_student: Any
) -> None:
    student = make_student()
    keep = service.add_employer(session, "Acme Analytics", SYSTEM)
    dupe = service.add_employer(session, "ACME Analytics Inc", SYSTEM)
    experience = create_experience(session, student, _claim(employer="x", employer_id=dupe.id), SYSTEM)
    session.commit()
    login(staff)
    assert "Possible duplicates" in client.get("/employers").get_data(as_text=True)
    assert client.post(f"/employers/{keep.id}/verify", data={"verified": "1"}).status_code == 302
    bad = client.post(f"/employers/{keep.id}/domains", data={"domain": "not a domain"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'class="error-summary"' in html and "Enter a web domain like cedarvalleycu.org." in html
    assert client.post(f"/employers/{keep.id}/domains", data={"domain": "acme.example"}).status_code == 302
    merged = client.post(f"/employers/{dupe.id}/merge", data={"into": str(keep.id)}, follow_redirects=True)
    assert "ACME Analytics Inc is merged into Acme Analytics: 1 micro-internship(s)" in merged.get_data(as_text=True)
    session.expire_all()
    assert session.get(Experience, experience.id).employer_id == keep.id
    assert session.get(Employer, keep.id).verified is True
    assert [e.action for e in events(session) if e.action.startswith("employer.")][-3:] == [
        "employer.verified",
        "employer.domain_added",
        "employer.merged",
    ]
    # The merged-away page now leads to the kept one.
    assert client.get(f"/employers/{dupe.id}").headers["Location"].endswith(f"/employers/{keep.id}")


def test_the_advisor_sees_which_supervisors_used_verified_domains(
    client: Any, session: Any, login: Any, rules: None, make_student: Any, make_advisor: Any, verified_experience: Any
) -> None:
    student = make_student(program="Business", class_level=ClassLevel.SENIOR)
    advisor = make_advisor([student])
    cedar = service.add_employer(session, "Cedar Valley Credit Union", SYSTEM, domains=["cedarvalleycu.org"])
    service.set_verified(session, cedar, True, SYSTEM)
    verified = verified_experience(
        student, employer_id=cedar.id, supervisor_email="rc@cedarvalleycu.org", category="Marketing", hours="30"
    )
    personal = verified_experience(
        student, employer_id=cedar.id, supervisor_email="renee.c@gmail.com", category="Marketing", hours="30"
    )
    other = service.add_employer(session, "Nimbus Robotics", SYSTEM)
    new = verified_experience(student, employer_id=other.id, supervisor_email="dana@nimbus.example", hours="30")
    request = submitted_request(session, student, [verified, personal, new], "INTR-295")
    session.commit()
    login(advisor)
    html = client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
    assert "matches a verified domain of Cedar Valley Credit Union" in html
    assert "personal address" in html and "new domain" in html
    page = client.get(f"/experiences/{personal.id}").get_data(as_text=True)
    assert "personal address" in page and "Counts toward" in page


def test_the_experience_form_searches_employers_without_javascript(
    client: Any, session: Any, login: Any, rules: None, make_student: Any
) -> None:
    student = make_student(program="Business", class_level=ClassLevel.SENIOR)
    cedar = service.add_employer(session, "Cedar Valley Credit Union", SYSTEM, domains=["cedarvalleycu.org"])
    session.commit()
    login(student)
    form = client.get("/experiences/new").get_data(as_text=True)
    for category in ("Marketing", "Software development", "Other"):
        assert f'<option value="{category}">' in form
    assert "Marketing – counts toward: BUS-390, INTR-295" in form
    data = {
        "employer": "cedar valley",
        "title": "Member analytics",
        "category": "Marketing",
        "start_date": (TODAY - timedelta(days=20)).isoformat(),
        "end_date": (TODAY - timedelta(days=5)).isoformat(),
        "hours": "15",
        "supervisor_name": "Renee Castillo",
        "supervisor_email": "rc@cedarvalleycu.org",
    }
    found = client.post("/experiences/new", data={**data, "find_employer": "1"})
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and 'value="' + str(cedar.id) + '"' in html
    assert "Add a new employer: “cedar valley”" in html
    assert "<strong>Marketing</strong> – counts toward: BUS-390, INTR-295" in html
    assert session.execute(sa.select(sa.func.count()).select_from(Experience)).scalar_one() == 0
    saved = client.post("/experiences/new", data={**data, "employer_id": str(cedar.id)})
    assert saved.status_code == 302
    experience = session.execute(sa.select(Experience)).scalar_one()
    assert experience.employer_id == cedar.id and experience.employer == "Cedar Valley Credit Union"
    wrong = client.post("/experiences/new", data={**data, "category": "Marketing analytics"})
    assert wrong.status_code == 422 and "Choose a category from the list (or Other)." in wrong.get_data(as_text=True)


def test_self_rating_sits_beside_the_supervisors(
    client: Any, session: Any, login: Any, make_student: Any, make_advisor: Any
) -> None:
    student = make_student()
    advisor = make_advisor([student])
    experience = create_experience(session, student, _claim(category="Other"), SYSTEM)
    session.commit()
    login(student)
    page = client.get(f"/experiences/{experience.id}").get_data(as_text=True)
    assert "Rate yourself too (optional)" in page and 'name="self_teamwork"' in page
    asked = client.post(f"/experiences/{experience.id}/signoff", data={"self_teamwork": "3", "self_leadership": "9"})
    assert asked.status_code == 302
    session.refresh(experience)
    assert experience.self_ratings == {"Teamwork": 3}
    [request] = session.execute(sa.select(SignoffRequest)).scalars().all()
    token = new_token(session, request, "reminder")  # a fresh link of the same request, for the test
    session.commit()
    signoff.confirm_signoff(
        session,
        token,
        signoff.SignoffInput(Decimal("50"), {"teamwork": 5, "communication": 4}, "Great.", True, True, "Renee C"),
        ip=None,
        user_agent=None,
    )
    session.commit()
    login(advisor)
    html = client.get(f"/experiences/{experience.id}").get_data(as_text=True)
    assert "Student's own rating" in html
    assert (
        '<td data-label="Competency">Teamwork</td><td data-label="Supervisor\'s rating">5 of 5</td>'
        '<td data-label="Student\'s own rating">3 of 5</td>'
    ) in html


@pytest.mark.parametrize("path", ["/employers", "/employers/{id}"])
def test_employer_pages_queries_do_not_grow(
    client: Any, session: Any, login: Any, staff: Any, make_student: Any, path: str
) -> None:
    counts = {}
    login(staff)
    for n in (3, 30):
        target = service.add_employer(session, f"Target {n}", SYSTEM, domains=[f"target{n}.example"])
        for i in range(n):
            service.add_employer(session, f"Employer {n}-{i}", SYSTEM, domains=[f"e{n}-{i}.example"])
            create_experience(
                session,
                make_student(),
                _claim(employer="x", employer_id=target.id, supervisor_email=f"s{i}@t.example"),
                SYSTEM,
            )
        session.commit()
        url = path.format(id=target.id)
        assert client.get(url).status_code == 200
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts[n] = len(statements)
    assert counts[3] == counts[30], counts
