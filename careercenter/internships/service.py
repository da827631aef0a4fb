"""Micro-internships: the rules for recording them and for the supervisor's sign-off.

Plain functions taking a session and values; they `flush()` and the caller commits. Every
state change goes through `statemachine.move`, which writes the audit event.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.db import utcnow
from careercenter.errors import Conflict, ValidationFailed
from careercenter.internships.claim_checks import claim_problems
from careercenter.internships.models import (
    DEFAULT_SKILLS,
    EXPERIENCE_TRANSITIONS,
    Experience,
    ExperienceState,
    SignoffRequest,
    SignoffToken,
)
from careercenter.notify.service import queue_message
from careercenter.sso.models import Person
from careercenter.statemachine import move
from careercenter.validation import single_line_errors

TWO_PLACES = Decimal("0.01")
MAX_TOKEN_LENGTH = 100

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


class InvalidLink(Exception):
    """A sign-off token that is unknown, used, withdrawn or expired (which one is not said)."""


# -- settings ---------------------------------------------------------------------------


def configured_skills(config: Mapping[str, Any] | None = None) -> list[str]:
    """The skills a student may say they practised (CAREERCENTER_INTERNSHIP_SKILLS)."""
    raw = (config if config is not None else current_app.config).get("INTERNSHIP_SKILLS")
    if isinstance(raw, list | tuple):
        skills = [str(s).strip() for s in raw]
    else:
        skills = [s.strip() for s in str(raw or "").split(",")]
    return [s for s in skills if s] or list(DEFAULT_SKILLS)


def reminder_days(config: Mapping[str, Any]) -> list[int]:
    raw = config.get("SIGNOFF_REMINDER_DAYS", "3,10")
    values = raw if isinstance(raw, list | tuple) else [p for p in str(raw).split(",") if p.strip()]
    return sorted(int(v) for v in values)


def link_lifetime(config: Mapping[str, Any]) -> timedelta:
    return timedelta(days=int(config.get("SIGNOFF_LINK_DAYS") or 14))


# -- recording an experience ----------------------------------------------------------------


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


def validate_experience(data: ExperienceInput, student: Person, *, today: date, skills: list[str]) -> dict[str, str]:
    """Check a claim; return {field: message} (empty when it is acceptable)."""
    errors: dict[str, str] = {}
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
    if data.start_date is None:
        errors["start_date"] = "Enter the start date, like 2026-03-02."
    elif data.start_date > today:
        errors["start_date"] = "The start date cannot be in the future."
    if data.end_date is None:
        errors["end_date"] = "Enter the end date, like 2026-03-20."
    elif data.end_date > today:
        errors["end_date"] = "The end date cannot be in the future: record a micro-internship once it is finished."
    elif data.start_date is not None and data.end_date < data.start_date:
        errors["end_date"] = "The end date is before the start date."
    if data.hours is None:
        errors["hours"] = "Enter the hours as a number, like 15 or 7.5."
    elif data.hours <= 0:
        errors["hours"] = "Hours must be more than 0."
    elif data.hours != data.hours.quantize(TWO_PLACES):
        errors["hours"] = "Give the hours with at most two decimals."
    elif data.hours >= Decimal(10000):
        errors["hours"] = "That is far more hours than a micro-internship takes."
    elif data.start_date and data.end_date and "end_date" not in errors and "start_date" not in errors:
        limit = max_hours(data.start_date, data.end_date)
        if data.hours > limit:
            days = (data.end_date - data.start_date).days + 1
            errors["hours"] = (
                f"{data.hours} hours is more than 24 hours a day: the dates span {days} "
                f"day{'s' if days != 1 else ''}, so at most {limit} hours."
            )
    if "supervisor_email" not in errors:
        try:
            normalized = validate_email(data.supervisor_email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["supervisor_email"] = "Enter a valid email address, like name@company.com."
        else:
            if normalized.lower() == student.email.strip().lower():
                errors["supervisor_email"] = "Enter your supervisor's email address, not your own."
    unknown = [s for s in data.skills if s not in skills]
    if unknown:
        errors["skills"] = f"Choose skills from the list (not {', '.join(unknown)})."
    errors.update(claim_problems(data, student.email, errors))  # issue 16: one line; someone else
    return errors


def _apply(experience: Experience, data: ExperienceInput) -> dict[str, Any]:
    changed = {}
    for name in FIELDS:
        value = getattr(data, name)
        if name == "hours":
            value = value.quantize(TWO_PLACES)
        if getattr(experience, name) != value:
            changed[name] = str(value) if not isinstance(value, list) else value
            setattr(experience, name, value)
    return changed


def create_experience(
    session: Session,
    student: Person,
    data: ExperienceInput,
    actor: Actor,
    *,
    today: date | None = None,
    source: str = "manual",
    external_id: str | None = None,
) -> Experience:
    """Record a draft micro-internship for `student`; raise `ValidationFailed` on a bad claim."""
    data = data.cleaned()
    errors = validate_experience(data, student, today=today or utcnow().date(), skills=configured_skills())
    if errors:
        raise ValidationFailed("The micro-internship has problems; see the fields.", errors)
    experience = Experience(student_id=student.id, source=source, external_id=external_id)
    _apply(experience, data)
    session.add(experience)
    session.flush()
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
    session: Session, experience: Experience, data: ExperienceInput, actor: Actor, *, today: date | None = None
) -> Experience:
    """Edit a draft, or correct a disputed experience (which makes it a draft again)."""
    if experience.state not in (ExperienceState.DRAFT, ExperienceState.DISPUTED):
        raise Conflict("Only a draft or a disputed micro-internship can be edited.")
    data = data.cleaned()
    errors = validate_experience(data, experience.student, today=today or utcnow().date(), skills=configured_skills())
    if errors:
        raise ValidationFailed("The micro-internship has problems; see the fields.", errors)
    changed = _apply(experience, data)
    session.flush()
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
    query = (
        sa.select(Experience)
        .where(Experience.student_id == student.id)
        .order_by(Experience.end_date.desc(), Experience.id.desc())
    )
    return list(session.execute(query).scalars())


def open_request(session: Session, experience: Experience) -> SignoffRequest | None:
    """The experience's live sign-off request, if any (at most one: a partial unique index)."""
    return session.execute(
        sa.select(SignoffRequest).where(
            SignoffRequest.experience_id == experience.id,
            SignoffRequest.used_at.is_(None),
            SignoffRequest.withdrawn_at.is_(None),
        )
    ).scalar_one_or_none()


