"""What waits for each person, newest first, each item linking to where it is done.

A fixed number of queries per role, whatever the number of items (tests/test_todo.py counts
them): one query per kind of item (at most :data:`LIMIT` rows each) and one statement counting
every kind, made once per request (the role home's list and the top navigation's count share it).
A student's list is the exception: their home's panels read all their experiences and requests
already (careercenter.pagedata), so the list and its count are taken from those, with no query.
The role homes show the list; the top navigation shows the count.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import Session, joinedload

from careercenter import pagedata
from careercenter.credits.models import AwardStatus, CreditAward, CreditRequest, RequestState
from careercenter.db import in_subquery
from careercenter.internships.models import Experience, ExperienceState
from careercenter.notify.models import OutboxMessage, OutboxState
from careercenter.sso.models import Person, Role
from careercenter.sso.service import advisee_ids

T = TypeVar("T")

#: A person's id: a value, or the parameter of a statement built once (`_count_statement`).
Id = int | sa.BindParameter[int]

#: At most this many items of each kind are listed; the count says how many there are.
LIMIT = 25

_STUDENT_STATES = (ExperienceState.DRAFT, ExperienceState.DISPUTED, ExperienceState.AWAITING_SIGNOFF)
_AWARD_STATES = (AwardStatus.PENDING, AwardStatus.REJECTED_BY_REGISTRAR)


@dataclass(frozen=True)
class TodoItem:
    """One thing to do: what, where it is done, and since when it has waited."""

    text: str
    url: str
    since: datetime | None
    action: str


@dataclass(frozen=True)
class TodoList:
    items: list[TodoItem]
    total: int

    @property
    def more(self) -> int:
        """How many are not listed (beyond :data:`LIMIT` of a kind)."""
        return self.total - len(self.items)


def _newest(rows: list[T], when: Callable[[T], datetime | None], limit: int | None = None) -> list[T]:
    """`rows` newest first by `when`, those without a time last; the first `limit` of them."""
    return sorted(rows, key=lambda row: (when(row) is not None, when(row) or datetime.min), reverse=True)[:limit]


def _newest_first(items: list[TodoItem]) -> list[TodoItem]:
    return _newest(items, lambda i: i.since)


# ---- students -----------------------------------------------------------------------------------


def _student_experiences(student_id: Id) -> sa.Select[tuple[Experience]]:
    return sa.select(Experience).where(Experience.student_id == student_id, Experience.state.in_(_STUDENT_STATES))


def _returned_requests(student_id: Id) -> sa.Select[tuple[CreditRequest]]:
    return sa.select(CreditRequest).where(
        CreditRequest.student_id == student_id, CreditRequest.state == RequestState.RETURNED
    )


def _experience_item(e: Experience) -> TodoItem:
    url = url_for("internships.show_experience", experience_id=e.id)
    if e.state == ExperienceState.DISPUTED:
        return TodoItem(
            f"Correct “{e.title}” ({e.employer}): {e.supervisor_name} disputed it",
            url_for("internships.edit_experience", experience_id=e.id),
            e.updated_at,
            "Correct it",
        )
    if e.state == ExperienceState.DRAFT:
        return TodoItem(
            f"Ask {e.supervisor_name} to sign off “{e.title}” ({e.employer})", url, e.updated_at, "Ask for sign-off"
        )
    return TodoItem(
        f"“{e.title}” ({e.employer}) awaits {e.supervisor_name}'s sign-off: send the link again if needed",
        url,
        e.updated_at,
        "See the request",
    )


def student_todo(session: Session, student: Person) -> TodoList:
    """From the student's experiences and requests as their home's panels read them (one query
    each, shared: careercenter.pagedata); the count is theirs too, and the navigation's."""
    experiences = [e for e in pagedata.student_experiences(session, student) if e.state in _STUDENT_STATES]
    returned = [r for r in pagedata.student_requests(session, student) if r.state == RequestState.RETURNED]
    total = len(experiences) + len(returned)
    _count_memo()[("student", student.id)] = total  # the navigation's count: no statement for it
    items = [_experience_item(e) for e in _newest(experiences, lambda e: e.updated_at, LIMIT)]
    items += [
        TodoItem(
            f"Change and resubmit your request for {r.rule.course_label}: your advisor returned it",
            url_for("credits.edit_request", request_id=r.id),
            r.decided_at,
            "Change it",
        )
        for r in _newest(returned, lambda r: r.decided_at, LIMIT)
    ]
    return TodoList(_newest_first(items), total)


def student_count(session: Session, student: Person) -> int:
    return _count(session, "student", student.id)


# ---- approvers (advisors) -------------------------------------------------------------------------


