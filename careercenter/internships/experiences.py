"""Micro-internships as the student records them: the claim's rules, create and edit.

Plain functions taking a session and values; they `flush()` and the caller's transaction
commits. The experience's own state machine (`EXPERIENCE_TRANSITIONS`) moves through
`statemachine.move`, which writes the audit event; the sign-off moves live in `signoff`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.db import utcnow
from careercenter.employers import service as employers
from careercenter.errors import Conflict, ValidationFailed
from careercenter.formatting import format_decimal
from careercenter.internships.claim_checks import claim_problems
from careercenter.internships.models import (
    DEFAULT_SKILLS,
    EXPERIENCE_TRANSITIONS,
    Experience,
    ExperienceState,
)
from careercenter.sso.models import Person
from careercenter.statemachine import move

TWO_PLACES = Decimal("0.01")

#: Columns a student (or an import) fills in, with the form's field names.
FIELDS = (
    "employer",
    "title",
    "description",
    "category",
    "start_date",
    "end_date",
    "hours",
    "skills",
    "supervisor_name",
    "supervisor_title",
    "supervisor_email",
)


def configured_skills(config: Mapping[str, Any] | None = None) -> list[str]:
    """The skills a student may say they practised (CAREERCENTER_INTERNSHIP_SKILLS)."""
    raw = (config if config is not None else current_app.config).get("INTERNSHIP_SKILLS")
    if isinstance(raw, list | tuple):
        skills = [str(s).strip() for s in raw]
    else:
        skills = [s.strip() for s in str(raw or "").split(",")]
    return [s for s in skills if s] or list(DEFAULT_SKILLS)


@dataclass
class ExperienceInput:
    """What a student claims (from the form or an import row), already parsed."""

    employer: str
    title: str
    start_date: date | None
    end_date: date | None
    hours: Decimal | None
    supervisor_name: str
    supervisor_email: str
    description: str = ""
    category: str = ""
    skills: list[str] = field(default_factory=list)
    supervisor_title: str = ""
    #: The employer record picked (careercenter/employers); None: by name, or a new one.
    employer_id: int | None = None
    #: The platform's own id for the employer (imports map it to the employer record).
    employer_platform_id: str = ""

    def cleaned(self) -> ExperienceInput:
        return ExperienceInput(
            employer=self.employer.strip(),
            title=self.title.strip(),
            start_date=self.start_date,
            end_date=self.end_date,
            hours=self.hours,
            supervisor_name=self.supervisor_name.strip(),
            supervisor_email=self.supervisor_email.strip(),
            description=(self.description or "").strip(),
            category=(self.category or "").strip(),
            skills=[s.strip() for s in self.skills if s and s.strip()],
            supervisor_title=(self.supervisor_title or "").strip(),
            employer_id=self.employer_id,
            employer_platform_id=(self.employer_platform_id or "").strip(),
        )


def parse_hours(raw: object) -> Decimal | None:
    """Read hours as a Decimal (never a float); None when it is not a number."""
    if raw is None or isinstance(raw, bool):
        return None
    text = repr(raw) if isinstance(raw, float) else str(raw).strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def max_hours(start: date, end: date) -> Decimal:
    """At most 24 hours for every day of the span, both ends included."""
    return Decimal(24 * ((end - start).days + 1))


# -- the claim's checks, in the order their messages are shown ----------------------------------


def _check_texts(data: ExperienceInput, errors: dict[str, str]) -> None:
    for name, label, limit in (
        ("employer", "the employer", 200),
        ("title", "the project title", 200),
        ("supervisor_name", "your supervisor's name", 200),
        ("supervisor_email", "your supervisor's email", 320),
    ):
        value = getattr(data, name)
        if not value:
            errors[name] = f"Enter {label}."
        elif len(value) > limit:
            errors[name] = f"Keep this under {limit} characters."
    for name, limit in (("category", 100), ("supervisor_title", 200), ("description", 5000)):
        if len(getattr(data, name)) > limit:
            errors[name] = f"Keep this under {limit} characters."


def _check_dates(data: ExperienceInput, today: date, errors: dict[str, str]) -> None:
    if data.start_date is None:
        errors["start_date"] = "Enter the start date."
    elif data.start_date > today:
        errors["start_date"] = "The start date cannot be in the future."
    if data.end_date is None:
        errors["end_date"] = "Enter the end date."
    elif data.end_date > today:
        errors["end_date"] = "The end date cannot be in the future: record a micro-internship once it is finished."
    elif data.start_date is not None and data.end_date < data.start_date:
        errors["end_date"] = "The end date is before the start date."


def _hours_problem(hours: Decimal | None) -> str | None:
    if hours is None:
        return "Enter the hours as a number, like 15 or 7.5."
    if hours <= 0:
        return "Hours must be more than 0."
    if hours != hours.quantize(TWO_PLACES):
        return "Give the hours with at most two decimals."
    if hours >= Decimal(10000):
        return "That is far more hours than a micro-internship takes."
    return None


def _check_hours(data: ExperienceInput, errors: dict[str, str]) -> None:
    problem = _hours_problem(data.hours)
    if problem:
        errors["hours"] = problem
        return
    if not (data.start_date and data.end_date) or "end_date" in errors or "start_date" in errors:
        return
    assert data.hours is not None
    limit = max_hours(data.start_date, data.end_date)
    if data.hours > limit:
        days = (data.end_date - data.start_date).days + 1
        errors["hours"] = (
            f"{format_decimal(data.hours)} hours is more than 24 hours a day: the dates span {days} "
            f"day{'s' if days != 1 else ''}, so at most {format_decimal(limit)} hours."
        )


def _check_supervisor_email(data: ExperienceInput, student: Person, errors: dict[str, str]) -> None:
    if "supervisor_email" in errors:
        return
    try:
        normalized = validate_email(data.supervisor_email, check_deliverability=False).normalized
    except EmailNotValidError:
        errors["supervisor_email"] = "Enter a valid email address, like name@company.com."
        return
    if normalized.lower() == student.email.strip().lower():
        errors["supervisor_email"] = "Enter your supervisor's email address, not your own."


def validate_experience(
    data: ExperienceInput,
    student: Person,
    *,
    today: date,
    skills: list[str],
    categories: Sequence[str] | None = None,
) -> dict[str, str]:
    """Check a claim; return {field: message} (empty when it is acceptable). `categories`: the
    pick-list the form offered (the rules' categories and "Other"); None takes any category."""
    errors: dict[str, str] = {}
    _check_texts(data, errors)
    _check_dates(data, today, errors)
    _check_hours(data, errors)
    _check_supervisor_email(data, student, errors)
    unknown = [s for s in data.skills if s not in skills]
    if unknown:
        errors["skills"] = f"Choose skills from the list (not {', '.join(unknown)})."
    errors.update(claim_problems(data, student.email, errors))  # issue 16: one line; someone else
    if categories is not None and "category" not in errors and data.category not in ("", *categories):
        errors["category"] = "Choose a category from the list (or Other)."
    return errors


# -- recording and editing ----------------------------------------------------------------------


def _audit_value(value: Any) -> Any:
    if isinstance(value, list):
        return value
    return format_decimal(value, places=2) if isinstance(value, Decimal) else str(value)


def _apply(experience: Experience, data: ExperienceInput) -> dict[str, Any]:
    changed = {}
    for name in FIELDS:
        value = getattr(data, name)
        if name == "hours":
            value = value.quantize(TWO_PLACES)
        if getattr(experience, name) != value:
            changed[name] = _audit_value(value)
            setattr(experience, name, value)
    return changed


def _validated(
    data: ExperienceInput, student: Person, today: date | None, categories: Sequence[str] | None = None
) -> ExperienceInput:
    data = data.cleaned()
    errors = validate_experience(
        data, student, today=today or utcnow().date(), skills=configured_skills(), categories=categories
    )
    if errors:
        raise ValidationFailed("The micro-internship has problems; see the fields.", errors)
    return data


def _attach_employer(
    session: Session, experience: Experience, data: ExperienceInput, source: str, actor: Actor
) -> None:
    """The employer record (picked, mapped from the platform's id, or by name) and the supervisor contact."""
    employer_id = data.employer_id
    if employer_id is None and data.employer_platform_id and source != "manual":
        mapped = employers.by_platform_id(session, source, data.employer_platform_id)
        employer_id = mapped.id if mapped else None
    employer = employers.attach(session, experience, employer_id, actor)
    if data.employer_platform_id and source != "manual":
        employers.map_platform_id(session, employer, source, data.employer_platform_id)


def create_experience(
    session: Session,
    student: Person,
    data: ExperienceInput,
    actor: Actor,
    *,
    today: date | None = None,
    source: str = "manual",
    external_id: str | None = None,
    categories: Sequence[str] | None = None,
) -> Experience:
    """Record a draft micro-internship for `student`; raise `ValidationFailed` on a bad claim.
    `categories`: the pick-list the form offered (None for imports: any category)."""
    data = _validated(data, student, today, categories)
    experience = Experience(student_id=student.id, source=source, external_id=external_id)
    _apply(experience, data)
    session.add(experience)
    session.flush()
    _attach_employer(session, experience, data, source, actor)
    record_event(
        session,
        actor,
        "experience.imported" if source != "manual" else "experience.created",
        Experience.__tablename__,
        experience.id,
        {"state": experience.state.value, "source": source, "external_id": external_id},
    )
    return experience


def update_experience(
    session: Session,
    experience: Experience,
    data: ExperienceInput,
    actor: Actor,
    *,
    today: date | None = None,
    categories: Sequence[str] | None = None,
) -> Experience:
    """Edit a draft, or correct a disputed experience (which makes it a draft again)."""
    if experience.state not in (ExperienceState.DRAFT, ExperienceState.DISPUTED):
        raise Conflict("Only a draft or a disputed micro-internship can be edited.")
    data = _validated(data, experience.student, today, categories)
    changed = _apply(experience, data)
    session.flush()
    _attach_employer(session, experience, data, experience.source, actor)
    if experience.state is ExperienceState.DISPUTED:
        move(
            session,
            experience,
            ExperienceState.DRAFT,
            transitions=EXPERIENCE_TRANSITIONS,
            actor=actor,
            action="experience.corrected",
            data={"changed": sorted(changed)},
        )
    elif changed:
        record_event(session, actor, "experience.edited", Experience.__tablename__, experience.id, {"changed": changed})
    return experience


def experiences_of(session: Session, student: Person) -> list[Experience]:
    """The student's experiences, the most recently finished first."""
    query = (
        sa.select(Experience)
        .where(Experience.student_id == student.id)
        .order_by(Experience.end_date.desc(), Experience.id.desc())
    )
    return list(session.execute(query).scalars())
