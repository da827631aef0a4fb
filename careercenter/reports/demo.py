"""Demo step: a year of history, so the console's charts have shape.

A few hundred generated students (not on the development login; the named demo people stay as
they are) across programs and class levels, with micro-internships ending over the last three
terms, supervisors' answers, and credit requests with their decisions and awards. The rows are
written directly — this is history, not something happening now — with one audit event that
says so. The generator is seeded, so every `flask seed-demo` makes the same campus.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.credits.approval_models import ApprovalDecision, StepDecision
from careercenter.credits.evaluation import Check, Evaluation
from careercenter.credits.models import AwardStatus, CreditAward, CreditRequest, CreditRule, RequestState, RuleStatus
from careercenter.credits.routes import StepKind
from careercenter.credits.rules import RuleSpec
from careercenter.credits.terms import DEFAULT_TERM_STARTS, Calendar, next_term, previous_term, term_start
from careercenter.db import utcnow
from careercenter.internships.models import Experience, ExperienceState, SignoffRequest, SignoffState
from careercenter.sso.models import ClassLevel, Person, Role

STUDENTS = 320
PROGRAMS = (
    ("Computer Science", 6),
    ("Business Administration", 5),
    ("Data Science", 3),
    ("Communication", 3),
    ("Mechanical Engineering", 2),
    ("Biology", 2),
    ("Psychology", 2),
    ("Graphic Design", 1),
)
LEVELS = (
    (ClassLevel.FIRST_YEAR, 1),
    (ClassLevel.SOPHOMORE, 3),
    (ClassLevel.JUNIOR, 5),
    (ClassLevel.SENIOR, 5),
    (ClassLevel.GRADUATE, 1),
)
EMPLOYERS = (
    ("Cedar Valley Credit Union", "Finance"),
    ("Brightline Health", "Software development"),
    ("Cobalt Freight", "Data analysis"),
    ("Northside Bikes", "Marketing"),
    ("Harbor Goods", "Marketing"),
    ("Lumen Books", "Software development"),
    ("Summit Outfitters", "Marketing"),
    ("Torque Robotics", "Engineering"),
    ("Keystone Labs", "Research"),
    ("Bean & Barrel Roasters", "Marketing"),
    ("Parkside Dental", "Operations"),
    ("Riverbend Analytics", "Data analysis"),
)
TITLES = {
    "Finance": "Member-survey analysis",
    "Software development": "Web accessibility fixes",
    "Data analysis": "Operations dashboard",
    "Marketing": "Campaign plan and content calendar",
    "Engineering": "Fixture design review",
    "Research": "Literature review for a grant",
    "Operations": "Scheduling process map",
}
SKILLS = ("Communication", "Time management", "Problem solving", "Teamwork", "Technology")  # default form competencies
FIRST = ("Avery", "Jordan", "Riley", "Casey", "Morgan", "Quinn", "Harper", "Rowan", "Sage", "Emerson", "Kai", "Noor")
LAST = ("Garcia", "Nguyen", "Smith", "Okoye", "Larsen", "Silva", "Kowalski", "Haddad", "Tanaka", "Moreau", "Ali")
SUPERVISORS = ("Jamie Ortiz", "Pat Lindqvist", "Sam Adeyemi", "Robin Castell", "Lee Moreno", "Terry Walsh")


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _at(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + timedelta(minutes=rng.randrange(600))


def _terms(calendar: Calendar, today: date) -> list[tuple[str, date, date]]:
    """The current term and the two before it, each with its first day and its last day so far."""
    current = calendar.term_for(today)
    codes = [previous_term(calendar, previous_term(calendar, current)), previous_term(calendar, current), current]
    spans = []
    for code in codes:
        end = min(term_start(calendar, next_term(calendar, code)) - timedelta(days=1), today - timedelta(days=3))
        spans.append((code, term_start(calendar, code), end))
    return spans


def _student(rng: random.Random, n: int) -> Person:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    handle = name.lower().replace(" ", ".")
    person = Person(
        campus_id=f"H{20000 + n}",
        email=f"{handle}.{n}@students.example.edu",
        display_name=name,
        program=_pick(rng, PROGRAMS),
        class_level=_pick(rng, LEVELS),
        is_demo=False,
    )
    person.set_roles({Role.STUDENT})
    return person


def _experience(rng: random.Random, student: Person, term: tuple[str, date, date]) -> tuple[Experience, Any]:
    _, first, last = term
    employer, category = rng.choice(EMPLOYERS)
    ended = first + timedelta(days=rng.randrange(max(1, (last - first).days)))
    hours = Decimal(rng.choice((8, 10, 12, 15, 18, 20, 24, 30, 36, 40)))
    outcome = rng.choices(("verified", "disputed", "awaiting", "draft"), weights=(78, 4, 9, 9))[0]
    skills = rng.sample(SKILLS, rng.randint(2, 4))
    experience = Experience(
        student=student,
        employer=employer,
        title=TITLES[category],
        category=category,
        start_date=ended - timedelta(days=rng.randint(7, 28)),
        end_date=ended,
        hours=hours,
        skills=skills,
        supervisor_name=rng.choice(SUPERVISORS),
        supervisor_title="Project lead",
        supervisor_email=f"supervisor{rng.randrange(1000)}@{employer.split()[0].lower()}.example.com",
        state=ExperienceState.DRAFT,
    )
    return experience, (outcome, ended, skills)


def _sign_off(
    rng: random.Random, experience: Experience, outcome: str, ended: date, skills: list[str]
) -> SignoffRequest | None:
    """The supervisor's answer as history: the request and, unless still waiting, its outcome."""
    if outcome == "draft":
        return None
    asked = _at(ended + timedelta(days=rng.randint(0, 3)), rng)
    answered = asked + timedelta(hours=rng.randint(2, 24 * rng.choice((1, 2, 3, 5, 9))))
    signoff = SignoffRequest(
        experience=experience,
        token_hash=hashlib.sha256(f"history-{rng.random()}".encode()).hexdigest(),
        supervisor_email=experience.supervisor_email,
        created_at=asked,
        last_sent_at=asked,
        expires_at=asked + timedelta(days=14),
        state=SignoffState.SENT,
    )
    if outcome == "awaiting" and signoff.expires_at <= utcnow():
        signoff.state = SignoffState.EXPIRED  # never answered: the link ran out, the claim is a draft again
    elif outcome == "awaiting":
        experience.state = ExperienceState.AWAITING_SIGNOFF
    elif outcome == "disputed":
        experience.state = ExperienceState.DISPUTED
        experience.dispute_reason = "The hours claimed include time before the project started."
        signoff.state, signoff.used_at, signoff.outcome = SignoffState.USED, answered, "disputed"
    else:
        experience.state = ExperienceState.VERIFIED
        experience.verified_hours = experience.hours
        experience.verified_at = answered
        experience.skill_ratings = {s: rng.choices((2, 3, 4, 5), weights=(1, 4, 8, 5))[0] for s in skills}
        experience.attested_name = experience.supervisor_name
        signoff.state, signoff.used_at, signoff.outcome = SignoffState.USED, answered, "confirmed"
    return signoff


