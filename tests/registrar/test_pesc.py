"""Issue 21 item 6: PESC College Transcript v1.8.0 XML, validated by lxml against the official
schemas (copied whole into careercenter/registrar/pesc_schemas/) for every demo student."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from lxml import etree

from careercenter.audit.models import Disclosure
from careercenter.credits.models import AwardStatus, CreditAward
from careercenter.demo import seed_demo
from careercenter.registrar import pesc
from careercenter.sso.models import Person, Role

XSD = pesc.SCHEMA_DIR / "CollegeTranscript_v1.8.0.xsd"


def _schema() -> etree.XMLSchema:
    """Compiled here from the files, not through the module under test."""
    return etree.XMLSchema(etree.parse(str(XSD)))


def _get(client: Any, headers: dict[str, str], campus_id: str) -> Any:
    return client.get(f"/api/v1/students/{campus_id}/pesc-transcript.xml", headers=headers)


def test_every_demo_students_transcript_validates(client: Any, session: Any, bearer: Any) -> None:
    seed_demo(session)
    session.commit()
    headers = bearer("credits:read")
    schema = _schema()
    students = [p for p in session.execute(sa.select(Person)).scalars() if Role.STUDENT in p.roles]
    assert len(students) >= 8
    courses_seen = 0
    for student in students:
        response = _get(client, headers, student.campus_id)
        assert response.status_code == 200, response.data
        assert response.mimetype == "application/xml"
        document = etree.fromstring(response.data)
        assert schema.validate(document), (student.campus_id, schema.error_log)
        assert document.tag == "{urn:org:pesc:message:CollegeTranscript:v1.8.0}CollegeTranscript"
        assert document.findtext("Student/Person/SchoolAssignedPersonID") == student.campus_id
        shown = session.execute(
            sa.select(CreditAward).where(
                CreditAward.student_id == student.id,
                CreditAward.status.in_([AwardStatus.PENDING, AwardStatus.POSTED]),
            )
        ).scalars()
        expected = sorted(f"{a.credits:.2f}" for a in shown)
        values = sorted(c.findtext("CourseCreditValue") for c in document.iter("Course"))
        assert values == expected, student.campus_id
        courses_seen += len(values)
    assert courses_seen >= 2  # the demo has pending and posted awards to show


def test_course_carries_credit_basis_grading_and_term(
    client: Any, session: Any, bearer: Any, make_award: Any, make_student: Any
) -> None:
    student = make_student(campus_id="S7001", name="Zoë O’Brien-Łukasiewicz & <Co>")
    make_award(student, status=AwardStatus.POSTED, term="2026SP", credits=Decimal("1.5"))
    make_award(student, status=AwardStatus.PENDING, term="2026FA", credits=Decimal("2"))
    make_award(student, status=AwardStatus.RESCINDED, term="2026FA")
    response = _get(client, bearer("credits:read"), "S7001")
    document = etree.fromstring(response.data)
    _schema().assertValid(document)
    assert document.findtext("Student/Person/Name/CompositeName") == "Zoë O’Brien-Łukasiewicz & <Co>"
    sessions = document.findall("Student/AcademicRecord/AcademicSession")
    assert [s.findtext("AcademicSessionDetail/SessionName") for s in sessions] == ["2026SP", "2026FA"]
    assert [s.findtext("AcademicSessionDetail/SessionDesignator") for s in sessions] == ["2026-01", "2026-08"]
    posted, pending = (s.find("Course") for s in sessions)
    assert len(sessions[1].findall("Course")) == 1  # the rescinded award is not shown
    assert posted.findtext("CourseCreditBasis") == "Regular"
    assert posted.findtext("CourseCreditValue") == "1.50"
    assert posted.findtext("CourseCreditEarned") == "1.50"
    assert posted.findtext("CourseAcademicGradeStatusCode") == "PassFailPass"
    assert posted.findtext("CourseSubjectAbbreviation") == "INTR"
    assert posted.findtext("CourseNumber") == "295"
    assert pending.findtext("CourseCreditValue") == "2.00"
    assert pending.find("CourseCreditEarned") is None
    assert pending.findtext("CourseAcademicGradeStatusCode") == "NotYetReported"
    assert any("Grading basis P/NP" in (n.text or "") for n in posted.findall("NoteMessage"))


def test_reading_is_disclosure_logged(client: Any, session: Any, bearer: Any, make_award: Any) -> None:
    award = make_award(status=AwardStatus.POSTED)
    before = session.execute(sa.select(sa.func.count()).select_from(Disclosure)).scalar_one()
    assert _get(client, bearer("credits:read"), award.student.campus_id).status_code == 200
    entries = session.execute(sa.select(Disclosure).where(Disclosure.student_id == award.student_id)).scalars().all()
    assert (
        len(entries) == 1
        and before + 1 == session.execute(sa.select(sa.func.count()).select_from(Disclosure)).scalar_one()
    )
    assert entries[0].party_type == "api_client"
    assert "PESC College Transcript XML" in entries[0].records and f"#{award.id}" in entries[0].records


def test_unknown_student_and_missing_scope(client: Any, session: Any, bearer: Any, make_person: Any) -> None:
    headers = bearer("credits:read")
    missing = _get(client, headers, "NOPE")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    advisor = make_person(Role.ADVISOR, campus_id="F9001")
    session.commit()
    assert _get(client, headers, advisor.campus_id).status_code == 404  # not a student
    assert _get(client, bearer("credits:write"), "NOPE").status_code == 403
    assert _get(client, {}, "NOPE").status_code == 401


def test_in_openapi(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/students/{campus_id}/pesc-transcript.xml"]["get"]
    assert operation["security"] == [{"oauth2": ["credits:read"]}]
    assert "application/xml" in operation["responses"]["200"]["content"]
