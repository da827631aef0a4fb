"""`flask directory sync`: bring people, roles and advisor assignments in line with the directory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.sso.directory import Directory
from careercenter.sso.entry import DirectoryEntry, normalise_dn
from careercenter.sso.errors import SignInRefused
from careercenter.sso.models import AdvisorAssignment, Person, Role
from careercenter.sso.roles import pools_for, roles_for
from careercenter.sso.service import apply_entry
from careercenter.sso.sessions import deactivate_person

log = logging.getLogger(__name__)
ACTOR = Actor.system("directory-sync")


@dataclass
class SyncReport:
    """What one sync did; `lines()` is what the CLI prints."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    assignments_added: list[str] = field(default_factory=list)
    assignments_removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"added: {item}" for item in self.added]
        out += [f"changed: {item}" for item in self.changed]
        out += [f"removed: {item}" for item in self.removed]
        out += [f"assignment added: {item}" for item in self.assignments_added]
        out += [f"assignment removed: {item}" for item in self.assignments_removed]
        out += [f"skipped: {item}" for item in self.skipped]
        out.append(
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed; "
            f"assignments: {len(self.assignments_added)} added, {len(self.assignments_removed)} removed"
        )
        return out


def _label(person: Person) -> str:
    return f"{person.campus_id} {person.display_name}"


def _people_by_ref(entries: list[DirectoryEntry], people_by_dn: Mapping[str, Person]) -> dict[str, Person]:
    """Everyone by normalised DN, then also by lower-case username and campus id."""
    by_ref: dict[str, Person] = dict(people_by_dn)
    for entry in entries:
        person = people_by_dn.get(normalise_dn(entry.dn))
        if person is not None:
            for ref in (entry.username, entry.campus_id):
                if ref:
                    by_ref.setdefault(ref.lower(), person)
    return by_ref


def _advisor_pairs(
    directory: Directory, entries: list[DirectoryEntry], people_by_dn: Mapping[str, Person]
) -> set[tuple[int, int]]:
    """(advisor id, student id) pairs the directory states, by attribute and by advising group."""
    by_ref = _people_by_ref(entries, people_by_dn)
    pairs: set[tuple[int, int]] = set()

    def add(advisor_ref: str, student: Person | None) -> None:
        key = normalise_dn(advisor_ref) if "=" in advisor_ref else advisor_ref.strip().lower()
        advisor = by_ref.get(key)
        if advisor is None or student is None or advisor.id == student.id:
            return
        if Role.ADVISOR in advisor.roles and Role.STUDENT in student.roles:
            pairs.add((advisor.id, student.id))

    for entry in entries:
        student = people_by_dn.get(normalise_dn(entry.dn))
        for ref in entry.advisor_refs:
            add(ref, student)
    for owner, members in directory.advising_groups():
        for member in members:
            add(owner, people_by_dn.get(normalise_dn(member)))
    return pairs


def sync_directory(session: Session, directory: Directory, role_map: Mapping[str, Role | str]) -> SyncReport:
    """Import everyone the directory gives a role, deactivate those it no longer does, and
    make the directory's advisor assignments true. Idempotent; flushes, the caller commits.

    Demo people and assignments made by hand ("manual") are left alone.
    """
    report = SyncReport()
    entries = directory.all_people()
    people_by_dn: dict[str, Person] = {}
    seen: set[int] = set()
    for entry in entries:
        roles = roles_for(entry, role_map)
        if not roles or not entry.campus_id:
            continue
        try:
            with session.begin_nested():
                person, changes = apply_entry(session, entry, roles, pools_for(entry, role_map))
        except SignInRefused as exc:
            report.skipped.append(f"{entry.dn}: {exc}")
            continue
        people_by_dn[normalise_dn(entry.dn)] = person
        seen.add(person.id)
        role_names = ", ".join(sorted(r.value for r in roles))
        if "added" in changes:
            report.added.append(f"{_label(person)} ({role_names})")
            record_event(session, ACTOR, "person.added", "person", person.id, {"source": "directory"})
        elif changes:
            report.changed.append(f"{_label(person)} ({', '.join(changes)})")
            record_event(session, ACTOR, "person.updated", "person", person.id, {"changed": changes})

    gone = session.execute(
        sa.select(Person)
        .where(Person.is_active.is_(True), Person.is_demo.is_(False), Person.id.not_in(seen or {-1}))
        .order_by(Person.campus_id)
    ).scalars()
    for person in gone:
        deactivate_person(session, person, ACTOR, "not in the directory")
        report.removed.append(_label(person))

    wanted = _advisor_pairs(directory, entries, people_by_dn)
    existing = {(a.advisor_id, a.student_id): a for a in session.execute(sa.select(AdvisorAssignment)).scalars()}
    names = {p.id: p for p in people_by_dn.values()}
    for pair in sorted(wanted - existing.keys()):
        session.add(AdvisorAssignment(advisor_id=pair[0], student_id=pair[1], source="directory"))
        report.assignments_added.append(f"{_label(names[pair[0]])} -> {_label(names[pair[1]])}")
    for pair, assignment in sorted(existing.items()):
        if assignment.source == "directory" and pair not in wanted:
            session.delete(assignment)
            report.assignments_removed.append(f"{_label(assignment.advisor)} -> {_label(assignment.student)}")
    if report.assignments_added or report.assignments_removed:
        record_event(
            session,
            ACTOR,
            "assignments.synced",
            "campus",
            "directory",
            {"added": len(report.assignments_added), "removed": len(report.assignments_removed)},
        )
    session.flush()
    return report
