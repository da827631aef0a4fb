"""The one way tests make a micro-internship: a claim with sensible defaults, and — for the many
tests that start from finished work — a VERIFIED one carrying its supervisor's sign-off."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from careercenter.db import utcnow
from careercenter.internships.models import Experience, ExperienceState
from careercenter.sso.models import Person


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
