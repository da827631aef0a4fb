"""The to-do list on each home: what waits, newest first, each item a link to where it is done,
the count in the top navigation, and a query count that does not grow with the items."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from careercenter.credits import decisions
from careercenter.credits.models import AwardStatus
from careercenter.db import utcnow
from careercenter.internships.models import ExperienceState
from careercenter.notify.models import OutboxMessage, OutboxState
from careercenter.sso.models import Role
from tests.credits.helpers import submitted_request
from tests.test_query_counts import count_queries


def _todo_section(html: str) -> str:
    match = re.search(r'<section class="card" aria-labelledby="todo".*?</section>', html, re.S)
    assert match, "no to-do section"
    return match.group(0)


def _nav_count(html: str) -> int:
    match = re.search(r'To do <span class="nav-count">(\d+)</span>', html)
    assert match, "no to-do count in the navigation"
    return int(match.group(1))


def test_student_todo_lists_drafts_disputes_and_returned_requests_newest_first(
    client: Any, login: Any, session: Any, make_student: Any, make_advisor: Any, make_experience: Any
) -> None:
    student = make_student()
    advisor = make_advisor([student])
    old = make_experience(student, title="Old draft", employer="Acme")
    old.updated_at = utcnow() - timedelta(days=5)
    disputed = make_experience(student, title="Disputed work", employer="Beta", state=ExperienceState.DISPUTED)
    disputed.updated_at = utcnow() - timedelta(days=1)
    verified = make_experience(student, state=ExperienceState.VERIFIED, hours=50)
    returned = submitted_request(session, student, [verified])
    decisions.return_request(session, returned, advisor, "Add a reflection.")
    session.commit()
    login(student)
    html = client.get("/student").get_data(as_text=True)
    todo = _todo_section(html)
    texts = re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', todo)
    assert [t[0] for t in texts] == [
        f"/credits/requests/{returned.id}/edit",
        f"/experiences/{disputed.id}/edit",
        f"/experiences/{old.id}",
    ]
    assert "Beta" in texts[1][1] and "disputed" in texts[1][1]
    assert _nav_count(html) == 3
    assert 'href="/student#todo"' in html


def test_advisor_todo_shows_requests_with_how_long_they_waited(
    client: Any, login: Any, session: Any, make_student: Any, make_advisor: Any, make_experience: Any
) -> None:
    student = make_student(name="Ada Quinn")
    advisor = make_advisor([student])
    request = submitted_request(session, student, [make_experience(student, state=ExperienceState.VERIFIED, hours=50)])
    request.submitted_at = utcnow() - timedelta(days=3, hours=1)
    session.commit()
    login(advisor)
    html = client.get("/advisor").get_data(as_text=True)
    todo = _todo_section(html)
    assert f'href="/credits/requests/{request.id}"' in todo and "Decide Ada Quinn" in todo
    assert "waiting 3 days" in todo
    assert _nav_count(html) == 1


def test_registrar_todo_has_awards_to_post_and_failed_mail(
    client: Any, login: Any, session: Any, make_person: Any, make_award: Any
) -> None:
    award = make_award(status=AwardStatus.PENDING)
    make_award(status=AwardStatus.POSTED)
    session.add(
        OutboxMessage(
            to_address="gone@example.com",
            subject="Your award",
            body_text="x",
            kind="test",
            message_id="<todo-test@careers.test>",
            state=OutboxState.FAILED,
            last_error="550 no such user",
        )
    )
    session.commit()
    registrar = make_person(Role.REGISTRAR, program=None, class_level=None)
    login(registrar)
    html = client.get("/registrar").get_data(as_text=True)
    todo = _todo_section(html)
    assert f'href="/registrar/awards/{award.id}"' in todo and f"Post award {award.id}" in todo
    assert 'href="/registrar/outbox"' in todo and "gone@example.com" in todo
    assert _nav_count(html) == 2


def test_the_todo_query_count_does_not_grow(
    client: Any, login: Any, session: Any, make_student: Any, make_advisor: Any, make_experience: Any
) -> None:
    counts = {}
    for n in (2, 20):
        student = make_student()
        advisor = make_advisor([student])
        for i in range(n):
            make_experience(student, employer=f"Draft {i}")
            request = submitted_request(
                session, student, [make_experience(student, state=ExperienceState.VERIFIED, hours=50)]
            )
            if i % 2:
                decisions.return_request(session, request, advisor, "Say more.", expected_version=None)
        session.commit()
        for person, home in ((student, "/student"), (advisor, "/advisor")):
            login(person)
            assert client.get(home).status_code == 200
            with count_queries() as statements:
                assert client.get(home).status_code == 200
            counts[(home, n)] = len(statements)
    assert counts[("/student", 2)] == counts[("/student", 20)], counts
    assert counts[("/advisor", 2)] == counts[("/advisor", 20)], counts