def _waiting_requests(advisor_id: Id) -> sa.Select[tuple[CreditRequest]]:
    return sa.select(CreditRequest).where(
        in_subquery(CreditRequest.student_id, advisee_ids(advisor_id)), CreditRequest.state == RequestState.SUBMITTED
    )


def advisor_todo(session: Session, advisor: Person) -> TodoList:
    requests = session.scalars(
        _waiting_requests(advisor.id)
        .options(joinedload(CreditRequest.rule), joinedload(CreditRequest.student))
        .order_by(CreditRequest.submitted_at.desc())
        .limit(LIMIT)
    ).all()
    items = [
        TodoItem(
            f"Decide {r.student.display_name}'s request for {r.rule.course_label}",
            url_for("credits.request_detail", request_id=r.id),
            r.submitted_at,
            "Decide",
        )
        for r in requests
    ]
    return TodoList(_newest_first(items), advisor_count(session, advisor))


def advisor_count(session: Session, advisor: Person) -> int:
    return _count(session, "advisor", advisor.id)


# ---- registrar staff ------------------------------------------------------------------------------


def _open_awards() -> sa.Select[tuple[CreditAward]]:
    return sa.select(CreditAward).where(CreditAward.status.in_(_AWARD_STATES))


def _failed_mail() -> sa.Select[tuple[OutboxMessage]]:
    return sa.select(OutboxMessage).where(OutboxMessage.state == OutboxState.FAILED)


def registrar_todo(session: Session) -> TodoList:
    awards = session.scalars(
        _open_awards()
        .options(joinedload(CreditAward.student), joinedload(CreditAward.rule))
        .order_by(CreditAward.approved_at.desc())
        .limit(LIMIT)
    ).all()
    failed = session.scalars(_failed_mail().order_by(OutboxMessage.created_at.desc()).limit(LIMIT)).all()
    items = []
    for a in awards:
        url = url_for("registrar_awards.award_detail", award_id=a.id)
        if a.status == AwardStatus.PENDING:
            text = f"Post award {a.id}: {a.student.display_name}, {a.rule.course_label} (the SIS has not posted it)"
            items.append(TodoItem(text, url, a.approved_at, "See the award"))
        else:
            text = f"Award {a.id} of {a.student.display_name} was rejected by the SIS: resolve it"
            items.append(TodoItem(text, url, a.updated_at, "See the award"))
    items += [
        TodoItem(
            f"Mail to {m.to_address} failed: “{m.subject}”",
            url_for("notify.outbox"),
            m.last_attempt_at or m.created_at,
            "Queue it again",
        )
        for m in failed
    ]
    return TodoList(_newest_first(items), registrar_count(session))


def registrar_count(session: Session) -> int:
    return _count(session, "registrar", None)


# ---- per person ------------------------------------------------------------------------------------


def todo_for(session: Session, person: Person, role: Role) -> TodoList | None:
    """The to-do list of `person`'s home for `role` (None for a role without one)."""
    if role == Role.STUDENT:
        return student_todo(session, person)
    if role == Role.ADVISOR:
        return advisor_todo(session, person)
    if role in (Role.REGISTRAR, Role.ADMIN) and person.has_role(Role.REGISTRAR, Role.ADMIN):
        return registrar_todo(session)
    return None


def todo_count(session: Session, person: Person) -> int:
    """Everything waiting for `person`, over their roles (the number in the top navigation)."""
    total = 0
    if person.has_role(Role.STUDENT):
        total += student_count(session, person)
    if person.has_role(Role.ADVISOR):
        total += advisor_count(session, person)
    if person.has_role(Role.REGISTRAR, Role.ADMIN):
        total += registrar_count(session)
    return total


@functools.cache
def _count_statement(kind: str) -> sa.Select[Any]:
    """The one statement counting every kind of item of `kind` (student, advisor, registrar).

    Built once per process (the SQL, never a count), the person's id a parameter: the top
    navigation runs it on every page, and building it (with SQLAlchemy's cache key for it) cost
    more CPU than running it.
    """
    person_id = sa.bindparam("person_id", type_=sa.Integer)
    queries = {
        "student": (_student_experiences(person_id), _returned_requests(person_id)),
        "advisor": (_waiting_requests(person_id),),
        "registrar": (_open_awards(), _failed_mail()),
    }[kind]
    return sa.select(*[sa.select(sa.func.count()).select_from(q.subquery()).scalar_subquery() for q in queries])


def _count(session: Session, kind: str, person_id: int | None) -> int:
    """The rows of `kind`'s queries for `person_id`, counted in one statement, once per request."""
    memo = _count_memo()
    key = (kind, person_id)
    if key not in memo:
        params = {} if person_id is None else {"person_id": person_id}
        memo[key] = sum(session.execute(_count_statement(kind), params).one())
    return memo[key]


def _count_memo() -> dict[tuple[str, int | None], int]:
    return pagedata.request_memo("todo_counts")
