"""The approver's queue (`/approvals`): requests waiting at steps I may decide — mine and those
of people away who named me — searched, filtered and sorted; and the steps I decided.

A fixed number of queries whatever the page size (asserted in tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, selectinload

from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait, StepDecision
from careercenter.credits.eligibility import decidable_clause
from careercenter.credits.models import CreditRequest, CreditRule, RequestState, request_experiences
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


@dataclass
class QueuePage(Page):
    """A page of the queue: its requests, and, read in the same query, the step each waits at and
    how many micro-internships each counts."""

    waits: dict[int, ApprovalWait] = field(default_factory=dict)
    experience_counts: dict[int, int] = field(default_factory=dict)


def waiting(
    session: Session,
    person: Person,
    filters: QueueFilters,
    *,
    page: int = 1,
    per_page: int = 20,
    decidable: sa.ColumnElement[bool] | None = None,
    total: int | None = None,
) -> QueuePage:
    """One page of the requests waiting at a step `person` may decide (`total`: how many there
    are, when the caller counted them already — `filter_options` does)."""
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
    experience_count = (
        sa.select(sa.func.count())
        .select_from(request_experiences)
        .where(request_experiences.c.request_id == CreditRequest.id)
        .scalar_subquery()
    )
    found = paginate(
        session,
        query.add_columns(ApprovalWait, experience_count),
        options=[
            # the page shows the students' names, not their roles: no query for those
            contains_eager(CreditRequest.student).lazyload(Person.role_grants),
            # nor the rule's definition (a JSON document a row)
            contains_eager(CreditRequest.rule).defer(CreditRule.definition),
        ],
        order_by=_order(filters.sort if filters.sort in SORTS else "oldest"),
        page=page,
        per_page=per_page,
        total=total,
        rows=True,
    )
    return QueuePage(
        [r for r, _, _ in found.items],
        found.total,
        found.page,
        found.per_page,
        waits={r.id: wait for r, wait, _ in found.items},
        experience_counts={r.id: n for r, _, n in found.items},
    )


def filter_options(
    session: Session, person: Person, filters: QueueFilters, decidable: sa.ColumnElement[bool] | None = None
) -> tuple[dict[str, list[str]], int | None]:
    """The terms, rule codes, programs and step labels present in `person`'s queue, and how many
    of its requests `filters` keep — one statement, its rows counted by those four — or None for
    the count when the filters search by name (`waiting` counts those)."""
    groups = (CreditRequest.term, CreditRule.code, Person.program, ApprovalWait.step_label)
    rows = session.execute(
        _base(session, person, decidable).with_only_columns(*groups, sa.func.count()).group_by(*groups)
    ).all()
    options = {
        "terms": sorted({r[0] for r in rows}),
        "rules": sorted({r[1] for r in rows}),
        "programs": sorted({r[2] for r in rows if r[2]}),
        "steps": sorted({r[3] for r in rows}),
    }
    if filters.q:
        return options, None
    wanted = (filters.term, filters.rule, filters.program, filters.step)
    kept = (n for *values, n in rows if all(w is None or w == v for w, v in zip(wanted, values, strict=True)))
    return options, sum(kept)


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