def open_requests_by_experience(session: Session, experiences: list[Experience]) -> dict[int, SignoffRequest]:
    ids = [e.id for e in experiences]
    if not ids:
        return {}
    rows = session.execute(
        sa.select(SignoffRequest).where(
            SignoffRequest.experience_id.in_(ids),
            SignoffRequest.used_at.is_(None),
            SignoffRequest.withdrawn_at.is_(None),
        )
    ).scalars()
    return {r.experience_id: r for r in rows}


def latest_request(session: Session, experience: Experience) -> SignoffRequest | None:
    return session.execute(
        sa.select(SignoffRequest)
        .where(SignoffRequest.experience_id == experience.id)
        .order_by(SignoffRequest.id.desc())
        .limit(1)
    ).scalar_one_or_none()


# -- tokens and links ----------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token(session: Session, request: SignoffRequest, purpose: str) -> str:
    """Make a 256-bit token for one mail; keep only its SHA-256."""
    token = secrets.token_urlsafe(32)
    session.add(SignoffToken(request=request, token_hash=hash_token(token), purpose=purpose))
    session.flush()
    return token


def signoff_url(token: str) -> str:
    return f"{current_app.config['PUBLIC_URL']}/signoff/{token}"


def experience_url(experience: Experience) -> str:
    return f"{current_app.config['PUBLIC_URL']}/experiences/{experience.id}"


def _mail(template: str, **context: Any) -> tuple[str, str]:
    context.setdefault("institution", current_app.config["INSTITUTION_NAME"])
    return (
        render_template(f"internships/mail/{template}.txt", **context),
        render_template(f"internships/mail/{template}.html", **context),
    )


def _mail_supervisor(
    session: Session, request: SignoffRequest, token: str, *, kind: str, reminder: bool = False
) -> None:
    experience = request.experience
    student = experience.student
    text, html = _mail(
        "signoff_request",
        experience=experience,
        student=student,
        request=request,
        link=signoff_url(token),
        reminder=reminder,
    )
    prefix = "Reminder: please" if reminder else "Please"
    queue_message(
        session,
        to=request.supervisor_email,
        subject=f"{prefix} confirm {student.display_name}'s micro-internship at {experience.employer}",
        text=text,
        html=html,
        kind=kind,
    )


