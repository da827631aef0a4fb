"""Every report figure as one aggregate query (GROUP BY in the database, never rows in Python).

Each function takes a session and a `Scope` (the period and an optional program) and returns a
`Table`. Percentiles use PostgreSQL's `percentile_disc`; SQLite has none, so there the same
nearest-rank value is picked with the `cume_dist()` window function — both answer the smallest
value whose cumulative share reaches the percentile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait, StepDecision
from careercenter.credits.models import AwardStatus, CreditRequest, RequestState
from careercenter.internships.models import Experience, SignoffRequest
from careercenter.reports.tables import Table
from careercenter.reports.terms import Period
from careercenter.sso.models import Person

#: Awards that still count: not rescinded, not refused by the registrar's system.
COUNTING_AWARDS = (AwardStatus.PENDING, AwardStatus.POSTED)
NO_PROGRAM = "(no program)"


@dataclass(frozen=True)
class Scope:
    period: Period
    program: str | None = None
    #: Figures two reports share, computed once for the page (a page makes one Scope).
    figures: dict[Any, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def students(self, person_column: Any) -> sa.ColumnElement[bool]:
        """Restrict to students of the chosen program (all students when none is chosen)."""
        if self.program is None:
            return sa.true()
        return person_column.in_(sa.select(Person.id).where(Person.program == self.program))


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def days_between(session: Session, later: Any, earlier: Any) -> sa.ColumnElement[Any]:
    """Fractional days from `earlier` to `later`, in SQL."""
    if dialect(session) == "postgresql":
        return sa.func.extract("epoch", later - earlier) / 86400.0
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def percentiles(
    session: Session, base: sa.Select[Any], fractions: Sequence[float] = (0.5, 0.9)
) -> dict[Any, tuple[int, list[float | None]]]:
    """Per group of `base` (columns `grp`, `value`): the row count and each percentile."""
    sub = base.subquery()
    if dialect(session) == "postgresql":
        figures = [sa.func.percentile_disc(f).within_group(sub.c.value) for f in fractions]
        query = sa.select(sub.c.grp, sa.func.count(), *figures).group_by(sub.c.grp)
    else:
        ranked = sa.select(
            sub.c.grp,
            sub.c.value,
            sa.func.cume_dist().over(partition_by=sub.c.grp, order_by=sub.c.value).label("share"),
        ).subquery()
        figures = [sa.func.min(sa.case((ranked.c.share >= f, ranked.c.value))) for f in fractions]
        query = sa.select(ranked.c.grp, sa.func.count(), *figures).group_by(ranked.c.grp)
    return {
        grp: (count, [None if v is None else round(float(v), 1) for v in values])
        for grp, count, *values in session.execute(query)
    }


def request_funnel(session: Session, scope: Scope) -> Table:
    """Requests of each term by how far they got: submitted, then each outcome."""

    def count_in(*states: RequestState) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((CreditRequest.state.in_(states), 1), else_=0))

    query = (
        sa.select(
            CreditRequest.term,
            sa.func.count(CreditRequest.id),
            count_in(RequestState.SUBMITTED),
            count_in(RequestState.APPROVED),
            count_in(RequestState.RETURNED),
            count_in(RequestState.DENIED),
        )
        .where(
            CreditRequest.term.in_(scope.period.terms),
            CreditRequest.submitted_at.is_not(None),
            scope.students(CreditRequest.student_id),
        )
        .group_by(CreditRequest.term)
    )
    found = {row[0]: [int(v or 0) for v in row[1:]] for row in session.execute(query)}
    rows = [[t, *found.get(t, [0, 0, 0, 0, 0])] for t in scope.period.terms]
    return Table("request-funnel", ["Term", "Submitted", "Waiting", "Approved", "Returned", "Denied"], rows)


def funnel_by_step(session: Session, scope: Scope) -> Table:
    """For each route step: requests waiting there now, and the decisions it made."""

    def count(decision: StepDecision) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((ApprovalDecision.decision == decision, 1), else_=0))

    in_scope = [CreditRequest.term.in_(scope.period.terms), scope.students(CreditRequest.student_id)]
    decided = session.execute(
        sa.select(
            ApprovalDecision.step_label,
            sa.func.min(ApprovalDecision.step_index),
            count(StepDecision.APPROVED),
            count(StepDecision.RETURNED),
            count(StepDecision.DENIED),
        )
        .join(CreditRequest, CreditRequest.id == ApprovalDecision.request_id)
        .where(*in_scope)
        .group_by(ApprovalDecision.step_label)
    ).all()
    waiting = session.execute(
        sa.select(ApprovalWait.step_label, sa.func.min(ApprovalWait.step_index), sa.func.count())
        .join(CreditRequest, CreditRequest.id == ApprovalWait.request_id)
        .where(*in_scope)
        .group_by(ApprovalWait.step_label)
    ).all()
    rows: dict[str, list[Any]] = {}
    for label, index, approved, returned, denied in decided:
        rows[label] = [index, 0, int(approved or 0), int(returned or 0), int(denied or 0)]
    for label, index, n in waiting:
        rows.setdefault(label, [index, 0, 0, 0, 0])[1] = n
    ordered = sorted(rows.items(), key=lambda item: (item[1][0], item[0]))
    return Table(
        "request-funnel-steps",
        ["Step", "Waiting", "Approved", "Returned", "Denied"],
        [[label, *values[1:]] for label, values in ordered],
    )


def _turnaround_base(session: Session, scope: Scope) -> sa.Select[Any]:
    """Each step decision and the days it took: from the step before's decision (or the
    submission, for a pass's first step) to its own."""
    reached = sa.func.lag(ApprovalDecision.decided_at).over(
        partition_by=(ApprovalDecision.request_id, ApprovalDecision.pass_no), order_by=ApprovalDecision.step_index
    )
    steps = (
        sa.select(
            ApprovalDecision.step_label.label("label"),
            ApprovalDecision.decided_at.label("decided_at"),
            sa.func.coalesce(reached, CreditRequest.submitted_at).label("reached_at"),
        )
        .join(CreditRequest, CreditRequest.id == ApprovalDecision.request_id)
        .where(CreditRequest.term.in_(scope.period.terms), scope.students(CreditRequest.student_id))
        .subquery()
    )
    return sa.select(
        steps.c.label.label("grp"), days_between(session, steps.c.decided_at, steps.c.reached_at).label("value")
    ).where(steps.c.reached_at.is_not(None))


