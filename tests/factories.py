"""The one way tests build records directly, without the services: a micro-internship (a claim
with sensible defaults, or — for the many tests that start from finished work — a VERIFIED one
carrying its supervisor's sign-off), and credit awards (rule, approved request, award):
`build_rule` and `build_award` for code that holds a session (committed-db tests, benchmarks),
and the `make_award` fixture (tests/conftest.py) on top of them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from careercenter.credits.models import AwardStatus, CreditAward, CreditRequest, CreditRule, RequestState
from careercenter.credits.rules import RuleSpec
from careercenter.db import utcnow
from careercenter.internships.models import Experience, ExperienceState
from careercenter.sso.models import Person, Role


def _claim(**kw: Any) -> dict[str, Any]:
    today = date.today()
    values: dict[str, Any] = {
        "employer": "Acme Analytics",
        "title": "Customer churn dashboard",
        "description": "Built a dashboard of monthly churn for the sales team.",
        "category": "Data analysis",
        "start_date": today - timedelta(days=30),
        "end_date": today - timedelta(days=10),
        "hours": Decimal("20"),
        "skills": ["communication", "problem solving"],
        "supervisor_name": "Pat Supervisor",
        "supervisor_title": "Analytics Lead",
        "supervisor_email": "pat@acme.example.com",
    }
    values.update(kw)
    return values


def build_experience(
    session: Any, student: Person, *, state: ExperienceState = ExperienceState.DRAFT, **kw: Any
) -> Experience:
    """An experience of `student` in `state` (a VERIFIED one comes signed off), flushed."""
    if state is ExperienceState.VERIFIED:
        return verified_experience(session, student, **kw)
    experience = Experience(student_id=student.id, state=state, **_claim(**kw))
    session.add(experience)
    session.flush()
    return experience


def verified_experience(session: Any, student: Person, hours: str | Decimal | None = None, **kw: Any) -> Experience:
    """A VERIFIED experience of `student`, flushed: claimed and confirmed `hours` (unless
    `verified_hours` says otherwise), rated 4 on each skill, with feedback and an attested name.
    Any column may be overridden, the state too (`verified_hours=None` for an unverified one)."""
    values = _claim(**({"hours": Decimal(hours)} if hours is not None else {}))
    values.update(
        state=ExperienceState.VERIFIED,
        verified_hours=values["hours"],
        verified_at=utcnow(),
        skill_ratings={skill: 4 for skill in kw.get("skills", values["skills"])},
        supervisor_feedback="Reliable and thorough.",
        attested_name=kw.get("supervisor_name", values["supervisor_name"]),
    )
    values.update(kw)
    if "verified_hours" not in kw and "hours" in kw:
        values["verified_hours"] = kw["hours"]
    experience = Experience(student_id=student.id, **values)
    session.add(experience)
    session.flush()
    return experience


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
        # a whole rule, as `flask credits load-rules` stores one (pages rebuild its spec)
        definition=RuleSpec(
            code=code,
            name="Micro-internship practicum",
            course_subject=subject,
            course_number=number,
            course_title=title,
            grading_basis=grading_basis,
            hours_per_credit=Decimal(45),
            credit_increment=Decimal("0.5"),
            min_credits=Decimal(1),
            max_credits=Decimal(3),
            open_from="2025FA",
        ).definition(),
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
    experience = verified_experience(
        session,
        student,
        "45",
        employer="Acme",
        title=title,
        description="",
        category="",
        start_date=date(2026, 6, 1),
        end_date=date(2026, 6, 20),
        skills=[],
        skill_ratings=None,
        supervisor_name="Pat",
        supervisor_title="",
        supervisor_email="pat@acme.example.com",
        supervisor_feedback=None,
        attested_name=None,
    )
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
