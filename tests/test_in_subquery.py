"""`careercenter.db.in_subquery`: every value the subquery gives, on PostgreSQL as `= ANY(ARRAY(…))`
(the form its planner looks up by index) and elsewhere as `IN (…)`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from careercenter.db import in_subquery
from careercenter.sso.models import AdvisorAssignment, Person


def test_every_value_of_the_subquery_counts(session: Any, make_student: Any, make_advisor: Any) -> None:
    advised = [make_student(campus_id=f"IS{i}") for i in range(3)]
    other = make_student(campus_id="IS9")
    advisor = make_advisor(advised)
    make_advisor([other])
    session.flush()
    students = sa.select(AdvisorAssignment.student_id).where(AdvisorAssignment.advisor_id == advisor.id)
    query = sa.select(Person.id).where(in_subquery(Person.id, students), Person.is_active.is_(True))
    assert sorted(session.scalars(query)) == sorted(p.id for p in advised)
    assert session.scalars(sa.select(Person.id).where(~in_subquery(Person.id, students))).all().count(other.id) == 1
    sql = " ".join(str(query.compile(session.get_bind())).split())
    if session.get_bind().dialect.name == "postgresql":
        assert "people.id = ANY(ARRAY(SELECT advisor_assignments.student_id FROM" in sql
    else:
        assert "(people.id IN (SELECT advisor_assignments.student_id FROM" in sql
