"""PESC College Transcript v1.8.0 XML of a student's micro-internship credit, built with lxml.

The document carries the student, the institution and each pending or posted credit award as
a course (credit value and basis, grading basis, term as an academic session). It is an
*unofficial, partial* transcript: only the credit this service grants, not the whole record
the SIS keeps. The official schemas live beside this module in `pesc_schemas/` (copied whole
from PESC; they import each other by relative path) and every answer validates against them.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.orm import Session

from careercenter.audit.service import record_disclosure
from careercenter.credits.models import AwardStatus, CreditAward
from careercenter.credits.terms import DEFAULT_TERM_STARTS, Calendar, TermError
from careercenter.db import utcnow
from careercenter.sso.models import ClassLevel, Person, Role

SCHEMA_DIR = Path(__file__).parent / "pesc_schemas"
NAMESPACE = "urn:org:pesc:message:CollegeTranscript:v1.8.0"
NSMAP = {
    "ColTrn": NAMESPACE,
    "AcRec": "urn:org:pesc:sector:AcademicRecord:v1.13.0",
    "core": "urn:org:pesc:core:CoreMain:v1.19.0",
}
MEDIA_TYPE = "application/xml"
SHOWN = (AwardStatus.PENDING, AwardStatus.POSTED)
INTEREST = "registrar system: recording verified micro-internship credit"

_LEVELS = {
    ClassLevel.FIRST_YEAR: "CollegeFirstYear",
    ClassLevel.SOPHOMORE: "CollegeSophomore",
    ClassLevel.JUNIOR: "CollegeJunior",
    ClassLevel.SENIOR: "CollegeSenior",
    ClassLevel.GRADUATE: "GraduateNonDegree",
}
#: XML 1.0 cannot carry these characters at all; drop them rather than fail the document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class StudentNotFound(LookupError):
    """No student has this campus id."""


@cache
def schema() -> etree.XMLSchema:
    """The compiled College Transcript v1.8.0 schema (with AcademicRecord and CoreMain)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "CollegeTranscript_v1.8.0.xsd")))


def _text(value: object, limit: int) -> str:
    return _NOT_XML.sub("", str(value)).strip()[:limit] or "-"


def _sub(parent: etree._Element, tag: str, value: object | None = None, limit: int = 255) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if value is not None:
        element.text = _text(value, limit)
    return element


def _organization(parent: etree._Element, tag: str, name: str, identifier: str, opeid: str | None) -> None:
    """`<Source>`/`<Destination>`: an organization with one identifier and its name."""
    organization = _sub(_sub(parent, tag), "Organization")
    if opeid:
        _sub(organization, "OPEID", opeid, 8)
    else:
        _sub(organization, "MutuallyDefined", identifier, 60)
    _sub(organization, "OrganizationName", name, 60)


def _session_start(term: str, calendar: Calendar) -> tuple[str, str]:
    """A term code → (gYearMonth of its first month, PESC session type)."""
    year, season = term[:4], term[4:]
    months = {code: month for code, month, _day in calendar.seasons}
    try:
        calendar.term_key(term)
    except TermError:
        return f"{year if year.isdigit() else '0001'}-01", "Other"
    session_type = "SummerSession" if season == "SU" else "Semester"
    return f"{year}-{months[season]:02d}", session_type


