"""Credit requests, the student's side: choosing experiences, checking them against the rule,
submitting and resubmitting a returned request (`REQUEST_TRANSITIONS`).

Plain functions taking a session: they `flush()`; the request commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from careercenter.audit.service import Actor
from careercenter.credits.evaluation import Evaluation, ExperienceFacts, PriorAward, StudentFacts, evaluate
from careercenter.credits.models import (
    REQUEST_TRANSITIONS,
    AwardStatus,
    CreditAward,
    CreditRequest,
    CreditRule,
    RequestState,
    request_experiences,
)
from careercenter.credits.rule_versions import active_rule, calendar, spec_of
from careercenter.credits.waits import start_route
from careercenter.db import utcnow
from careercenter.employers.badges import badge_for, domain_verified, email_domain
from careercenter.errors import Conflict, ValidationFailed
from careercenter.internships.models import Experience, ExperienceState
from careercenter.sso.models import Person
from careercenter.statemachine import move

#: Requests that hold their experiences: nothing else may count them.
HOLDING_STATES = (RequestState.DRAFT, RequestState.SUBMITTED, RequestState.RETURNED, RequestState.APPROVED)
#: Awards that count against caps.
COUNTING_AWARDS = (AwardStatus.PENDING, AwardStatus.POSTED)

# ---- facts for the evaluation ---------------------------------------------------------------


def experience_label(experience: Experience) -> str:
    return f"{experience.employer} – {experience.title}"


def _held_by(session: Session, experience_ids: Iterable[int], exclude_request_id: int | None) -> dict[int, str]:
    ids = list(experience_ids)
    if not ids:
        return {}
    query = (
        sa.select(request_experiences.c.experience_id, CreditRequest.id, CreditRequest.state)
        .join(CreditRequest, CreditRequest.id == request_experiences.c.request_id)
        .where(request_experiences.c.experience_id.in_(ids), CreditRequest.state.in_(HOLDING_STATES))
    )
    if exclude_request_id is not None:
        query = query.where(CreditRequest.id != exclude_request_id)
    return {
        exp_id: f"credit request {req_id} ({state.value})" for exp_id, req_id, state in session.execute(query).all()
    }


def experience_facts(
    session: Session, experiences: Sequence[Experience], exclude_request_id: int | None = None
) -> list[ExperienceFacts]:
    held = _held_by(session, (e.id for e in experiences), exclude_request_id)
    return [
        ExperienceFacts(
            id=e.id,
            label=experience_label(e),
            is_verified=e.state is ExperienceState.VERIFIED,
            verified_hours=Decimal(e.verified_hours or 0),
            category=e.category or "",
            end_date=e.end_date,
            skill_ratings={str(k): int(v) for k, v in (e.skill_ratings or {}).items()},
            counted_in=held.get(e.id),
            supervisor_domain=email_domain(e.supervisor_email),
            supervisor_badge=badge_for(e.supervisor_email, e.employer_record).text,
            supervisor_domain_verified=domain_verified(e.supervisor_email, e.employer_record),
        )
        for e in experiences
    ]


def prior_awards(session: Session, student: Person) -> list[PriorAward]:
    rows = session.execute(
        sa.select(CreditRule.code, CreditAward.term, CreditAward.credits)
        .join(CreditRule, CreditRule.id == CreditAward.rule_id)
        .where(CreditAward.student_id == student.id, CreditAward.status.in_(COUNTING_AWARDS))
    ).all()
    return [PriorAward(code, term, Decimal(credits)) for code, term, credits in rows]


def student_facts(student: Person) -> StudentFacts:
    return StudentFacts(student.program, student.class_level.value if student.class_level else None)


def evaluate_for(
    session: Session,
    student: Person,
    rule: CreditRule,
    experiences: Sequence[Experience],
    reflection: str,
    today: date,
    exclude_request_id: int | None = None,
) -> Evaluation:
    """Gather the facts from the database and run the pure evaluation."""
    return evaluate(
        spec_of(rule),
        student_facts(student),
        experience_facts(session, experiences, exclude_request_id),
        prior_awards(session, student),
        today,
        reflection=reflection,
        calendar=calendar(),
    )


def claimable_experiences(session: Session, student: Person, request: CreditRequest | None = None) -> list[Experience]:
    """The student's verified experiences that no other live request counts."""
    verified = list(
        session.execute(
            sa.select(Experience)
            .where(Experience.student_id == student.id, Experience.state == ExperienceState.VERIFIED)
            .order_by(Experience.end_date.desc(), Experience.id)
        ).scalars()
    )
    held = _held_by(session, (e.id for e in verified), request.id if request else None)
    return [e for e in verified if e.id not in held]


# ---- the student's side -----------------------------------------------------------------------


@dataclass
class Draft:
    """A would-be request: what the student chose, checked, and its evaluation."""

    rule: CreditRule
    experiences: list[Experience]
    reflection: str
    evaluation: Evaluation