def turnaround(session: Session, scope: Scope) -> Table:
    """Days from reaching a step to its decision: median and 90th percentile, per step and overall."""
    base = _turnaround_base(session, scope)
    per_step = percentiles(session, base)
    overall = percentiles(session, sa.select(sa.literal("Overall").label("grp"), base.subquery().c.value))
    rows: list[list[Any]] = []
    for grp, (count, (median, p90)) in [*sorted(per_step.items()), *overall.items()]:
        rows.append([grp, count, median, p90])
    return Table("turnaround", ["Step", "Decisions", "Median days", "90th percentile days"], rows)


def supervisors(session: Session, scope: Scope) -> Table:
    """Sign-off requests of each term: how many were answered, how fast, how many disputed."""
    term = scope.period.term_of(sa.func.date(SignoffRequest.created_at))
    where = [
        scope.period.covers(sa.func.date(SignoffRequest.created_at)),
        scope.students(Experience.student_id),
    ]
    counts = session.execute(
        sa.select(
            term,
            sa.func.count(SignoffRequest.id),
            sa.func.count(SignoffRequest.used_at),
            sa.func.sum(sa.case((SignoffRequest.outcome == "disputed", 1), else_=0)),
        )
        .join(Experience, Experience.id == SignoffRequest.experience_id)
        .where(*where)
        .group_by(term)
    ).all()
    speed = percentiles(
        session,
        sa.select(
            term.label("grp"), days_between(session, SignoffRequest.used_at, SignoffRequest.created_at).label("value")
        )
        .join(Experience, Experience.id == SignoffRequest.experience_id)
        .where(*where, SignoffRequest.used_at.is_not(None)),
        (0.5,),
    )
    found = {t: (n, answered, int(disputed or 0)) for t, n, answered, disputed in counts}
    rows = []
    for t in scope.period.terms:
        n, answered, disputed = found.get(t, (0, 0, 0))
        median = speed.get(t, (0, [None]))[1][0]
        rows.append([t, n, answered, _share(answered, n), median, disputed, _share(disputed, answered)])
    return Table(
        "supervisors",
        [
            "Term",
            "Sign-off requests",
            "Answered",
            "Answered (%)",
            "Median days to answer",
            "Disputed",
            "Disputed (% of answered)",
        ],
        rows,
    )


def _share(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole` (one decimal), None when there is no whole."""
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1")) if whole else None
