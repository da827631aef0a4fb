"""Issue 20 item 1: employers are records; supervisors de-duplicated under them; imports map
platform ids; staff merge duplicates and every record follows, with the audit kept."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from careercenter.audit.service import Actor, verify_chain
from careercenter.employers import service
from careercenter.employers.models import Employer, SupervisorContact
from careercenter.internships.experiences import ExperienceInput, create_experience
from careercenter.internships.importer import import_file
from tests.internships.helpers import events

SYSTEM = Actor.system("test")
TODAY = date.today()


def _claim(**kw: Any) -> ExperienceInput:
    values: dict[str, Any] = {
        "employer": "Cedar Valley Credit Union",
        "title": "Member analytics",
        "start_date": TODAY - timedelta(days=20),
        "end_date": TODAY - timedelta(days=5),
        "hours": Decimal("15"),
        "supervisor_name": "Renee Castillo",
        "supervisor_email": "RCastillo@cedarvalleycu.org",
        "category": "Other",
    }
    values.update(kw)
    return ExperienceInput(**values)


def test_recording_makes_or_finds_the_employer_and_one_contact_per_address(session: Any, make_student: Any) -> None:
    student = make_student()
    first = create_experience(session, student, _claim(), Actor.person(student))
    second = create_experience(session, student, _claim(title="Second project"), Actor.person(student))
    assert first.employer_id is not None and first.employer_id == second.employer_id
    assert first.supervisor_id == second.supervisor_id
    contact = session.get(SupervisorContact, first.supervisor_id)
    assert contact.email == "rcastillo@cedarvalleycu.org" and contact.name == "Renee Castillo"
    # Picking an employer from the directory links it, and the shown name becomes the record's.
    other = service.add_employer(session, "Bright Labs", SYSTEM)
    third = create_experience(session, student, _claim(employer="bright labs inc", employer_id=other.id), SYSTEM)
    assert third.employer_id == other.id and third.employer == "Bright Labs"
    assert [e.action for e in events(session, "employer.created")] == ["employer.created"] * 2


def test_a_new_name_is_a_new_unverified_employer(session: Any, make_student: Any) -> None:
    student = make_student()
    experience = create_experience(session, student, _claim(employer="Nimbus Robotics"), SYSTEM)
    employer = session.get(Employer, experience.employer_id)
    assert employer.name == "Nimbus Robotics" and employer.verified is False


def test_imports_map_the_platform_employer_id(session: Any, make_student: Any) -> None:
    make_student(campus_id="S77001")
    header = (
        "source,external_id,employer,employer_id,project_title,start_date,end_date,hours,"
        "supervisor_name,supervisor_email,student_campus_id\n"
    )
    start, end = (TODAY - timedelta(days=20)).isoformat(), (TODAY - timedelta(days=5)).isoformat()
    rows = (
        f"Parker Dewey,PD-1,Cedar Valley CU,PDE-42,Survey,{start},{end},10,"
        "Renee Castillo,rc@cedarvalleycu.org,S77001\n"
        # The same platform employer under another spelling: mapped to the same record by its id.
        f"Parker Dewey,PD-2,Cedar Valley Credit Union Inc.,PDE-42,Dashboard,{start},{end},12,"
        "Renee Castillo,rc@cedarvalleycu.org,S77001\n"
    )
    report = import_file(session, (header + rows).encode(), filename="pd.csv", actor=SYSTEM)
    assert report.created == 2, report
    employer = service.by_platform_id(session, "Parker Dewey", "PDE-42")
    assert employer is not None and employer.name == "Cedar Valley CU"
    ids = session.execute(sa.text("SELECT DISTINCT employer_id FROM experiences")).scalars().all()
    assert ids == [employer.id]


def test_same_name_variants_are_proposed_never_merged(session: Any) -> None:
    a = service.add_employer(session, "Acme Analytics", SYSTEM)
    b = service.add_employer(session, "ACME Analytics, Inc.", SYSTEM)
    service.add_employer(session, "Acme Robotics", SYSTEM)
    [proposal] = service.proposed_duplicates(session)
    assert [e.id for e in proposal.employers] == [a.id, b.id]
    assert a.merged_into_id is None and b.merged_into_id is None


def test_merge_moves_every_record_and_keeps_the_audit(session: Any, make_student: Any) -> None:
    student = make_student()
    keep = service.add_employer(session, "Acme Analytics", SYSTEM, domains=["acme.example"])
    dupe = service.add_employer(session, "ACME Analytics Inc", SYSTEM, domains=["acmeanalytics.example"])
    service.map_platform_id(session, dupe, "Handshake", "HS-9")
    e1 = create_experience(
        session, student, _claim(employer="x", employer_id=keep.id, supervisor_email="pat@acme.example"), SYSTEM
    )
    e2 = create_experience(
        session, student, _claim(employer="x", employer_id=dupe.id, supervisor_email="pat@acme.example"), SYSTEM
    )
    e3 = create_experience(
        session,
        student,
        _claim(employer="x", employer_id=dupe.id, supervisor_email="lee@acmeanalytics.example"),
        SYSTEM,
    )
    moved = service.merge(session, dupe, keep, Actor.person(student))
    assert moved == {"experiences": 2, "supervisors": 1, "domains": 1, "platform_ids": 1}
    for experience in (e1, e2, e3):
        session.refresh(experience)
        assert experience.employer_id == keep.id and experience.employer == "Acme Analytics"
    # The two contacts with one address became one; the other moved.
    assert e2.supervisor_id == e1.supervisor_id
    session.refresh(keep)
    assert {c.email for c in keep.supervisors} == {"pat@acme.example", "lee@acmeanalytics.example"}
    assert {d.domain for d in keep.domains} == {"acme.example", "acmeanalytics.example"}
    assert service.by_platform_id(session, "Handshake", "HS-9").id == keep.id
    session.refresh(dupe)
    assert dupe.merged_into_id == keep.id
    assert dupe.id not in [e.id for e in service.search(session, "acme")]
    [event] = events(session, "employer.merged")
    assert event.data["merged"] == dupe.id and event.data["into"] == keep.id and event.data["experiences"] == 2
    assert verify_chain(session).is_ok
    # A later pick of the merged-away employer lands on the kept one.
    e4 = create_experience(session, student, _claim(employer="x", employer_id=dupe.id), SYSTEM)
    assert e4.employer_id == keep.id


def test_domains_are_checked_and_unique(session: Any) -> None:
    a = service.add_employer(session, "Acme", SYSTEM)
    b = service.add_employer(session, "Bright", SYSTEM)
    assert service.add_domain(session, a, "WWW.Acme.example", SYSTEM).domain == "acme.example"
    for bad, message in (("not a domain", "Enter a web domain"), ("acme.example", "belongs to Acme already")):
        try:
            service.add_domain(session, b, bad, SYSTEM)
        except Exception as exc:  # noqa: BLE001
            assert message in str(getattr(exc, "errors", {}).get("domain", "")), exc
        else:
            raise AssertionError(f"{bad!r} was accepted")
