"""Every report figure as one aggregate query (GROUP BY in the database, never rows in Python).

Each function takes a session and a `Scope` (the period and an optional program) and returns a
`Table`. Percentiles use PostgreSQL's `percentile_disc`; SQLite has none, so there the same
nearest-rank value is picked with the `cume_dist()` window function — both answer the smallest
value whose cumulative share reaches the percentile. The credit requests' funnel and turnaround
are in `careercenter.reports.funnel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.credits.models import AwardStatus
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
