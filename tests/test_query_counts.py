"""Pages whose SQL query count must not grow with the rows they show (3 rows vs 30).

The advisor queue (tests/credits/test_requests.py), the experience list
(tests/internships/test_experiences.py) and the registrar API page (tests/registrar/test_api.py)
have their own such tests; these cover the student dashboard, the registrar's award list and the
development login's list of demo people.
Timings are never asserted here (bench/pages.py measures them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from careercenter.credits.models import AwardStatus
from careercenter.internships.models import ExperienceState
from careercenter.sso.models import Role
from tests.factories import build_award, build_rule


@contextmanager
def count_queries() -> Iterator[list[str]]:
    from careercenter.extensions import db

    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def _student_with(n: int, session: Any, make_student: Any, make_advisor: Any, make_experience: Any, rule: Any) -> Any:
    """A student with n draft and n verified experiences, and n awards (each from one request)."""
    student = make_student()
    approver = make_advisor([student])
    for i in range(n):
        make_experience(student, employer=f"Draft employer {i}")
        verified = make_experience(student, state=ExperienceState.VERIFIED, employer=f"Employer {i}")
        status = AwardStatus.POSTED if i % 2 else AwardStatus.PENDING
        build_award(session, student, [verified], rule, approver=approver, status=status)
    session.commit()
    return student


def test_student_dashboard_queries_do_not_grow(
    client: Any, login: Any, session: Any, make_student: Any, make_advisor: Any, make_experience: Any
) -> None:
    rule = build_rule(session)
    counts = {}
    for n in (3, 30):
        student = _student_with(n, session, make_student, make_advisor, make_experience, rule)
        login(student)
        assert client.get("/student").status_code == 200  # as below: count the second request
        with count_queries() as statements:
            page = client.get("/student")
        assert page.status_code == 200
        counts[n] = len([s for s in statements if "SAVEPOINT" not in s])  # not the test's own
    # The session; the experiences, the requests and their rules (each read once, for the panels
    # and the to-do list together: careercenter.pagedata); the transcripts' count; reissue offers.
    # The navigation's to-do count is the list's.
    assert counts[3] == counts[30] == 6, statements
    body = page.get_data(as_text=True)
    assert '<span class="nav-count">30</span>' in body  # the 30 drafts, counted from the list
    assert "To do (30)" in body and body.count(" to sign off “") == 25  # the list's first 25 of them


def test_registrar_award_list_queries_do_not_grow(
    client: Any, login: Any, session: Any, make_person: Any, make_student: Any, make_advisor: Any, make_experience: Any
) -> None:
    rule = build_rule(session)
    registrar = make_person(Role.REGISTRAR, program=None, class_level=None)
    login(registrar)

    def add_awards(n: int) -> None:
        for i in range(n):
            student = make_student()
            verified = make_experience(student, state=ExperienceState.VERIFIED)
            build_award(session, student, [verified], rule, approver=make_advisor([student]), term=f"20{20 + i % 7}FA")
        session.commit()

    counts = {}
    for n, more in ((3, 3), (30, 27)):
        add_awards(more)
        # The tests share one session with the app: a first request after the commit reloads
        # the signed-in person. Count the second, in the same state for both sizes.
        assert client.get("/registrar/awards").status_code == 200
        with count_queries() as statements:
            page = client.get("/registrar/awards")
        assert page.status_code == 200
        counts[n] = len(statements)
    assert page.get_data(as_text=True).count("/registrar/awards/") >= 30  # every award is on the page
    assert counts[3] == counts[30], counts


def test_amendment_desk_queries_do_not_grow(
    client: Any, login: Any, session: Any, make_student: Any, make_person: Any
) -> None:
    """/registrar/amendments with 3 and with 30 requests waiting (and as many decided)."""
    from careercenter.amendments import service
    from tests.factories import verified_experience

    registrar = make_person(Role.REGISTRAR)
    counts = {}
    total = 0
    for n in (3, 30):
        for i in range(n - total):
            student = make_student()
            for decided in (False, True):
                experience = verified_experience(session, student, "20")
                req = service.request_amendment(
                    session, student, experience, what_is_wrong=f"Wrong hours {i}", should_say="24 hours", days=45
                )
                if decided:
                    service.deny(session, req, decided_by=registrar, reason="The supervisor confirmed 20.")
        total = n
        session.commit()
        login(registrar)
        assert client.get("/registrar/amendments").status_code == 200
        with count_queries() as statements:
            page = client.get("/registrar/amendments")
        assert page.status_code == 200 and page.get_data(as_text=True).count("Grant and correct") == n
        counts[n] = len(statements)
    assert counts[30] == counts[3], counts


def test_the_session_check_is_one_query(client: Any, login: Any, make_student: Any) -> None:
    """Issue 16: the server-side session (with its person and roles) costs one indexed query per
    request; `last_seen_at` is written at most once a minute, so not on this request."""
    login(make_student())
    with count_queries() as statements:
        assert client.get("/healthz").status_code == 200
    auth = [s for s in statements if "web_sessions" in s]
    assert len(auth) == 1 and "token_hash" in auth[0], statements
    queries = [s for s in statements if "SAVEPOINT" not in s]  # the test's own transaction
    assert len(queries) == 2, statements  # the session check and the health check's SELECT 1


def test_dev_login_page_queries_do_not_grow(client: Any, session: Any, make_person: Any) -> None:
    """Each row shows the person's roles and pools, loaded for the whole list at once (the pools
    were one query per person: with 230 demo people, the bench's sign-ins stalled the server)."""
    counts = {}
    for n in (3, 30):
        for i in range(n):
            make_person(Role.ADVISOR, name=f"Pooled advisor {n}-{i}").set_pools({"Engineering"})
        session.commit()
        with count_queries() as statements:
            page = client.get("/dev/login").get_data(as_text=True)
        assert f"Pooled advisor {n}-{n - 1}" in page and "(pool Engineering)" in page
        counts[n] = len(statements)
    assert counts[3] == counts[30], counts
