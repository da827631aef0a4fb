"""Everything held about one student, as one JSON document (FERPA's right to inspect, 34 CFR 99.10).

Each section is a query over one table scoped to the student; columns are exported as stored,
except secrets (token hashes), which are never part of a student's record. The disclosure log is
exported as the student's own page shows it (`disclosures_for`): a registrar API response that
named the student shows only the student's awards, never the others it carried.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import disclosures_for
from careercenter.db import utcnow
from careercenter.sso.models import AdvisorAssignment, Person

#: Columns that are credentials, not records, and never leave the service.
SECRET_COLUMNS = {"token_hash", "secret_hash", "client_secret_hash", "password_hash"}


@dataclass(frozen=True)
class Section:
    name: str
    query: Callable[[Person], sa.Select[Any]]


def _sections() -> list[Section]:
    from careercenter.credits.models import CreditAward, CreditRequest, request_experiences
    from careercenter.internships.models import Experience, SignoffRequest

    return [
        Section(
            "experiences", lambda s: sa.select(Experience).where(Experience.student_id == s.id).order_by(Experience.id)
        ),
        Section(
            "signoff_requests",
            lambda s: (
                sa.select(SignoffRequest)
                .join(Experience, SignoffRequest.experience_id == Experience.id)
                .where(Experience.student_id == s.id)
                .order_by(SignoffRequest.id)
            ),
        ),
        Section(
            "credit_requests",
            lambda s: sa.select(CreditRequest).where(CreditRequest.student_id == s.id).order_by(CreditRequest.id),
        ),
        Section(
            "credit_request_experiences",
            lambda s: (
                sa.select(request_experiences)
                .join(CreditRequest, CreditRequest.id == request_experiences.c.request_id)
                .where(CreditRequest.student_id == s.id)
            ),
        ),
        Section(
            "credit_awards",
            lambda s: sa.select(CreditAward).where(CreditAward.student_id == s.id).order_by(CreditAward.id),
        ),
    ]


#: Sections other domains add (transcripts); filled by `careercenter/wiring.py` through `add_section`.
EXTRA_SECTIONS: list[Section] = []


def add_section(section: Section) -> None:
    """Add a domain's section to every export; a second section of the same name is ignored."""
    if all(existing.name != section.name for existing in EXTRA_SECTIONS):
        EXTRA_SECTIONS.append(section)


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return None  # binary documents (PDFs) are downloaded separately, not inlined
    return value


def _row(obj: Any) -> dict[str, Any]:
    if hasattr(obj, "__table__"):
        columns = [c.key for c in sa.inspect(type(obj)).column_attrs]
        return {k: _value(getattr(obj, k)) for k in columns if k not in SECRET_COLUMNS}
    return {k: _value(v) for k, v in obj._mapping.items() if k not in SECRET_COLUMNS}


def export_student(session: Session, student: Person) -> dict[str, Any]:
    """Build the whole record of `student` as plain JSON-able data."""
    advisors = session.execute(
        sa.select(Person)
        .join(AdvisorAssignment, AdvisorAssignment.advisor_id == Person.id)
        .where(AdvisorAssignment.student_id == student.id)
        .order_by(Person.display_name)
    ).scalars()
    document: dict[str, Any] = {
        "format": "careercenter-student-export/1",
        "exported_at": utcnow().isoformat(),
        "profile": {
            **_row(student),
            "roles": sorted(r.value for r in student.roles),
            "advisors": [{"campus_id": a.campus_id, "name": a.display_name, "email": a.email} for a in advisors],
        },
    }
    for section in _sections():
        _add(session, document, section, student)
    # oldest first; a registrar API response that named the student shows only the student's awards
    document["disclosures"] = [_row(d) for d in reversed(disclosures_for(session, student.id))]
    for section in EXTRA_SECTIONS:
        _add(session, document, section, student)
    return document


def _add(session: Session, document: dict[str, Any], section: Section, student: Person) -> None:
    result = session.execute(section.query(student))
    if section.name == "credit_request_experiences":
        document[section.name] = [_row(r) for r in result]
    else:
        document[section.name] = [_row(obj) for obj in result.scalars()]