def _request(
    rng: random.Random, student: Person, rule: CreditRule, term: str, verified: list[Experience], advisor: Person
) -> tuple[CreditRequest, CreditAward | None]:
    hours = sum((e.verified_hours or Decimal(0) for e in verified), Decimal(0))
    credits = max(Decimal(1), min(Decimal(3), (hours / 45 * 2).quantize(Decimal(1)) / 2))
    last_day = max(e.verified_at for e in verified if e.verified_at)
    submitted = last_day + timedelta(days=rng.randint(1, 10))
    decided = submitted + timedelta(hours=rng.randint(6, 24 * rng.choice((1, 3, 6, 12, 20))))
    state = rng.choices(_OUTCOMES, weights=(80, 12, 5, 4))[0]
    withdrawn = state is RequestState.WITHDRAWN  # by the student, while it waited at a step
    evaluation = Evaluation(True, credits, hours, term, (Check("hours", True, f"{hours} verified hours"),))
    request = CreditRequest(
        student=student,
        rule=rule,
        term=term,
        state=state,
        reflection="Generated history.",
        evaluation=evaluation.to_dict(),
        is_eligible=True,
        computed_credits=credits,
        submitted_at=submitted,
        decided_by=None if withdrawn else advisor,
        decided_at=None if withdrawn else decided,
        decision_comment="Please add the project outcomes." if state in _SENT_BACK else None,
        experiences=verified,
        created_at=submitted,
        updated_at=decided,  # when it was decided or withdrawn: its last change
    )
    if state is not RequestState.APPROVED:
        return request, None
    posted = rng.random() < 0.8
    award = CreditAward(
        request=request,
        student=student,
        rule=rule,
        term=term,
        credits=credits,
        grading_basis=rule.grading_basis,
        status=AwardStatus.POSTED if posted else AwardStatus.PENDING,
        approved_by=advisor,
        approved_at=decided,
        sis_reference=f"SIS-{rng.randrange(10**6):06d}" if posted else None,
        posted_at=decided + timedelta(days=rng.randint(1, 5)) if posted else None,
    )
    return request, award


