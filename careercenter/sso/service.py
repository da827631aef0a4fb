"""Who may see whom: the relation half of access control, shared by every domain."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.sso.models import AdvisorAssignment, Person, Role


def is_assigned_advisor(session: Session, advisor: Person, student: Person) -> bool:
    """Whether `advisor` is assigned to `student`."""
    return session.get(AdvisorAssignment, (advisor.id, student.id)) is not None


def can_view_student(session: Session, viewer: Person, student: Person) -> bool:
    """Whether `viewer` may see `student`'s records: themself, registrar staff, their advisor."""
    if not viewer.is_active:
        return False
    if viewer.id == student.id:
        return True
    if viewer.has_role(Role.REGISTRAR, Role.ADMIN):
        return True
    return viewer.has_role(Role.ADVISOR) and is_assigned_advisor(session, viewer, student)


def advisees_query(advisor: Person) -> sa.Select[tuple[Person]]:
    """Select the students assigned to `advisor`, by name."""
    return (
        sa.select(Person)
        .join(AdvisorAssignment, AdvisorAssignment.student_id == Person.id)
        .where(AdvisorAssignment.advisor_id == advisor.id)
        .order_by(Person.display_name)
    )


def get_person_by_campus_id(session: Session, campus_id: str) -> Person | None:
    return session.execute(sa.select(Person).where(Person.campus_id == campus_id)).scalar_one_or_none()
