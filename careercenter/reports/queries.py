"""Every report figure as one aggregate query (GROUP BY in the database, never rows in Python).

Each function takes a session and a `Scope` (the period and an optional program) and returns a
`Table`. Percentiles use PostgreSQL's `percentile_disc`; SQLite has none, so there the same
nearest-rank value is picked with the `cume_dist()` window function — both answer the smallest
value whose cumulative share reaches the percentile. The credit requests' funnel and turnaround
are in `careercenter.reports.funnel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.credits.models import AwardStatus, CreditAward, CreditRule
from careercenter.internships.models import Experience, ExperienceState, SignoffRequest
from careercenter.reports.tables import Table
from careercenter.reports.terms import Period
from careercenter.sso.models import ClassLevel, Person

#: Awards that still count: not rescinded, not refused by the registrar's system.
COUNTING_AWARDS = (AwardStatus.PENDING, AwardStatus.POSTED)
NO_PROGRAM = "(no program)"


@dataclass(frozen=True)
class Scope:
    period: Period
    program: str | None = None

    def students(self, person_column: Any) -> sa.ColumnElement[bool]:
        """Restrict to students of the chosen program (all students when none is chosen)."""
        if self.program is None:
            return sa.true()
        return person_column.in_(sa.select(Person.id).where(Person.program == self.program))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def days_between(session: Session, later: Any, earlier: Any) -> sa.ColumnElement[Any]:
    """Fractional days from `earlier` to `later`, in SQL."""
    if _dialect(session) == "postgresql":
        return sa.func.extract("epoch", later - earlier) / 86400.0
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def percentiles(
    session: Session, base: sa.Select[Any], fractions: Sequence[float] = (0.5, 0.9)
) -> dict[Any, tuple[int, list[float | None]]]:
    """Per group of `base` (columns `grp`, `value`): the row count and each percentile."""
    sub = base.subquery()
    if _dialect(session) == "postgresql":
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


def _award_base(scope: Scope) -> list[sa.ColumnElement[bool]]:
    return [
        CreditAward.term.in_(scope.period.terms),
        CreditAward.status.in_(COUNTING_AWARDS),
        scope.students(CreditAward.student_id),
    ]


def _verified_base(scope: Scope) -> list[sa.ColumnElement[bool]]:
    return [
        Experience.state == ExperienceState.VERIFIED,
        scope.period.covers(Experience.end_date),
        scope.students(Experience.student_id),
    ]


def credits_by_term(session: Session, scope: Scope) -> Table:
    awards = dict(
        (term, (credits, students))
        for term, credits, students in session.execute(
            sa.select(
                CreditAward.term, sa.func.sum(CreditAward.credits), sa.func.count(CreditAward.student_id.distinct())
            )
            .where(*_award_base(scope))
            .group_by(CreditAward.term)
        )
    )
    term = scope.period.term_of(Experience.end_date)
    hours = dict(
        (t, (h, s))
        for t, h, s in session.execute(
            sa.select(term, sa.func.sum(Experience.verified_hours), sa.func.count(Experience.student_id.distinct()))
            .where(*_verified_base(scope))
            .group_by(term)
        )
    )
    rows: list[list[Any]] = []
    for t in scope.period.terms:
        credits, awarded = awards.get(t, (Decimal(0), 0))
        verified, working = hours.get(t, (Decimal(0), 0))
        rows.append([t, Decimal(credits or 0), awarded, Decimal(verified or 0), working])
    return Table(
        "credits-by-term",
        ["Term", "Credits awarded", "Students awarded credit", "Verified hours", "Students with verified hours"],
        rows,
        student_columns=(2, 4),
        guards={1: 2, 3: 4},
    )


def credits_by_program(session: Session, scope: Scope) -> Table:
    program = sa.func.coalesce(Person.program, NO_PROGRAM)
    awards = {
        p: (c, s)
        for p, c, s in session.execute(
            sa.select(program, sa.func.sum(CreditAward.credits), sa.func.count(CreditAward.student_id.distinct()))
            .join(Person, Person.id == CreditAward.student_id)
            .where(*_award_base(scope))
            .group_by(program)
        )
    }
    hours = {
        p: (h, s)
        for p, h, s in session.execute(
            sa.select(program, sa.func.sum(Experience.verified_hours), sa.func.count(Experience.student_id.distinct()))
            .join(Person, Person.id == Experience.student_id)
            .where(*_verified_base(scope))
            .group_by(program)
        )
    }
    rows: list[list[Any]] = []
    for p in sorted(set(awards) | set(hours)):
        credits, awarded = awards.get(p, (0, 0))
        verified, working = hours.get(p, (0, 0))
        rows.append([p, Decimal(credits or 0), awarded, Decimal(verified or 0), working])
    return Table(
        "credits-by-program",
        ["Program", "Credits awarded", "Students awarded credit", "Verified hours", "Students with verified hours"],
        rows,
        student_columns=(2, 4),
        guards={1: 2, 3: 4},
    )


def credits_by_rule(session: Session, scope: Scope) -> Table:
    course = CreditRule.course_subject + " " + CreditRule.course_number
    query = (
        sa.select(
            CreditRule.code,
            course.label("course"),
            sa.func.count(CreditAward.id),
            sa.func.sum(CreditAward.credits),
            sa.func.count(CreditAward.student_id.distinct()),
        )
        .join(CreditRule, CreditRule.id == CreditAward.rule_id)
        .where(*_award_base(scope))
        .group_by(CreditRule.code, course)
        .order_by(CreditRule.code)
    )
    rows = [[code, label, n, Decimal(c or 0), s] for code, label, n, c, s in session.execute(query)]
    return Table(
        "credits-by-rule",
        ["Rule", "Course", "Awards", "Credits awarded", "Students awarded credit"],
        rows,
        label_columns=2,
        student_columns=(4,),
    )


def top_employers(session: Session, scope: Scope, *, by: str = "experiences", limit: int = 10) -> Table:
    experiences = sa.func.count(Experience.id)
    hours = sa.func.sum(Experience.verified_hours)
    query = (
        sa.select(Experience.employer, experiences, hours, sa.func.count(Experience.student_id.distinct()))
        .where(*_verified_base(scope))
        .group_by(Experience.employer)
        .order_by((hours if by == "hours" else experiences).desc(), Experience.employer)
        .limit(limit)
    )
    rows = [[e, n, Decimal(h or 0), s] for e, n, h, s in session.execute(query)]
    return Table(
        f"top-employers-by-{by}",
        ["Employer", "Verified experiences", "Verified hours", "Students"],
        rows,
        student_columns=(3,),
    )


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


def skill_ratings(session: Session, scope: Scope) -> Table:
    """How supervisors rated each skill: the number of ratings at each level 1–5."""
    if _dialect(session) == "postgresql":
        pairs = sa.func.json_each_text(Experience.skill_ratings).table_valued("key", "value").render_derived()
        level = sa.cast(pairs.c.value, sa.Integer)
    else:
        pairs = sa.func.json_each(Experience.skill_ratings).table_valued("key", "value")
        level = sa.cast(pairs.c.value, sa.Integer)
    query = (
        sa.select(pairs.c.key, level, sa.func.count())
        .select_from(Experience)
        .join(pairs, sa.true())
        .where(*_verified_base(scope), Experience.skill_ratings.is_not(None))
        .group_by(pairs.c.key, level)
    )
    counts: dict[str, list[int]] = {}
    for skill, rating, n in session.execute(query):
        if rating in (1, 2, 3, 4, 5):
            counts.setdefault(skill, [0] * 5)[rating - 1] += n
    rows = [[skill.capitalize(), *levels, sum(levels)] for skill, levels in sorted(counts.items())]
    return Table("skill-ratings", ["Skill", "1", "2", "3", "4", "5", "Ratings"], rows)


def students_served(session: Session, scope: Scope) -> Table:
    """Distinct students with a micro-internship ending in the period, by program and class level."""
    program = sa.func.coalesce(Person.program, NO_PROGRAM)
    query = (
        sa.select(program, Person.class_level, sa.func.count(Experience.student_id.distinct()))
        .join(Person, Person.id == Experience.student_id)
        .where(
            scope.period.covers(Experience.end_date),
            Experience.state != ExperienceState.DRAFT,
            scope.students(Experience.student_id),
        )
        .group_by(program, Person.class_level)
    )
    levels: list[ClassLevel | None] = [*ClassLevel, None]
    cells: dict[str, list[int]] = {}
    for prog, level, n in session.execute(query):
        cells.setdefault(prog, [0] * len(levels))[levels.index(ClassLevel(level) if level else None)] += n
    rows = [[prog, *values] for prog, values in sorted(cells.items())]
    names = [level.value.capitalize() if level else "Class level not recorded" for level in levels]
    columns = ["Program", *[f"{name} students" for name in names]]
    return Table("students-served", columns, rows, student_columns=tuple(range(1, len(columns))))
