"""The relation half of access control: who may see whose records (one function for all)."""

from __future__ import annotations

from typing import Any

import pytest

from careercenter.sso.models import Role
from careercenter.sso.service import advisees_query, can_view_student


@pytest.fixture()
def campus_people(session: Any, make_person: Any, make_student: Any, make_advisor: Any) -> dict[str, Any]:
    student, other = make_student(name="Owner"), make_student(name="Other")
    return {
        "student": student,
        "other": other,
        "advisor": make_advisor([student], name="Assigned"),
        "other_advisor": make_advisor([other], name="Unassigned"),
        "registrar": make_person(Role.REGISTRAR, program=None, class_level=None),
        "admin": make_person(Role.ADMIN, program=None, class_level=None),
    }


@pytest.mark.parametrize(
    ("viewer", "may_see"),
    [
        ("student", True),
        ("other", False),
        ("advisor", True),
        ("other_advisor", False),
        ("registrar", True),
        ("admin", True),
    ],
)
def test_who_sees_the_student(session: Any, campus_people: dict[str, Any], viewer: str, may_see: bool) -> None:
    assert can_view_student(session, campus_people[viewer], campus_people["student"]) is may_see


def test_a_deactivated_viewer_sees_nobody(session: Any, campus_people: dict[str, Any]) -> None:
    registrar = campus_people["registrar"]
    registrar.is_active = False
    assert not can_view_student(session, registrar, campus_people["student"])


def test_advisor_role_without_assignment_is_not_enough(session: Any, campus_people: dict[str, Any]) -> None:
    student = campus_people["student"]
    student.set_roles({Role.STUDENT, Role.ADVISOR})  # a student who is also a TA-advisor
    assert not can_view_student(session, student, campus_people["other"])


def test_advisees_are_only_the_assigned(session: Any, campus_people: dict[str, Any]) -> None:
    names = session.execute(advisees_query(campus_people["advisor"])).scalars().all()
    assert [p.display_name for p in names] == ["Owner"]
