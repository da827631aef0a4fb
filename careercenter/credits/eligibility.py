"""Who may decide a route's step: for one person and request (a decision), as SQL (the
approver's queue), as a list of people (the emails, `flask credits route-check`).

A person decides a step in their own right (the student's advisor, the named sponsor, a pool
member — of the student's program where the step says so —, registrar staff; once the step has
escalated, also its `escalate_to`), or as the delegate of someone who does and is away — if the
delegate themself holds the role that kind of step asks for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, lazyload

from careercenter.credits.approval_models import ApprovalWait, Delegation
from careercenter.credits.models import CreditRequest
from careercenter.credits.routes import StepKind
from careercenter.db import in_subquery, utcnow
from careercenter.sso.models import AdvisorAssignment, Person, PoolMembership, Role, RoleGrant
from careercenter.sso.service import advisee_ids, assignment

#: The role a person needs to decide (or, as a delegate, to stand in for) each kind of step.
ROLE_FOR_KIND = {
    StepKind.ADVISOR: Role.ADVISOR,
    StepKind.SPONSOR: Role.FACULTY,
    StepKind.POOL: Role.FACULTY,
    StepKind.REGISTRAR: Role.REGISTRAR,
}
#: Everyone who may decide some kind of step.
APPROVER_ROLES = (Role.ADVISOR, Role.FACULTY, Role.REGISTRAR)


@dataclass(frozen=True)
class Authority:
    """Why someone may decide a step: in their own right (`on_behalf_of` None) or for someone."""

    kind: StepKind
    on_behalf_of: Person | None = None


def is_approver(person: Person) -> bool:
    return person.has_role(*APPROVER_ROLES) or bool(person.pools)


def _targets(wait: ApprovalWait) -> list[tuple[StepKind, str | None, bool]]:
    """The (kind, pool, match_program) groups who may decide the step now."""
    out = [(wait.kind, wait.pool, wait.match_program)]
    if wait.escalated_at is not None and wait.escalate_to:
        if wait.escalate_to == "registrar":
            out.append((StepKind.REGISTRAR, None, False))
        else:
            out.append((StepKind.POOL, wait.escalate_to.removeprefix("pool:"), False))
    return out


def _fits(session: Session, person: Person, target: tuple[StepKind, str | None, bool], request: CreditRequest) -> bool:
    kind, pool, match_program = target
    if not person.is_active:
        return False
    if kind is StepKind.ADVISOR:
        return person.has_role(Role.ADVISOR) and assignment(session, person.id, request.student_id) is not None
    if kind is StepKind.SPONSOR:
        return person.has_role(Role.FACULTY) and request.sponsor_id == person.id
    if kind is StepKind.REGISTRAR:
        return person.has_role(Role.REGISTRAR)
    if pool not in person.pools:
        return False
    return not match_program or (person.program is not None and person.program == request.student.program)


def own_kind(session: Session, person: Person, request: CreditRequest, wait: ApprovalWait) -> StepKind | None:
    """The kind of step `person` decides this one as in their own right, or None."""
    if person.id == request.student_id:
        return None
    for target in _targets(wait):
        if _fits(session, person, target, request):
            return target[0]
    return None


def delegators_of(session: Session, delegate: Person, today: date | None = None) -> list[Person]:
    """The people away today who named `delegate` to decide for them."""
    today = today or utcnow().date()
    return list(
        session.execute(
            sa.select(Person)
            .join(Delegation, Delegation.person_id == Person.id)
            .where(Delegation.delegate_id == delegate.id, Delegation.starts_on <= today, Delegation.ends_on >= today)
            .order_by(Person.display_name)
        )
        .scalars()
        .unique()
    )


def authority(session: Session, person: Person, request: CreditRequest, wait: ApprovalWait) -> Authority | None:
    """Whether (and for whom) `person` may decide the step `request` waits at."""
    kind = own_kind(session, person, request, wait)
    if kind is not None:
        return Authority(kind)
    if not person.is_active or person.id == request.student_id:
        return None
    for away in delegators_of(session, person):
        kind = own_kind(session, away, request, wait)
        if kind is not None and person.has_role(ROLE_FOR_KIND[kind]):
            return Authority(kind, away)
    return None


# ---- the queue: one SQL condition for "waiting at a step I may decide" ---------------------------


def _principal_clause(principal: Person, kinds: Iterable[StepKind]) -> list[sa.ColumnElement[bool]]:
    kinds = set(kinds)
    student = aliased(Person)
    out: list[sa.ColumnElement[bool]] = []
    if StepKind.ADVISOR in kinds and principal.has_role(Role.ADVISOR):
        advised = in_subquery(CreditRequest.student_id, advisee_ids(principal.id))
        out.append(sa.and_(ApprovalWait.kind == StepKind.ADVISOR, advised))
    if StepKind.SPONSOR in kinds and principal.has_role(Role.FACULTY):
        out.append(sa.and_(ApprovalWait.kind == StepKind.SPONSOR, CreditRequest.sponsor_id == principal.id))
    registrar = StepKind.REGISTRAR in kinds and principal.has_role(Role.REGISTRAR)
    if registrar:
        out.append(ApprovalWait.kind == StepKind.REGISTRAR)
        out.append(sa.and_(ApprovalWait.escalated_at.is_not(None), ApprovalWait.escalate_to == "registrar"))
    if StepKind.POOL in kinds:
        for pool in sorted(principal.pools):
            same_program = (
                CreditRequest.student_id.in_(sa.select(student.id).where(student.program == principal.program))
                if principal.program
                else sa.false()
            )
            out.append(
                sa.and_(
                    ApprovalWait.kind == StepKind.POOL,
                    ApprovalWait.pool == pool,
                    sa.or_(ApprovalWait.match_program.is_(False), same_program),
                )
            )
            out.append(sa.and_(ApprovalWait.escalated_at.is_not(None), ApprovalWait.escalate_to == f"pool:{pool}"))
    return out


def decidable_clause(session: Session, person: Person) -> sa.ColumnElement[bool]:
    """A condition on (ApprovalWait joined to CreditRequest): the step is one `person` may decide,
    in their own right or for someone away who named them."""
    if not person.is_active:
        return sa.false()
    clauses = _principal_clause(person, StepKind)
    for away in delegators_of(session, person):
        kinds = [kind for kind, role in ROLE_FOR_KIND.items() if person.has_role(role)]
        clauses += _principal_clause(away, kinds)
    own = sa.or_(*clauses) if clauses else sa.false()
    return sa.and_(own, CreditRequest.student_id != person.id)


# ---- people: who is told, who could decide today ---------------------------------------------------


def _with_role(role: Role) -> sa.Select[tuple[Person]]:
    return (
        sa.select(Person)
        .join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(RoleGrant.role == role, Person.is_active.is_(True))
    )


def people_for(
    session: Session, kind: StepKind, pool: str | None, match_program: bool, request: CreditRequest | None = None
) -> list[Person]:
    """Everyone who may decide a step of this kind in their own right (for `request`, or any)."""
    if kind is StepKind.ADVISOR:
        query = _with_role(Role.ADVISOR)
        if request is not None:
            query = query.join(AdvisorAssignment, AdvisorAssignment.advisor_id == Person.id).where(
                AdvisorAssignment.student_id == request.student_id
            )
    elif kind is StepKind.SPONSOR:
        query = _with_role(Role.FACULTY)
        if request is not None:
            query = query.where(Person.id == (request.sponsor_id or -1))
    elif kind is StepKind.REGISTRAR:
        query = _with_role(Role.REGISTRAR)
    else:
        query = (
            sa.select(Person)
            .join(PoolMembership, PoolMembership.person_id == Person.id)
            .where(PoolMembership.pool == pool, Person.is_active.is_(True))
        )
        if match_program:
            query = query.where(Person.program.is_not(None))
            if request is not None:
                query = query.where(Person.program == request.student.program)
    if request is not None:
        query = query.where(Person.id != request.student_id)
    # Callers want names and addresses; the query itself checked the role: no query for roles.
    query = query.options(lazyload(Person.role_grants))
    return list(session.execute(query.order_by(Person.display_name)).scalars().unique())


def delegates_of(session: Session, people: Iterable[Person], kind: StepKind) -> list[tuple[Person, Person]]:
    """(delegate, away person) for those of `people` away today whose delegate may stand in."""
    today = utcnow().date()
    ids = [p.id for p in people]
    if not ids:
        return []
    rows = session.execute(
        sa.select(Delegation).where(
            Delegation.person_id.in_(ids), Delegation.starts_on <= today, Delegation.ends_on >= today
        )
    ).scalars()
    return [(d.delegate, d.person) for d in rows if d.delegate.is_active and d.delegate.has_role(ROLE_FOR_KIND[kind])]
