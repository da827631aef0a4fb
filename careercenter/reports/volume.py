"""The volume figures: credits and verified hours by term, program, rule and employer, the
supervisors' skill ratings and the students served — each one aggregate query over a period's
awards or experiences (see `queries` for the scope and the dialect helpers).

On PostgreSQL the experiences' reads are index-only scans of `ix_experiences_state_end_date`
(state, end date, and the student, hours and employer it carries).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.credits.models import CreditAward, CreditRule
from careercenter.employers.competencies import legacy_name
from careercenter.internships.models import Experience, ExperienceState
from careercenter.reports.queries import COUNTING_AWARDS, NO_PROGRAM, Scope, dialect
from careercenter.reports.tables import Table
from careercenter.sso.models import ClassLevel, Person


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


def _employer_figures(session: Session, scope: Scope, limit: int) -> list[sa.Row[Any]]:
    """The employers in either top list with both ranks, from one query made once per page."""
    key = ("top-employers", limit)
    if key not in scope.figures:
        per = (
            sa.select(
                Experience.employer.label("employer"),
                sa.func.count(Experience.id).label("n"),
                sa.func.coalesce(sa.func.sum(Experience.verified_hours), 0).label("h"),
                sa.func.count(Experience.student_id.distinct()).label("s"),
            )
            .where(*_verified_base(scope))
            .group_by(Experience.employer)
            .subquery()
        )
        ranked = sa.select(
            per,
            sa.func.row_number().over(order_by=(per.c.n.desc(), per.c.employer)).label("by_experiences"),
            sa.func.row_number().over(order_by=(per.c.h.desc(), per.c.employer)).label("by_hours"),
        ).subquery()
        either = sa.or_(ranked.c.by_experiences <= limit, ranked.c.by_hours <= limit)
        scope.figures[key] = list(session.execute(sa.select(ranked).where(either)))
    return scope.figures[key]


def top_employers(session: Session, scope: Scope, *, by: str = "experiences", limit: int = 10) -> Table:
    """The `limit` employers with the most verified experiences (or hours) in the period."""
    rank = "by_hours" if by == "hours" else "by_experiences"
    chosen = sorted(
        (r for r in _employer_figures(session, scope, limit) if r._mapping[rank] <= limit),
        key=lambda r: r._mapping[rank],
    )
    return Table(
        f"top-employers-by-{by}",
        ["Employer", "Verified experiences", "Verified hours", "Students"],
        [[r.employer, r.n, Decimal(r.h or 0), r.s] for r in chosen],
        student_columns=(3,),
    )


def skill_ratings(session: Session, scope: Scope) -> Table:
    """How supervisors rated each skill: the number of ratings at each level 1–5.

    Supervisors' rating documents repeat (a handful of skills, five levels), so the period's
    documents are counted first and only the distinct ones are taken apart into (skill, level).
    """
    document = sa.cast(Experience.skill_ratings, sa.Text)
    docs = (
        sa.select(document.label("doc"), sa.func.count().label("n"))
        .where(*_verified_base(scope), Experience.skill_ratings.is_not(None))
        .group_by(document)
        .subquery()
    )
    if dialect(session) == "postgresql":
        parsed = sa.cast(docs.c.doc, sa.JSON)
        pairs = sa.func.json_each_text(parsed).table_valued("key", "value").render_derived()
    else:
        pairs = sa.func.json_each(docs.c.doc).table_valued("key", "value")
    level = sa.cast(pairs.c.value, sa.Integer)
    query = sa.select(pairs.c.key, level, sa.func.sum(docs.c.n)).select_from(docs).join(pairs, sa.true())
    counts: dict[str, list[int]] = {}
    for skill, rating, n in session.execute(query.group_by(pairs.c.key, level)):
        if rating in (1, 2, 3, 4, 5):
            # Older records name the old global skills ("technical skill"): count them under the
            # competency they became ("Technology"), one row per competency.
            name = legacy_name(skill)
            counts.setdefault(name[:1].upper() + name[1:], [0] * 5)[rating - 1] += int(n)
    rows = [[skill, *levels, sum(levels)] for skill, levels in sorted(counts.items())]
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
