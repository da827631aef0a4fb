"""careercenter.pagedata: a student's experiences and requests read once in a request that reads,
and fresh each time in one that writes."""

from __future__ import annotations

from typing import Any

from careercenter import pagedata
from tests.test_query_counts import count_queries


def test_read_once_in_a_get_fresh_in_a_post(app: Any, session: Any, make_student: Any, make_experience: Any) -> None:
    student = make_student()
    make_experience(student)
    session.commit()
    with app.test_request_context("/student", method="GET"), count_queries() as statements:
        first = pagedata.student_experiences(session, student)
        assert pagedata.student_experiences(session, student) is first and len(first) == 1
        pagedata.student_requests(session, student)
        pagedata.student_requests(session, student)
    assert len([s for s in statements if "FROM experiences" in s]) == 1
    assert len([s for s in statements if "FROM credit_requests" in s]) == 1

    with app.test_request_context("/experiences", method="POST"), count_queries() as statements:
        first = pagedata.student_experiences(session, student)
        make_experience(student)  # a write between two reads: the second sees it
        assert len(pagedata.student_experiences(session, student)) == len(first) + 1
    assert len([s for s in statements if "FROM experiences" in s]) == 2
