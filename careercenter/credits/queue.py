"""The advisor's queue: submitted requests of the advisor's students, filters and counts."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, selectinload

from careercenter.credits.models import CreditRequest, CreditRule, RequestState
from careercenter.db import Page, paginate
from careercenter.sso.models import AdvisorAssignment, Person


def advisor_queue(
    session: Session,
    advisor: Person,
    *,
    term: str | None = None,
    rule_code: str | None = None,
    program: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    """Submitted requests of the advisor's students, oldest first, one page of them.

    A fixed number of queries whatever the page size: the student and rule come joined,
    the experiences in one `selectin` query.
    """
    base = (
        sa.select(CreditRequest)
        .join(AdvisorAssignment, AdvisorAssignment.student_id == CreditRequest.student_id)
        .join(Person, Person.id == CreditRequest.student_id)
        .join(CreditRule, CreditRule.id == CreditRequest.rule_id)
        .where(AdvisorAssignment.advisor_id == advisor.id, CreditRequest.state == RequestState.SUBMITTED)
    )
    if term:
        base = base.where(CreditRequest.term == term)
    if rule_code:
        base = base.where(CreditRule.code == rule_code)
    if program:
        base = base.where(Person.program == program)
    return paginate(
        session,
        base,
        options=[
            contains_eager(CreditRequest.student),
            contains_eager(CreditRequest.rule),
            selectinload(CreditRequest.experiences),
        ],
        order_by=[CreditRequest.submitted_at, CreditRequest.id],
        page=page,
        per_page=per_page,
    )


def queue_filters(session: Session, advisor: Person) -> dict[str, list[str]]:
    """The terms, rule codes and programs present among the advisor's students' requests."""
    base = (
        sa.select(CreditRequest.term, CreditRule.code, Person.program)
        .join(AdvisorAssignment, AdvisorAssignment.student_id == CreditRequest.student_id)
        .join(Person, Person.id == CreditRequest.student_id)
        .join(CreditRule, CreditRule.id == CreditRequest.rule_id)
        .where(AdvisorAssignment.advisor_id == advisor.id, CreditRequest.state == RequestState.SUBMITTED)
        .distinct()
    )
    rows = session.execute(base).all()
    return {
        "terms": sorted({r[0] for r in rows}),
        "rules": sorted({r[1] for r in rows}),
        "programs": sorted({r[2] for r in rows if r[2]}),
    }


def queue_count(session: Session, advisor: Person) -> tuple[int, int]:
    """(submitted requests waiting, of which eligible) for the advisor's home panel."""
    row = session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(CreditRequest.is_eligible.is_(True)))
        .select_from(CreditRequest)
        .join(AdvisorAssignment, AdvisorAssignment.student_id == CreditRequest.student_id)
        .where(AdvisorAssignment.advisor_id == advisor.id, CreditRequest.state == RequestState.SUBMITTED)
    ).one()
    return int(row[0]), int(row[1])