_OUTCOMES = (RequestState.APPROVED, RequestState.RETURNED, RequestState.DENIED, RequestState.WITHDRAWN)
_SENT_BACK = (RequestState.RETURNED, RequestState.DENIED)

_DECIDER_ROLE = {
    StepKind.ADVISOR: Role.ADVISOR,
    StepKind.SPONSOR: Role.FACULTY,
    StepKind.POOL: Role.FACULTY,
    StepKind.REGISTRAR: Role.REGISTRAR,
}


def _step_decisions(
    rng: random.Random, request: CreditRequest, deciders: dict[Role, list[Person]]
) -> list[ApprovalDecision]:
    """The route's step decisions that led to the request's outcome, each a while after the last:
    every step of an approved request, the first of a returned or denied one, and those of a
    withdrawn one up to the step it waited at when its student withdrew it (any step)."""
    route = RuleSpec.from_definition(request.rule.definition).route
    outcome = {
        RequestState.RETURNED: StepDecision.RETURNED,
        RequestState.DENIED: StepDecision.DENIED,
        RequestState.WITHDRAWN: StepDecision.WITHDRAWN,
    }
    assert request.submitted_at is not None
    ended = request.decided_at or request.updated_at
    if request.state is RequestState.APPROVED:
        steps = route
    elif request.state is RequestState.WITHDRAWN:
        steps = route[: rng.randrange(len(route)) + 1]
    else:
        steps = route[:1]
    spacing = (ended - request.submitted_at) / len(steps)
    made = []
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        decision = outcome.get(request.state, StepDecision.APPROVED) if last else StepDecision.APPROVED
        people = deciders.get(_DECIDER_ROLE[step.kind]) or [request.decided_by]
        made.append(
            ApprovalDecision(
                request=request,
                pass_no=1,
                step_index=index,
                step_label=step.label,
                decision=decision,
                decided_by=request.student if decision is StepDecision.WITHDRAWN else rng.choice(people),
                decided_at=request.submitted_at + spacing * (index + 1) * rng.uniform(0.6, 1.0),
                credits=request.computed_credits if decision is StepDecision.APPROVED else None,
            )
        )
    return made


def seed(session: Session, demo: Any) -> list[str]:
    """Generate the year of history; return the summary line."""
    rng = random.Random(2026)  # noqa: S311  (demo data, fixed on purpose)
    today = utcnow().date()
    calendar = Calendar.parse(current_app.config.get("CREDITS_TERM_STARTS") or DEFAULT_TERM_STARTS)
    terms = _terms(calendar, today)
    rules = {r.code: r for r in session.scalars(sa.select(CreditRule).where(CreditRule.status == RuleStatus.ACTIVE))}
    advisors = [p for p in demo.people.values() if Role.ADVISOR in p.roles]
    deciders = {role: [p for p in demo.people.values() if role in p.roles] for role in Role}
    counts = {"experiences": 0, "requests": 0, "withdrawn": 0, "awards": 0}
    for n in range(STUDENTS):
        student = _student(rng, n)
        session.add(student)
        for term in rng.sample(terms, rng.choice((1, 1, 2, 2, 3))):
            made = [_experience(rng, student, term) for _ in range(rng.choice((1, 1, 2, 3)))]
            for experience, (outcome, ended, skills) in made:
                signoff = _sign_off(rng, experience, outcome, ended, skills)
                session.add(experience)
                if signoff is not None:
                    session.add(signoff)
            counts["experiences"] += len(made)
            verified = [e for e, _ in made if e.state is ExperienceState.VERIFIED]
            code = "CSCI-397" if student.program in ("Computer Science", "Data Science") else "INTR-295"
            rule = rules.get(code) or rules.get("INTR-295")
            if verified and rule is not None and advisors and rng.random() < 0.6:
                request, award = _request(rng, student, rule, term[0], verified, rng.choice(advisors))
                session.add(request)
                session.add_all(_step_decisions(rng, request, deciders))
                counts["requests"] += 1
                counts["withdrawn"] += request.state is RequestState.WITHDRAWN
                if award is not None:
                    session.add(award)
                    counts["awards"] += 1
    session.flush()
    record_event(
        session,
        Actor.system("seed-demo"),
        "demo.history_generated",
        "campus",
        "demo",
        {"students": STUDENTS, "terms": [t[0] for t in terms], **counts},
    )
    return [
        f"reports: a year of history — {STUDENTS} generated students, {counts['experiences']} micro-internships, "
        f"{counts['requests']} credit requests ({counts['withdrawn']} withdrawn by their students), "
        f"{counts['awards']} awards over {terms[0][0]}–{terms[-1][0]}; "
        "sign in as Priya Shah (career-center staff) and open /reports"
    ]
