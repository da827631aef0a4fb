"""The one way tests build credit awards directly (rule, approved request, award), without the
credits services: `build_rule` and `build_award` for code that holds a session (committed-db
tests, benchmarks), and the `make_award` fixture (tests/conftest.py) on top of them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from careercenter.credits.models import AwardStatus, CreditAward, CreditRequest, CreditRule, RequestState
from careercenter.db import utcnow
from careercenter.internships.models import Experience, ExperienceState
from careercenter.sso.models import Person, Role


def build_rule(
    session: Any,
    code: str = "INTR295",
    version: int = 1,
    *,
    subject: str = "INTR",
    number: str = "295",
    title: str = "Micro-internship Practicum",
    grading_basis: str = "P/NP",
) -> CreditRule:
    rule = CreditRule(
        code=code,
        version=version,
        name="Micro-internship practicum",
        course_subject=subject,
        course_number=number,
        course_title=title,
        grading_basis=grading_basis,
        definition={"hours_per_credit": 45},
        content_hash=f"{code}-{version}".ljust(64, "0")[:64],
    )
    session.add(rule)
    session.flush()
    return rule


def build_student_with_experience(session: Any, campus_id: str, name: str, title: str) -> tuple[Any, Any]:
    """A student and one verified 45-hour experience of theirs, flushed; the caller commits."""
    student = Person(campus_id=campus_id, email=f"{campus_id.lower()}@students.example.edu", display_name=name)
    student.set_roles({Role.STUDENT})
    session.add(student)
    session.flush()
    experience = Experience(
        student_id=student.id,
        employer="Acme",
        title=title,
        start_date=date(2026, 6, 1),
        end_date=date(2026, 6, 20),
        hours=Decimal("45"),
        supervisor_name="Pat",
        supervisor_email="pat@acme.example.com",
        state=ExperienceState.VERIFIED,
        verified_hours=Decimal("45"),
        verified_at=utcnow(),
    )
    session.add(experience)
    session.flush()
    return student, experience


def build_award(
    session: Any,
    student: Any,
    experiences: list[Any],
    rule: CreditRule,
    *,
    approver: Any = None,
    status: AwardStatus = AwardStatus.PENDING,
    term: str = "2026FA",
    credits: Decimal | str = Decimal("1.5"),
) -> CreditAward:
    """An approved request of `student` for `experiences` under `rule`, and its award (flushed)."""
    now = utcnow()
    credits = Decimal(credits)
    request = CreditRequest(
        student_id=student.id,
        rule_id=rule.id,
        term=term,
        state=RequestState.APPROVED,
        reflection="What I learned.",
        evaluation={"eligible": True},
        is_eligible=True,
        computed_credits=credits,
        submitted_at=now - timedelta(days=2),
        decided_by_id=approver.id if approver else None,
        decided_at=now - timedelta(days=1),
    )
    request.experiences = list(experiences)
    session.add(request)
    session.flush()
    award = CreditAward(
        request_id=request.id,
        student_id=student.id,
        rule_id=rule.id,
        term=term,
        credits=credits,
        grading_basis=rule.grading_basis,
        status=status,
        approved_by_id=approver.id if approver else None,
        approved_at=now - timedelta(days=1),
    )
    if status is AwardStatus.POSTED:
        award.sis_reference = "SIS-OLD"
        award.posted_at = now
    session.add(award)
    session.flush()
    return award
