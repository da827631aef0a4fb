"""The credit requests' way through their approval routes: the funnel by term and by route step
(withdrawn requests included), and how long each step took to decide. Each function takes a
session and a `Scope` and returns a `Table`, like `careercenter.reports.queries`.

A request withdrawn while it waited at a step has that step's one `ApprovalDecision` row, with
`StepDecision.WITHDRAWN` (`careercenter.credits.withdrawal`): the funnel by step counts it there;
turnaround leaves it out, since no approver took that time to decide.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait, StepDecision
from careercenter.credits.models import CreditRequest, RequestState
from careercenter.reports.queries import Scope, days_between, percentiles
from careercenter.reports.tables import Table


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
            count_in(RequestState.WITHDRAWN),
        )
        .where(
            CreditRequest.term.in_(scope.period.terms),
            CreditRequest.submitted_at.is_not(None),
            scope.students(CreditRequest.student_id),
        )
        .group_by(CreditRequest.term)
    )
    found = {row[0]: [int(v or 0) for v in row[1:]] for row in session.execute(query)}
    rows = [[t, *found.get(t, [0] * 6)] for t in scope.period.terms]
    return Table(
        "request-funnel", ["Term", "Submitted", "Waiting", "Approved", "Returned", "Denied", "Withdrawn"], rows
    )


def funnel_by_step(session: Session, scope: Scope) -> Table:
    """For each route step: requests waiting there now, the decisions it made, and the requests
    their students withdrew while they waited there."""

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
            count(StepDecision.WITHDRAWN),
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
    for label, index, *counts in decided:
        rows[label] = [index, 0, *(int(n or 0) for n in counts)]
    for label, index, n in waiting:
        rows.setdefault(label, [index, 0, 0, 0, 0, 0])[1] = n
    ordered = sorted(rows.items(), key=lambda item: (item[1][0], item[0]))
    return Table(
        "request-funnel-steps",
        ["Step", "Waiting", "Approved", "Returned", "Denied", "Withdrawn"],
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
        .where(
            CreditRequest.term.in_(scope.period.terms),
            scope.students(CreditRequest.student_id),
            ApprovalDecision.decision != StepDecision.WITHDRAWN,
        )
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