def _mail_student(session: Session, experience: Experience, template: str, subject: str, kind: str) -> None:
    text, html = _mail(template, experience=experience, student=experience.student, link=experience_url(experience))
    queue_message(session, to=experience.student.email, subject=subject, text=text, html=html, kind=kind)


# -- the student's side of sign-off ---------------------------------------------------------


def request_signoff(
    session: Session, experience: Experience, actor: Actor, *, now: datetime | None = None
) -> tuple[SignoffRequest, str]:
    """Ask the supervisor to sign off: the experience awaits sign-off and a link is mailed.

    Returns the request and the token (for the caller's tests; the token is never stored).
    """
    now = now or utcnow()
    config = current_app.config
    move(
        session,
        experience,
        ExperienceState.AWAITING_SIGNOFF,
        transitions=EXPERIENCE_TRANSITIONS,
        actor=actor,
        action="signoff.requested",
        data={"supervisor_email": experience.supervisor_email},
    )
    first = secrets.token_urlsafe(32)
    request = SignoffRequest(
        experience=experience,
        token_hash=hash_token(first),
        supervisor_email=experience.supervisor_email,
        created_at=now,
        last_sent_at=now,
        expires_at=now + link_lifetime(config),
    )
    session.add(request)
    session.add(SignoffToken(request=request, token_hash=request.token_hash, purpose="request", created_at=now))
    session.flush()
    _mail_supervisor(session, request, first, kind="signoff.request")
    return request, first


def resend_signoff(
    session: Session, experience: Experience, actor: Actor, *, now: datetime | None = None
) -> tuple[SignoffRequest, str]:
    """Mail the supervisor a fresh link (at most once a day); the request's clock restarts."""
    now = now or utcnow()
    config = current_app.config
    request = open_request(session, experience)
    if experience.state is not ExperienceState.AWAITING_SIGNOFF or request is None:
        raise Conflict("There is no sign-off request waiting for this micro-internship.")
    wait = timedelta(hours=int(config.get("SIGNOFF_RESEND_HOURS") or 24))
    if now - request.last_sent_at < wait:
        after = request.last_sent_at + wait
        raise Conflict(
            f"The link was sent {request.last_sent_at:%d %B %Y at %H:%M} UTC; you can send it again "
            f"after {after:%d %B %Y at %H:%M} UTC."
        )
    token = _new_token(session, request, "resend")
    request.last_sent_at = now
    request.expires_at = now + link_lifetime(config)
    request.reminders_sent = 0
    session.flush()
    record_event(
        session, actor, "signoff.resent", SignoffRequest.__tablename__, request.id, {"experience_id": experience.id}
    )
    _mail_supervisor(session, request, token, kind="signoff.resend")
    return request, token


def withdraw_signoff(session: Session, experience: Experience, actor: Actor, *, now: datetime | None = None) -> None:
    """Withdraw the request: every link mailed for it stops working; the experience is a draft."""
    request = open_request(session, experience)
    if experience.state is not ExperienceState.AWAITING_SIGNOFF or request is None:
        raise Conflict("There is no sign-off request waiting for this micro-internship.")
    request.withdrawn_at = now or utcnow()
    request.outcome = "withdrawn"
    session.flush()
    move(
        session,
        experience,
        ExperienceState.DRAFT,
        transitions=EXPERIENCE_TRANSITIONS,
        actor=actor,
        action="signoff.withdrawn",
        data={"request_id": request.id},
    )


# -- the supervisor's side -----------------------------------------------------------------


