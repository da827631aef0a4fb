"""/me/shares and the recipient's page: SQL queries do not grow with the links or records shown."""

from __future__ import annotations

import re
from typing import Any

from careercenter.extensions import db
from careercenter.sharing import service
from tests.test_query_counts import count_queries


def _student_with_credentials(n: int, client: Any, login: Any, make_student: Any, verified: Any) -> tuple[Any, list]:
    student = make_student()
    for i in range(n):
        verified(student, employer=f"Employer {i}", title=f"Project {i}")
    login(student)
    client.get("/me/credentials")  # issues them
    _, credentials = service.shareable(db.session, student)
    return student, credentials


def test_my_shares_and_the_shared_page_do_not_grow(
    client: Any, login: Any, session: Any, make_student: Any, verified: Any
) -> None:
    mine, shared = {}, {}
    for n in (3, 30):
        student, credentials = _student_with_credentials(n, client, login, make_student, verified)
        token = ""
        for _ in range(n):
            made = service.create_share(
                session,
                student,
                service.ShareRequest(
                    "Northwind", "Application", None, [c.id for c in credentials], 30, student.display_name
                ),
            )
            token = made.token
        session.commit()
        client.get("/me/shares")
        with count_queries() as statements:
            assert client.get("/me/shares").status_code == 200
        mine[n] = len(statements)
        client.post("/logout")
        client.get(f"/shared/{token}")
        with count_queries() as statements:
            page = client.get(f"/shared/{token}")
        assert page.status_code == 200 and len(re.findall("badge-issued", page.get_data(as_text=True))) == n
        shared[n] = len(statements)
    assert mine[3] == mine[30], mine
    assert shared[3] == shared[30], shared
