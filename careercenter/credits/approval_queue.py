"""The approver's queue (`/approvals`): requests waiting at steps I may decide — mine and those
of people away who named me — searched, filtered and sorted; and the steps I decided.

A fixed number of queries whatever the page size (asserted in tests)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, selectinload

from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait, StepDecision
from careercenter.credits.eligibility import decidable_clause
from careercenter.credits.models import CreditRequest, CreditRule, RequestState
from careercenter.db import Page, paginate
from careercenter.sso.models import Person

SORTS = {
    "oldest": "Oldest first",
    "newest": "Newest first",
    "credits": "Most credits first",
    "rule": "By rule",
}


@dataclass(frozen=True)
class QueueFilters:
    q: str | None = None
    term: str | None = None
    rule: str | None = None
    program: str | None = None
    step: str | None = None
    sort: str = "oldest"


def _base(
    session: Session, person: Person, decidable: sa.ColumnElement[bool] | None = None
) -> sa.Select[tuple[CreditRequest]]:
    """Submitted requests waiting at a step `person` may decide (`decidable`: the condition
    `decidable_clause` gave for them in this request, when the caller has it already)."""
    if decidable is None:
        decidable = decidable_clause(session, person)
    return (
        sa.select(CreditRequest)
        .join(ApprovalWait, ApprovalWait.request_id == CreditRequest.id)
        .join(Person, Person.id == CreditRequest.student_id)
        .join(CreditRule, CreditRule.id == CreditRequest.rule_id)
        .where(CreditRequest.state == RequestState.SUBMITTED, decidable)
    )


def _order(sort: str) -> list[sa.ColumnElement[object]]:
    if sort == "newest":
        return [CreditRequest.submitted_at.desc(), CreditRequest.id.desc()]
    if sort == "credits":
        return [CreditRequest.computed_credits.desc().nulls_last(), CreditRequest.submitted_at, CreditRequest.id]
    if sort == "rule":
        return [CreditRule.code, CreditRequest.submitted_at, CreditRequest.id]
    return [CreditRequest.submitted_at, CreditRequest.id]


def waiting(
    session: Session,
    person: Person,
    filters: QueueFilters,
    *,
    page: int = 1,
    per_page: int = 20,
    decidable: sa.ColumnElement[bool] | None = None,
) -> Page:
    """One page of the requests waiting at a step `person` may decide."""
    query = _base(session, person, decidable)
    if filters.q:
        like = f"%{filters.q.lower()}%"
        query = query.where(sa.or_(sa.func.lower(Person.display_name).like(like), Person.campus_id == filters.q))
    if filters.term:
        query = query.where(CreditRequest.term == filters.term)
    if filters.rule:
        query = query.where(CreditRule.code == filters.rule)
    if filters.program:
        query = query.where(Person.program == filters.program)
    if filters.step:
        query = query.where(ApprovalWait.step_label == filters.step)
    return paginate(
        session,
        query,
        options=[
            # the page shows the students' names, not their roles: no query for those
            contains_eager(CreditRequest.student).lazyload(Person.role_grants),
            contains_eager(CreditRequest.rule),
            selectinload(CreditRequest.experiences),
        ],
        order_by=_order(filters.sort if filters.sort in SORTS else "oldest"),
        page=page,
        per_page=per_page,
    )


def waits_for(session: Session, requests: list[CreditRequest]) -> dict[int, ApprovalWait]:
    """The step each of `requests` waits at (one query)."""
    ids = [r.id for r in requests] or [-1]
    return {
        w.request_id: w
        for w in session.execute(sa.select(ApprovalWait).where(ApprovalWait.request_id.in_(ids))).scalars()
    }


def filter_options(
    session: Session, person: Person, decidable: sa.ColumnElement[bool] | None = None
) -> dict[str, list[str]]:
    """The terms, rule codes, programs and step labels present in `person`'s queue."""
    rows = session.execute(
        _base(session, person, decidable)
        .with_only_columns(CreditRequest.term, CreditRule.code, Person.program, ApprovalWait.step_label)
        .distinct()
    ).all()
    return {
        "terms": sorted({r[0] for r in rows}),
        "rules": sorted({r[1] for r in rows}),
        "programs": sorted({r[2] for r in rows if r[2]}),
        "steps": sorted({r[3] for r in rows}),
    }


def counts(session: Session, person: Person) -> tuple[int, int]:
    """(requests waiting for `person`, of which eligible) for the home panel."""
    row = session.execute(
        _base(session, person).with_only_columns(
            sa.func.count(), sa.func.count().filter(CreditRequest.is_eligible.is_(True))
        )
    ).one()
    return int(row[0]), int(row[1])


def decided(session: Session, person: Person, *, page: int = 1, per_page: int = 20) -> Page:
    """The steps `person` decided (themself or for someone), newest first, with their requests."""
    query = (
        sa.select(ApprovalDecision)
        .join(CreditRequest, CreditRequest.id == ApprovalDecision.request_id)
        .join(Person, Person.id == CreditRequest.student_id)
        .join(CreditRule, CreditRule.id == CreditRequest.rule_id)
        .where(
            ApprovalDecision.decided_by_id == person.id,
            # a student's own withdrawal is not a decision they made as an approver
            ApprovalDecision.decision != StepDecision.WITHDRAWN,
        )
    )
    return paginate(
        session,
        query,
        options=[
            contains_eager(ApprovalDecision.request).contains_eager(CreditRequest.student),
            contains_eager(ApprovalDecision.request).contains_eager(CreditRequest.rule),
            selectinload(ApprovalDecision.on_behalf_of),
        ],
        order_by=[ApprovalDecision.decided_at.desc(), ApprovalDecision.id.desc()],
        page=page,
        per_page=per_page,
    )