def _decimal(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


def _grade_scale(basis: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", basis).upper()[:3] or "UNK"


def _course(parent: etree._Element, award: CreditAward) -> None:
    rule = award.rule
    course = _sub(parent, "Course")
    _sub(course, "CourseCreditBasis", "Regular")
    _sub(course, "CourseCreditUnits", "Semester")
    graduate = award.student.class_level is ClassLevel.GRADUATE
    _sub(course, "CourseCreditLevel", "Graduate" if graduate else "Undergraduate")
    _sub(course, "CourseCreditValue", _decimal(award.credits))
    pass_fail = award.grading_basis.upper() in {"P/NP", "S/U", "P/F"}
    if award.status is AwardStatus.POSTED:
        _sub(course, "CourseCreditEarned", _decimal(award.credits))
    _sub(course, "CourseAcademicGradeScaleCode", _grade_scale(award.grading_basis), 3)
    if award.status is AwardStatus.POSTED:
        if pass_fail:
            _sub(course, "CourseAcademicGrade", award.grading_basis.split("/")[0], 10)
        _sub(course, "CourseAcademicGradeStatusCode", "PassFailPass" if pass_fail else "Completed")
    else:
        _sub(course, "CourseAcademicGradeStatusCode", "NotYetReported")
    _sub(course, "CourseGPAApplicabilityCode", "NotApplicable" if pass_fail else "Applicable")
    _sub(course, "CourseSubjectAbbreviation", rule.course_subject, 10)
    _sub(course, "CourseNumber", rule.course_number, 15)
    _sub(course, "CourseTitle", rule.course_title, 120)
    experiences = list(award.request.experiences)
    if experiences:
        _sub(course, "CourseBeginDate", min(e.start_date for e in experiences).isoformat())
        _sub(course, "CourseEndDate", max(e.end_date for e in experiences).isoformat())
    notes = [
        f"Award {award.id}: {award.status.value}"
        + (f", SIS reference {award.sis_reference}" if award.sis_reference else ""),
        f"Grading basis {award.grading_basis}; rule {rule.code} v{rule.version}",
        f"Micro-internship credit for {len(experiences)} verified experience(s)",
    ]
    for note in notes:
        _sub(course, "NoteMessage", note, 80)


def transcript_document(
    student: Person, awards: Iterable[CreditAward], config: Mapping[str, Any], *, destination: tuple[str, str]
) -> bytes:
    """The College Transcript XML (UTF-8, with declaration) of `student` showing `awards`.

    :param destination: (identifier, name) of the receiving registrar system.
    """
    calendar = Calendar.parse(config.get("CREDITS_TERM_STARTS") or DEFAULT_TERM_STARTS)
    institution = config["INSTITUTION_NAME"]
    opeid = config.get("INSTITUTION_OPEID") or None
    local_id = config["PUBLIC_URL"].split("://", 1)[-1]
    root = etree.Element(etree.QName(NAMESPACE, "CollegeTranscript"), nsmap=NSMAP)
    transmission = _sub(root, "TransmissionData")
    _sub(transmission, "DocumentID", str(uuid.uuid4()), 36)
    _sub(transmission, "CreatedDateTime", utcnow().replace(microsecond=0).isoformat())
    _sub(transmission, "DocumentTypeCode", "RequestedRecord")
    _sub(transmission, "TransmissionType", "Original")
    _organization(transmission, "Source", institution, local_id, opeid)
    _organization(transmission, "Destination", destination[1], destination[0], None)
    _sub(transmission, "DocumentOfficialCode", "Unofficial")
    _sub(transmission, "DocumentCompleteCode", "Partial")

    student_el = _sub(root, "Student")
    person = _sub(student_el, "Person")
    _sub(person, "SchoolAssignedPersonID", student.campus_id, 20)
    _sub(_sub(person, "Name"), "CompositeName", student.display_name, 45)
    _sub(_sub(_sub(person, "Contacts"), "Email"), "EmailAddress", student.email, 128)

    record = _sub(student_el, "AcademicRecord")
    school = _sub(record, "School")
    _sub(school, "OrganizationName", institution, 60)
    if opeid:
        _sub(school, "OPEID", opeid, 8)
    else:
        _sub(school, "MutuallyDefined", local_id, 60)
    if student.class_level in _LEVELS:
        _sub(_sub(record, "StudentLevel"), "StudentLevelCode", _LEVELS[student.class_level])
    by_term: dict[str, list[CreditAward]] = defaultdict(list)
    for award in awards:
        by_term[award.term].append(award)
    for term in sorted(by_term, key=lambda t: _session_start(t, calendar)[0]):
        session_el = _sub(record, "AcademicSession")
        detail = _sub(session_el, "AcademicSessionDetail")
        designator, session_type = _session_start(term, calendar)
        _sub(detail, "SessionDesignator", designator)
        _sub(detail, "SessionName", term, 30)
        _sub(detail, "SessionType", session_type)
        for award in by_term[term]:
            _course(session_el, award)
    _sub(record, "NoteMessage", "Micro-internship credit granted through the career center only", 80)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def student_transcript_xml(session: Session, campus_id: str, client: Any, config: Mapping[str, Any]) -> bytes:
    """The registrar API's PESC transcript of the student with `campus_id`, disclosure-logged.

    :param client: the OAuth2 API client reading it (``client_id``, ``name``).
    """
    student = None
    if len(campus_id) <= 64 and "\x00" not in campus_id:
        student = session.execute(sa.select(Person).where(Person.campus_id == campus_id)).scalar_one_or_none()
    if student is None or Role.STUDENT not in student.roles:
        raise StudentNotFound(f"No student has campus id {campus_id[:64]!r}.")
    awards = list(
        session.execute(
            sa.select(CreditAward)
            .where(CreditAward.student_id == student.id, CreditAward.status.in_(SHOWN))
            .order_by(CreditAward.approved_at, CreditAward.id)
        ).scalars()
    )
    document = transcript_document(student, awards, config, destination=(client.client_id, client.name))
    listed = ", ".join(f"#{a.id}" for a in awards[:20]) or "none"
    record_disclosure(
        session,
        student_id=student.id,
        party_type="api_client",
        party_id=client.client_id,
        party_label=f"{client.name} (registrar API client)",
        records=f"PESC College Transcript XML: identity and credit awards {listed} (read through the registrar API)",
        interest=INTEREST,
    )
    return document
