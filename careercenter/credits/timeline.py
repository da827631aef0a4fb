"""A request's route as a timeline: each step of each pass, who may decide it, who decided,
when, and the comment — the same for the student, the approvers and registrar staff."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from careercenter.credits import waits
from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait
from careercenter.credits.eligibility import delegates_of, people_for
from careercenter.credits.models import CreditRequest
from careercenter.credits.routes import StepKind, StepSpec
from careercenter.credits.rules import RuleSpec
from careercenter.errors import ValidationFailed
from careercenter.sso.models import Person, Role


@dataclass
class TimelineStep:
    number: int
    step: StepSpec
    decision: ApprovalDecision | None = None
    wait: ApprovalWait | None = None
    #: For the step waited at: who may decide it now ("Raj Patel", "Dana Whitfield (for Raj Patel)").
    deciders: list[str] | None = None

    @property
    def status(self) -> str:
        if self.decision is not None:
            return self.decision.decision.value
        return "waiting" if self.wait is not None else "not reached"


@dataclass
class TimelinePass:
    number: int
    steps: list[TimelineStep]


def timeline(session: Session, request: CreditRequest) -> list[TimelinePass]:
    """Every pass of the request through its route, the current one last."""
    steps = waits.route(request)
    decisions = list(
        session.execute(
            sa.select(ApprovalDecision)
            .where(ApprovalDecision.request_id == request.id)
            .options(selectinload(ApprovalDecision.decided_by), selectinload(ApprovalDecision.on_behalf_of))
            .order_by(ApprovalDecision.pass_no, ApprovalDecision.step_index)
        ).scalars()
    )
    wait = session.get(ApprovalWait, request.id)
    numbers = sorted({d.pass_no for d in decisions} | ({wait.pass_no} if wait else set())) or [1]
    out = []
    for number in numbers:
        row = [TimelineStep(i + 1, step) for i, step in enumerate(steps)]
        for decision in decisions:
            if decision.pass_no == number and decision.step_index < len(row):
                row[decision.step_index].decision = decision
        if wait is not None and wait.pass_no == number and wait.step_index < len(row):
            item = row[wait.step_index]
            item.wait = wait
            item.deciders = _deciders(session, request, wait)
        out.append(TimelinePass(number, row))
    return out


def _deciders(session: Session, request: CreditRequest, wait: ApprovalWait) -> list[str]:
    people = people_for(session, wait.kind, wait.pool, wait.match_program, request)
    names = [p.display_name for p in people]
    names += [f"{d.display_name} (for {away.display_name})" for d, away in delegates_of(session, people, wait.kind)]
    if wait.escalated_at is not None and wait.escalate_to:
        kind = StepKind.REGISTRAR if wait.escalate_to == "registrar" else StepKind.POOL
        pool = None if kind is StepKind.REGISTRAR else wait.escalate_to.removeprefix("pool:")
        names += [f"{p.display_name} (escalated)" for p in people_for(session, kind, pool, False, request)]
    return names


def needs_sponsor(rule_definition: dict[str, object]) -> bool:
    """Whether a rule's route has a `sponsor` step (the student names a faculty sponsor)."""
    route = RuleSpec.from_definition(rule_definition).route  # type: ignore[arg-type]
    return any(step.kind is StepKind.SPONSOR for step in route)


def choose_sponsor(
    session: Session, rule_definition: dict[str, object], campus_id: str | None, student: Person
) -> Person | None:
    """The sponsor a student named for a rule whose route has a `sponsor` step (None otherwise)."""
    if not needs_sponsor(rule_definition):
        return None
    sponsor = None
    if campus_id:
        sponsor = session.execute(sa.select(Person).where(Person.campus_id == campus_id.strip())).scalar_one_or_none()
    if sponsor is None or not sponsor.is_active or not sponsor.has_role(Role.FACULTY) or sponsor.id == student.id:
        raise ValidationFailed(
            "Please correct the marked fields.",
            {"sponsor": "This rule's route needs a faculty sponsor: choose one from the list."},
        )
    return sponsor


def faculty(session: Session) -> list[Person]:
    """Everyone a student may name as sponsor."""
    return people_for(session, StepKind.SPONSOR, None, False)