def find_request(session: Session, token: str, *, now: datetime | None = None) -> SignoffRequest:
    """The open, unexpired request a token belongs to; else `InvalidLink` (reason withheld)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLink()
    row = session.execute(
        sa.select(SignoffRequest).join(SignoffToken).where(SignoffToken.token_hash == hash_token(token))
    ).scalar_one_or_none()
    now = now or utcnow()
    if (
        row is None
        or not row.is_open
        or row.expires_at <= now
        or row.experience.state is not ExperienceState.AWAITING_SIGNOFF
    ):
        raise InvalidLink()
    return row


def skills_to_rate(experience: Experience) -> list[str]:
    """The skills the supervisor rates: those the student named, else the configured list."""
    return list(experience.skills) or configured_skills()


@dataclass
class SignoffInput:
    hours_worked: Decimal | None
    ratings: dict[str, int | None]
    feedback: str
    willing_reference: bool
    attested: bool
    full_name: str


def validate_signoff(experience: Experience, data: SignoffInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    hours = data.hours_worked
    if hours is None:
        errors["hours_worked"] = "Enter the hours worked as a number, like 15 or 7.5."
    elif hours <= 0:
        errors["hours_worked"] = "Hours worked must be more than 0."
    elif hours != hours.quantize(TWO_PLACES):
        errors["hours_worked"] = "Give the hours with at most two decimals."
    elif hours > max_hours(experience.start_date, experience.end_date):
        errors["hours_worked"] = (
            f"That is more than 24 hours a day between {experience.start_date:%d %B} and "
            f"{experience.end_date:%d %B %Y} (at most {max_hours(experience.start_date, experience.end_date)})."
        )
    for index, skill in enumerate(skills_to_rate(experience)):
        value = data.ratings.get(skill)
        if value is None or not 1 <= int(value) <= 5:
            errors[f"rating_{index}"] = f"Rate {skill} from 1 to 5."
    if not data.feedback.strip():
        errors["feedback"] = "Write a few words of feedback for the student."
    elif len(data.feedback) > 5000:
        errors["feedback"] = "Keep the feedback under 5,000 characters."
    if not data.attested:
        errors["attested"] = "Tick the box to confirm that this is accurate."
    if len(data.full_name.strip()) < 2:
        errors["full_name"] = "Type your full name to sign."
    elif len(data.full_name) > 200:
        errors["full_name"] = "Keep your name under 200 characters."
    errors.update(single_line_errors({"full_name": data.full_name}, errors, "Your name"))
    return errors


def _use(
    session: Session, request: SignoffRequest, outcome: str, ip: str | None, agent: str | None, now: datetime
) -> None:
    """Spend the token: one conditional UPDATE, so two submissions cannot both succeed."""
    result = session.execute(
        sa.update(SignoffRequest)
        .where(
            SignoffRequest.id == request.id,
            SignoffRequest.used_at.is_(None),
            SignoffRequest.withdrawn_at.is_(None),
            SignoffRequest.expires_at > now,
        )
        .values(
            used_at=now, outcome=outcome, ip_address=(ip or "")[:64] or None, user_agent=(agent or "")[:400] or None
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidLink()
    session.refresh(request)


def _supervisor_actor(request: SignoffRequest, name: str) -> Actor:
    return Actor("supervisor", str(request.id), f"{name.strip()[:150]} <{request.supervisor_email}> by emailed link")


def confirm_signoff(
    session: Session,
    token: str,
    data: SignoffInput,
    *,
    ip: str | None,
    user_agent: str | None,
    now: datetime | None = None,
) -> Experience:
    """The supervisor confirms: the experience is verified with their hours, ratings and feedback."""
    now = now or utcnow()
    request = find_request(session, token, now=now)
    experience = request.experience
    errors = validate_signoff(experience, data)
    if errors:
        raise ValidationFailed("The sign-off has problems; see the fields.", errors)
    _use(session, request, "confirmed", ip, user_agent, now)
    assert data.hours_worked is not None
    experience.verified_hours = data.hours_worked.quantize(TWO_PLACES)
    experience.verified_at = now
    experience.skill_ratings = {skill: int(value) for skill, value in data.ratings.items() if value is not None}
    experience.supervisor_feedback = data.feedback.strip()
    experience.willing_reference = data.willing_reference
    experience.attested_name = data.full_name.strip()
    session.flush()
    move(
        session,
        experience,
        ExperienceState.VERIFIED,
        transitions=EXPERIENCE_TRANSITIONS,
        actor=_supervisor_actor(request, data.full_name),
        action="signoff.confirmed",
        data={
            "request_id": request.id,
            "signed_by": experience.attested_name,
            "supervisor_email": request.supervisor_email,
            "claimed_hours": str(experience.hours),
            "verified_hours": str(experience.verified_hours),
            "ip": request.ip_address,
            "user_agent": request.user_agent,
            "at": now.isoformat(),
        },
    )
    _mail_student(
        session,
        experience,
        "signoff_confirmed",
        f"Your micro-internship at {experience.employer} is verified",
        "signoff.confirmed",
    )
    return experience


def dispute_signoff(
    session: Session,
    token: str,
    *,
    reason: str,
    full_name: str,
    ip: str | None,
    user_agent: str | None,
    now: datetime | None = None,
) -> Experience:
    """The supervisor disputes the claim with a reason; the student may correct it."""
    now = now or utcnow()
    request = find_request(session, token, now=now)
    experience = request.experience
    errors = {}
    if len(reason.strip()) < 5:
        errors["reason"] = "Say what is not right, so that the student can correct it."
    elif len(reason) > 5000:
        errors["reason"] = "Keep this under 5,000 characters."
    if len(full_name.strip()) < 2:
        errors["full_name"] = "Type your full name."
    errors.update(single_line_errors({"full_name": full_name}, errors, "Your name"))
    if errors:
        raise ValidationFailed("The dispute has problems; see the fields.", errors)
    _use(session, request, "disputed", ip, user_agent, now)
    experience.dispute_reason = reason.strip()
    session.flush()
    move(
        session,
        experience,
        ExperienceState.DISPUTED,
        transitions=EXPERIENCE_TRANSITIONS,
        actor=_supervisor_actor(request, full_name),
        action="signoff.disputed",
        data={
            "request_id": request.id,
            "ip": request.ip_address,
            "user_agent": request.user_agent,
            "at": now.isoformat(),
        },
    )
    _mail_student(
        session,
        experience,
        "signoff_disputed",
        f"Your supervisor at {experience.employer} disputed your micro-internship",
        "signoff.disputed",
    )
    return experience


# -- the worker's part: reminders and expiry -------------------------------------------------


def run_due_signoff_tasks(session: Session, now: datetime | None = None) -> list[str]:
    """Close expired links (the experience becomes a draft, the student is told) and queue
    the reminders that are due. Run by every pass of `flask outbox run`; safe with several
    workers (rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL)."""
    now = now or utcnow()
    config = current_app.config
    is_pg = session.get_bind().dialect.name == "postgresql"
    system = Actor.system("outbox worker")
    open_rows = sa.select(SignoffRequest).where(SignoffRequest.used_at.is_(None), SignoffRequest.withdrawn_at.is_(None))
    expired_q = open_rows.where(SignoffRequest.expires_at <= now).order_by(SignoffRequest.id)
    if is_pg:
        expired_q = expired_q.with_for_update(skip_locked=True)
    expired = list(session.execute(expired_q).scalars())
    for request in expired:
        request.withdrawn_at = now
        request.outcome = "expired"
        session.flush()
        experience = request.experience
        if experience.state is ExperienceState.AWAITING_SIGNOFF:
            move(
                session,
                experience,
                ExperienceState.DRAFT,
                transitions=EXPERIENCE_TRANSITIONS,
                actor=system,
                action="signoff.expired",
                data={"request_id": request.id},
            )
            _mail_student(
                session,
                experience,
                "signoff_expired",
                f"The sign-off link for {experience.employer} expired",
                "signoff.expired",
            )
    days = reminder_days(config)
    reminded = 0
    if days:
        due_q = open_rows.where(
            SignoffRequest.expires_at > now,
            SignoffRequest.reminders_sent < len(days),
            SignoffRequest.last_sent_at <= now - timedelta(days=days[0]),
        ).order_by(SignoffRequest.id)
        if is_pg:
            due_q = due_q.with_for_update(skip_locked=True)
        for request in session.execute(due_q).scalars():
            due_count = sum(1 for d in days if request.last_sent_at + timedelta(days=d) <= now)
            if due_count <= request.reminders_sent:
                continue
            # After a long pause of the worker, one reminder stands for all that were missed.
            request.reminders_sent = due_count
            token = _new_token(session, request, "reminder")
            record_event(
                session,
                system,
                "signoff.reminded",
                SignoffRequest.__tablename__,
                request.id,
                {"reminder": due_count},
            )
            _mail_supervisor(session, request, token, kind="signoff.reminder", reminder=True)
            reminded += 1
    session.flush()
    lines = []
    if reminded or expired:
        lines.append(f"sign-off: {reminded} reminder(s) queued, {len(expired)} expired link(s) closed")
    return lines