def prepare_request(
    session: Session,
    student: Person,
    rule_code: str,
    experience_ids: Sequence[int],
    reflection: str,
    *,
    request: CreditRequest | None = None,
    today: date | None = None,
) -> Draft:
    """Check the student's choices and evaluate them; `ValidationFailed` names the bad field."""
    today = today or utcnow().date()
    errors: dict[str, str] = {}
    rule: CreditRule | None
    if request is not None and rule_code == request.rule.code:
        rule = request.rule  # a returned request keeps the version it was submitted under
    else:
        rule = active_rule(session, rule_code) if rule_code else None
    if rule is None:
        errors["rule"] = "Choose a rule from the list."
    ids = sorted(set(experience_ids))
    experiences: list[Experience] = []
    if not ids:
        errors["experiences"] = "Choose at least one verified micro-internship."
    else:
        allowed = {e.id: e for e in claimable_experiences(session, student, request)}
        wrong = [i for i in ids if i not in allowed]
        if wrong:
            errors["experiences"] = (
                "Choose only your own verified micro-internships that no other credit request counts."
            )
        experiences = [allowed[i] for i in ids if i in allowed]
    reflection = (reflection or "").strip()
    if len(reflection) > 20_000:
        errors["reflection"] = "Keep the reflection under 20,000 characters."
    if errors:
        raise ValidationFailed("Please correct the marked fields.", errors)
    assert rule is not None
    evaluation = evaluate_for(
        session, student, rule, experiences, reflection, today, request.id if request is not None else None
    )
    return Draft(rule, experiences, reflection, evaluation)


def _store(request: CreditRequest, draft: Draft) -> None:
    request.rule = draft.rule
    request.rule_id = draft.rule.id
    request.experiences = list(draft.experiences)
    request.reflection = draft.reflection
    request.term = draft.evaluation.term
    request.evaluation = draft.evaluation.to_dict()
    request.is_eligible = draft.evaluation.eligible
    request.computed_credits = draft.evaluation.credits
    request.submitted_at = utcnow()


def _claim(session: Session, draft: Draft, request_id: int | None) -> None:
    """Lock the chosen experiences' rows and make sure no other request took them meanwhile.

    On PostgreSQL a second submission with the same experience waits here for the first to
    commit, then sees its request and is refused; SQLite serialises writers anyway.
    """
    ids = [e.id for e in draft.experiences]
    session.execute(sa.select(Experience.id).where(Experience.id.in_(ids)).with_for_update())
    held = _held_by(session, ids, request_id)
    if held:
        names = "; ".join(
            f"{experience_label(e)} is counted in {held[e.id]}" for e in draft.experiences if e.id in held
        )
        raise ValidationFailed(
            "Please correct the marked fields.",
            {"experiences": f"A micro-internship counts toward one credit request only: {names}."},
        )


def submit_request(
    session: Session, student: Person, draft: Draft, actor: Actor, sponsor: Person | None = None
) -> CreditRequest:
    """Create the request and submit it, pinning the rule version (and its route) and the
    evaluation; the request then waits at the route's first step."""
    _claim(session, draft, None)
    request = CreditRequest(student_id=student.id, student=student, rule=draft.rule, term=draft.evaluation.term)
    request.sponsor = sponsor
    session.add(request)
    _store(request, draft)
    session.flush()
    move(
        session,
        request,
        RequestState.SUBMITTED,
        transitions=REQUEST_TRANSITIONS,
        actor=actor,
        action="credit_request.submitted",
        data=_summary(request),
    )
    start_route(session, request)
    return request


def resubmit_request(
    session: Session, request: CreditRequest, draft: Draft, actor: Actor, sponsor: Person | None = None
) -> CreditRequest:
    """Submit a returned request again with the student's changes, evaluated afresh; it starts
    again at the first step of its route."""
    if request.state is not RequestState.RETURNED:
        raise Conflict(f"This request is {request.state.value} and cannot be edited.")
    _claim(session, draft, request.id)
    _store(request, draft)
    request.sponsor = sponsor
    session.flush()
    move(
        session,
        request,
        RequestState.SUBMITTED,
        transitions=REQUEST_TRANSITIONS,
        actor=actor,
        action="credit_request.resubmitted",
        data=_summary(request),
    )
    start_route(session, request)
    return request


def _summary(request: CreditRequest) -> dict[str, object]:
    return {
        "rule": request.rule.code,
        "rule_version": request.rule.version,
        "term": request.term,
        "experiences": [e.id for e in request.experiences],
        "eligible": request.is_eligible,
        "credits": str(request.computed_credits),
    }


def requests_of(session: Session, student: Person) -> list[CreditRequest]:
    return list(
        session.execute(
            sa.select(CreditRequest)
            .where(CreditRequest.student_id == student.id)
            .options(selectinload(CreditRequest.rule))
            .order_by(CreditRequest.created_at.desc(), CreditRequest.id.desc())
        ).scalars()
    )


def request_with_student(session: Session, request_id: int) -> CreditRequest | None:
    """The request with its student and rule in one query, without the student's roles (its page
    and a decision show the student's name and the course; who may decide is read from the
    viewer's roles)."""
    return session.get(
        CreditRequest,
        request_id,
        options=[joinedload(CreditRequest.student).lazyload(Person.role_grants), joinedload(CreditRequest.rule)],
    )


def award_of(session: Session, request: CreditRequest) -> CreditAward | None:
    return session.execute(sa.select(CreditAward).where(CreditAward.request_id == request.id)).scalar_one_or_none()
