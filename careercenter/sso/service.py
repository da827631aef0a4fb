"""Who may see whom (the relation half of access control, shared by every domain), and who
someone is here: `resolve_person`, the one function every sign-in method ends in."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.db import utcnow
from careercenter.signals import name_changed
from careercenter.sso.errors import NoRole, SignInRefused, UnknownPerson
from careercenter.sso.models import AdvisorAssignment, Person, Role
from careercenter.sso.roles import class_level_from, pools_for, roles_for

if TYPE_CHECKING:
    from careercenter.sso.directory import Directory
    from careercenter.sso.entry import DirectoryEntry

log = logging.getLogger(__name__)


_KEPT = "careercenter.sso.kept_assignments"


def assignment(session: Session, advisor_id: int, student_id: int) -> AdvisorAssignment | None:
    """The assignment of advisor `advisor_id` to student `student_id`, if there is one.

    A row found is kept alive for the session's life: the identity map holds objects weakly, so
    a row nothing refers to is gone the moment it is checked, and the next check (a decision
    asks three times: the interest, the form, the step under the lock) would read it again."""
    found = session.get(AdvisorAssignment, (advisor_id, student_id))
    if found is not None:
        session.info.setdefault(_KEPT, set()).add(found)
    return found


def is_assigned_advisor(session: Session, advisor: Person, student: Person) -> bool:
    """Whether `advisor` is assigned to `student`."""
    return assignment(session, advisor.id, student.id) is not None


def can_view_student(session: Session, viewer: Person, student: Person) -> bool:
    """Whether `viewer` may see `student`'s records: themself, registrar staff, their advisor."""
    if not viewer.is_active:
        return False
    if viewer.id == student.id:
        return True
    if viewer.has_role(Role.REGISTRAR, Role.ADMIN):
        return True
    return viewer.has_role(Role.ADVISOR) and is_assigned_advisor(session, viewer, student)


def advisee_ids(advisor_id: int | sa.ColumnElement[int]) -> sa.Select[tuple[int]]:
    """Select the ids of the students assigned to advisor `advisor_id` (a subquery's rows)."""
    return sa.select(AdvisorAssignment.student_id).where(AdvisorAssignment.advisor_id == advisor_id)


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


def find_person_by_campus_id(session: Session, typed: str) -> Person | None:
    """The person a member of staff means by a typed campus id: surrounding spaces and letter case
    do not matter (``" s1001 "`` finds S1001); an exact match wins over a case-insensitive one."""
    wanted = (typed or "").strip()
    if not wanted:
        return None
    exact = get_person_by_campus_id(session, wanted)
    if exact is not None:
        return exact
    found = session.scalars(sa.select(Person).where(sa.func.upper(Person.campus_id) == wanted.upper()).limit(2)).all()
    return found[0] if len(found) == 1 else None


# -- who are you here: every sign-in method ends in resolve_person -----------------------------


@dataclass(frozen=True)
class Identity:
    """What a sign-in method proved: who the person is at the identity provider.

    `subject` is namespaced by the method ("oidc:<iss>|<sub>", "ldap:<dn>"); `username` and
    `email` are what the directory is searched by.
    """

    method: str
    subject: str | None
    username: str | None = None
    email: str | None = None


def apply_entry(
    session: Session, entry: DirectoryEntry, roles: set[Role], pools: set[str] | None = None
) -> tuple[Person, list[str]]:
    """Create or refresh the Person for a directory entry; return it and what changed.

    "added" in the list means the person is new. The campus id is the key: name, email,
    program, class level and roles are the directory's, overwritten every time.
    """
    if not entry.campus_id:
        raise UnknownPerson(
            "Your campus directory entry has no campus id, so the career center cannot keep records "
            "for you. Please ask the IT service desk to complete your directory entry."
        )
    email = (entry.email or "").strip().lower()
    if not email:
        raise UnknownPerson(
            "Your campus directory entry has no email address, which the career center needs. "
            "Please ask the IT service desk to complete your directory entry."
        )
    person = get_person_by_campus_id(session, entry.campus_id)
    holder = session.execute(sa.select(Person).where(sa.func.lower(Person.email) == email)).scalar_one_or_none()
    if holder is not None and (person is None or holder.id != person.id):
        log.warning("directory email of campus id %s is held by person %s", entry.campus_id, holder.id)
        raise SignInRefused(
            "Your email address belongs to another account in the career center. "
            "The career center staff must resolve this before you can sign in."
        )
    changes: list[str] = []
    old_name = person.display_name if person is not None else ""
    if person is None:
        person = _insert_person(session, entry.campus_id, email)
        if person.display_name == "":
            changes.append("added")
    values = {
        "email": email,
        "display_name": entry.display_name or entry.username or entry.campus_id,
        "program": entry.program,
        "class_level": class_level_from(entry.class_level),
        "is_active": True,
        "is_demo": False,  # the directory vouches for them: no longer pickable on the dev login
    }
    for name, value in values.items():
        if getattr(person, name) != value:
            setattr(person, name, value)
            if "added" not in changes:
                changes.append(name)
    if person.set_roles(roles) and "added" not in changes:
        changes.append("roles")
    if pools is not None and person.set_pools(pools) and "added" not in changes:
        changes.append("pools")
    person.directory_synced_at = utcnow()
    session.flush()
    if old_name and "display_name" in changes:
        name_changed.send(None, session=session, person=person, old_name=old_name)
    return person, changes


def _insert_person(session: Session, campus_id: str, email: str) -> Person:
    """A new Person; if a concurrent first sign-in inserted them meanwhile, theirs."""
    person = Person(campus_id=campus_id, email=email, display_name="", is_demo=False)
    try:
        with session.begin_nested():
            session.add(person)
            session.flush()
    except IntegrityError:
        existing = get_person_by_campus_id(session, campus_id)
        if existing is None:
            raise
        return existing
    return person


def resolve_person(
    session: Session,
    directory: Directory,
    identity: Identity,
    role_map: Mapping[str, Role | str],
) -> Person:
    """Who the proven `identity` is here: look them up, map roles, refresh their Person.

    Every sign-in method ends here. The directory is asked every time (down -> the caller gets
    `DirectoryUnavailable`, never stale roles); someone it does not list, or whose entry maps to
    no role, is refused. Records the sign-in in the audit log.
    """
    entry = directory.find_person(username=identity.username, email=identity.email)
    if entry is None:
        log.info("sign-in refused: %s identity not in the directory", identity.method)
        raise UnknownPerson(
            "The campus directory does not list you, so you cannot use the career center. "
            "If you think this is wrong, contact the IT service desk."
        )
    roles = roles_for(entry, role_map)
    if not roles:
        log.info("sign-in refused: directory entry %s maps to no role", entry.dn)
        raise NoRole(
            "You are in the campus directory, but nothing there gives you access to the career center "
            "(it is for students, advisors and registrar staff). If you think this is wrong, contact the "
            "career center."
        )
    person, changes = apply_entry(session, entry, roles, pools_for(entry, role_map))
    if identity.subject and person.sso_subject != identity.subject:
        session.execute(
            sa.update(Person)
            .where(Person.sso_subject == identity.subject, Person.id != person.id)
            .values(sso_subject=None)
        )
        person.sso_subject = identity.subject
        session.flush()
    actor = Actor.person(person)
    if changes:
        action = "person.added" if "added" in changes else "person.updated"
        record_event(session, actor, action, "person", person.id, {"source": "directory", "changed": changes})
    record_event(
        session,
        actor,
        "auth.login",
        "person",
        person.id,
        {"method": identity.method, "roles": sorted(r.value for r in person.roles)},
    )
    return person
