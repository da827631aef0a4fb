"""Credit rules loaded as versions, credit requests, and advisors' decisions on them.

Plain functions taking a session and values: they `flush()`, the view or CLI commits.
Registrar-side award functions live in `careercenter.credits.awards`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from careercenter.audit.service import Actor, lock_chain, record_event
from careercenter.credits.evaluation import (
    Evaluation,
    ExperienceFacts,
    PriorAward,
    StudentFacts,
    credit_words,
    evaluate,
    fmt,
)
from careercenter.credits.models import (
    REQUEST_TRANSITIONS,
    RULE_TRANSITIONS,
    AwardStatus,
    CreditAward,
    CreditRequest,
    CreditRule,
    RequestState,
    RuleStatus,
    request_experiences,
)
from careercenter.credits.rules import RuleSpec
from careercenter.credits.terms import DEFAULT_TERM_STARTS, Calendar
from careercenter.credits.waits import start_route
from careercenter.db import utcnow
from careercenter.errors import Conflict, NotAllowed, ValidationFailed
from careercenter.internships.models import Experience, ExperienceState
from careercenter.notify.service import queue_message
from careercenter.sso.models import AdvisorAssignment, Person
from careercenter.statemachine import move

log = logging.getLogger(__name__)

#: Requests that hold their experiences: nothing else may count them.
HOLDING_STATES = (RequestState.DRAFT, RequestState.SUBMITTED, RequestState.RETURNED, RequestState.APPROVED)
#: Awards that count against caps.
COUNTING_AWARDS = (AwardStatus.PENDING, AwardStatus.POSTED)

RACE_MESSAGE = (
    "Another advisor decided this request a moment ago, so your decision was not saved. "
    "The page now shows the request as it is."
)


def calendar() -> Calendar:
    """The term calendar configured by CAREERCENTER_CREDITS_TERM_STARTS."""
    return Calendar.parse(current_app.config.get("CREDITS_TERM_STARTS") or DEFAULT_TERM_STARTS)


def spec_of(rule: CreditRule) -> RuleSpec:
    return RuleSpec.from_definition(rule.definition)


# ---- rules ---------------------------------------------------------------------------------


def load_rules(session: Session, specs: Sequence[RuleSpec], actor: Actor) -> list[str]:
    """Store each spec as a new version of its code unless its content is unchanged.

    Returns one line per rule, e.g. ``INTR-295 v2 loaded (INTR 295, 1–3 credits); v1 superseded``.
    """
    lines = []
    for spec in specs:
        latest = session.execute(
            sa.select(CreditRule).where(CreditRule.code == spec.code).order_by(CreditRule.version.desc()).limit(1)
        ).scalar_one_or_none()
        digest = spec.content_hash()
        if latest is not None and latest.content_hash == digest:
            lines.append(f"{spec.code} v{latest.version} unchanged")
            continue
        rule = CreditRule(
            code=spec.code,
            version=latest.version + 1 if latest else 1,
            status=RuleStatus.RETIRED if spec.retired else RuleStatus.ACTIVE,
            name=spec.name,
            course_subject=spec.course_subject,
            course_number=spec.course_number,
            course_title=spec.course_title,
            grading_basis=spec.grading_basis,
            definition=spec.definition(),
            content_hash=digest,
        )
        session.add(rule)
        session.flush()
        record_event(
            session,
            actor,
            "credit_rule.loaded",
            CreditRule.__tablename__,
            rule.id,
            {"code": rule.code, "version": rule.version, "content_hash": digest, "status": rule.status.value},
        )
        line = (
            f"{spec.code} v{rule.version} loaded "
            f"({spec.course_label}, {credit_range(spec)} credits, {rule.status.value})"
        )
        if latest is not None and latest.status is not RuleStatus.SUPERSEDED:
            move(
                session,
                latest,
                RuleStatus.SUPERSEDED,
                transitions=RULE_TRANSITIONS,
                actor=actor,
                action="credit_rule.superseded",
                data={"by_version": rule.version},
                attribute="status",
            )
            line += f"; v{latest.version} superseded"
        lines.append(line)
    return lines


def credit_range(spec: RuleSpec) -> str:
    if spec.min_credits == spec.max_credits:
        return fmt(spec.min_credits)
    return f"{fmt(spec.min_credits)}–{fmt(spec.max_credits)}"


def all_rule_versions(session: Session) -> list[CreditRule]:
    return list(session.execute(sa.select(CreditRule).order_by(CreditRule.code, CreditRule.version)).scalars())


def active_rules(session: Session) -> list[CreditRule]:
    return list(
        session.execute(
            sa.select(CreditRule).where(CreditRule.status == RuleStatus.ACTIVE).order_by(CreditRule.code)
        ).scalars()
    )


def active_rule(session: Session, code: str) -> CreditRule | None:
    return session.execute(
        sa.select(CreditRule).where(CreditRule.code == code, CreditRule.status == RuleStatus.ACTIVE)
    ).scalar_one_or_none()


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


def award_of(session: Session, request: CreditRequest) -> CreditAward | None:
    return session.execute(sa.select(CreditAward).where(CreditAward.request_id == request.id)).scalar_one_or_none()


# ---- deciding (a route's step; `careercenter.credits.approvals` checks who may) ------------------


@dataclass(frozen=True)
class StepContext:
    """A decision on a route's step whose decider `careercenter.credits.approvals` has checked:
    who acted (e.g. "Dana Whitfield (for Raj Patel)"), what the audit event adds (the step), and
    the most credits earlier steps of the pass left (None: the rule's computation)."""

    actor: Actor
    data: dict[str, object]
    ceiling: Decimal | None = None


def _decide_on_current_data(session: Session, request: CreditRequest) -> None:
    """Take the audit chain's lock first, then read the request again.

    Every decision writes audit events, so it holds this lock until it commits anyway; taking it
    before reading means the state, version and caps seen are those every earlier decision left.
    Without it, two advisors approving two requests of one student at once (on two app servers)
    each evaluated the term cap without the other's award and together granted more credits than
    the rule allows. Taking it first in every decision also keeps the lock order the same
    (chain, then request row), so two decisions on one request cannot deadlock."""
    lock_chain(session)
    session.refresh(request)


def _check_decidable(request: CreditRequest, expected_version: int | None) -> None:
    if request.state is not RequestState.SUBMITTED:
        who = f" by {request.decided_by.display_name}" if request.decided_by else ""
        raise Conflict(
            f"This request was already {request.state.value}{who}, so your decision was not saved. "
            "The page now shows the request as it is."
        )
    if expected_version is not None and expected_version != request.version_id:
        raise Conflict(RACE_MESSAGE)


def _decide(
    session: Session,
    request: CreditRequest,
    to: RequestState,
    advisor: Person,
    comment: str,
    data: dict[str, object],
    step: StepContext | None = None,
) -> None:
    request.decided_by_id = advisor.id
    request.decided_by = advisor
    request.decided_at = utcnow()
    request.decision_comment = comment or None
    try:
        move(
            session,
            request,
            to,
            transitions=REQUEST_TRANSITIONS,
            actor=step.actor if step else Actor.person(advisor),
            action=f"credit_request.{to.value}",
            data={"comment": comment, **data, **(step.data if step else {})},
        )
    except StaleDataError:
        # The UPDATE … WHERE version_id = ? found no row: someone else decided first.
        raise Conflict(RACE_MESSAGE) from None


def _require_advisor(session: Session, advisor: Person, request: CreditRequest) -> None:
    assigned = session.get(AdvisorAssignment, (advisor.id, request.student_id))
    if assigned is None:
        raise NotAllowed("Only the student's assigned advisor decides this request.")


def parse_credits(raw: str | None) -> Decimal | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed(
            "Please correct the marked fields.", {"credits": "Enter a number such as 1.5."}
        ) from None
    if not value.is_finite():
        raise ValidationFailed("Please correct the marked fields.", {"credits": "Enter a number such as 1.5."})
    return value


def approve_request(
    session: Session,
    request: CreditRequest,
    advisor: Person,
    comment: str,
    *,
    credits: Decimal | None = None,
    reason: str = "",
    expected_version: int | None = None,
    step: StepContext | None = None,
) -> CreditAward:
    """Approve, granting the computed credits or fewer (with a reason); create the award.

    Without `step` only the student's assigned advisor may (the default route's one step)."""
    if step is None:
        _require_advisor(session, advisor, request)
    _decide_on_current_data(session, request)
    _check_decidable(request, expected_version)
    comment = (comment or "").strip()
    granted, computed, reason = check_grant(session, request, credits, reason, step.ceiling if step else None)
    request.reduction_reason = reason or None
    _decide(
        session,
        request,
        RequestState.APPROVED,
        advisor,
        comment,
        {"credits": str(granted), "computed": str(computed), "reason": request.reduction_reason},
        step,
    )
    return _make_award(session, request, advisor, granted, step)


def check_grant(
    session: Session, request: CreditRequest, credits: Decimal | None, reason: str, ceiling: Decimal | None = None
) -> tuple[Decimal, Decimal, str]:
    """(credits granted, most allowed, reason kept) for an approval of `request`, or
    ValidationFailed/Conflict. `ceiling`: the credits an earlier step of the route granted."""
    reason = (reason or "").strip()
    if not request.is_eligible:
        raise ValidationFailed(
            "This request does not meet its rule, so it cannot be approved: deny it or return it to the student.",
            {"action": "Only an eligible request can be approved."},
        )
    # Awards made since submission may have used up a cap: evaluate again, as of submission.
    as_of = (request.submitted_at or utcnow()).date()
    fresh = evaluate_for(
        session, request.student, request.rule, request.experiences, request.reflection, as_of, request.id
    )
    computed = min(Decimal(request.computed_credits or 0), fresh.credits)
    if ceiling is not None:
        computed = min(computed, ceiling)
    if not fresh.eligible:
        failed = " ".join(c.text for c in fresh.failed)
        raise Conflict(f"This request no longer meets its rule: {failed} Deny it or return it to the student.")
    spec = spec_of(request.rule)
    granted = computed if credits is None else credits
    errors: dict[str, str] = {}
    if granted > computed:
        errors["credits"] = f"You can grant at most {credit_words(computed)}: that is what the rule allows here."
    elif granted < spec.min_credits:
        errors["credits"] = f"{spec.course_label} grants at least {credit_words(spec.min_credits)}."
    elif (granted / spec.credit_increment) != (granted / spec.credit_increment).to_integral_value():
        errors["credits"] = f"Credits go in steps of {fmt(spec.credit_increment)}."
    elif granted < computed and not reason:
        errors["reason"] = f"Say why you grant fewer than the {credit_words(computed)} the rule allows."
    if errors:
        raise ValidationFailed("Please correct the marked fields.", errors)
    return granted, computed, (reason if granted < computed else "")


def _make_award(
    session: Session, request: CreditRequest, advisor: Person, granted: Decimal, step: StepContext | None
) -> CreditAward:
    award = CreditAward(
        request_id=request.id,
        student_id=request.student_id,
        rule_id=request.rule_id,
        term=request.term,
        credits=granted,
        grading_basis=request.rule.grading_basis,
        approved_by_id=advisor.id,
        approved_at=request.decided_at,
        status=AwardStatus.PENDING,
    )
    session.add(award)
    session.flush()
    record_event(
        session,
        step.actor if step else Actor.person(advisor),
        "credit_award.created",
        CreditAward.__tablename__,
        award.id,
        {"request": request.id, "credits": str(granted), "term": award.term, "course": request.rule.course_label},
    )
    _tell_student(session, request, advisor, f"approved: {credit_words(granted)}, {award.grading_basis}", step)
    return award


def deny_request(
    session: Session,
    request: CreditRequest,
    advisor: Person,
    comment: str,
    *,
    expected_version: int | None = None,
    step: StepContext | None = None,
) -> None:
    """Deny the request; the comment says why."""
    _decide_with_comment(session, request, advisor, comment, RequestState.DENIED, expected_version, step)


def return_request(
    session: Session,
    request: CreditRequest,
    advisor: Person,
    comment: str,
    *,
    expected_version: int | None = None,
    step: StepContext | None = None,
) -> None:
    """Send the request back to the student to change and resubmit; the comment says what."""
    _decide_with_comment(session, request, advisor, comment, RequestState.RETURNED, expected_version, step)


def _decide_with_comment(
    session: Session,
    request: CreditRequest,
    advisor: Person,
    comment: str,
    to: RequestState,
    expected_version: int | None,
    step: StepContext | None = None,
) -> None:
    if step is None:
        _require_advisor(session, advisor, request)
    _decide_on_current_data(session, request)
    _check_decidable(request, expected_version)
    comment = (comment or "").strip()
    if not comment:
        verb = "deny" if to is RequestState.DENIED else "return"
        raise ValidationFailed(
            "Please correct the marked fields.",
            {"comment": f"Write a comment: the student needs to know why you {verb} the request."},
        )
    request.reduction_reason = None
    _decide(session, request, to, advisor, comment, {}, step)
    _tell_student(session, request, advisor, to.value, step)


def _tell_student(
    session: Session, request: CreditRequest, advisor: Person, outcome: str, step: StepContext | None = None
) -> None:
    rule = request.rule
    student = request.student
    base = current_app.config["PUBLIC_URL"]
    who = step.actor.label if step else advisor.display_name
    lines = [
        f"Hello {student.display_name},",
        "",
        f"{who} has decided on your request for credit in {rule.course_label} "
        f"{rule.course_title} ({request.term}): {outcome}.",
    ]
    if request.reduction_reason:
        lines += ["", f"Why fewer credits: {request.reduction_reason}"]
    if request.decision_comment:
        lines += ["", f"Comment: {request.decision_comment}"]
    if request.state is RequestState.RETURNED:
        lines += ["", "You can change the request and submit it again."]
    lines += ["", f"See the request: {base}/credits/requests/{request.id}", ""]
    queue_message(
        session,
        to=student.email,
        subject=f"Credit request {request.state.value}: {rule.course_label}",
        text="\n".join(lines),
        kind=f"credits.request_{request.state.value}",
    )
