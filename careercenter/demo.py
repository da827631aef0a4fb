"""`flask seed-demo`: a small, realistic campus that shows every feature.

The people are made here; each domain adds its part through a step listed in `DEMO_STEPS`
(a function `seed(session, demo) -> list[str]` receiving the people made so far).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.sso.models import AdvisorAssignment, ClassLevel, Person, Role

#: The step that adds a year of generated history (left out by `flask seed-demo --no-history`).
HISTORY_STEP = "careercenter.reports.demo:seed"

#: "module:function" steps run after the people exist, in this order.
DEMO_STEPS: list[str] = [
    # -- employers (before internships: the directory and the forms the sign-offs use) --
    "careercenter.employers.demo:seed",
    # -- internships --
    "careercenter.internships.demo:seed",
    # -- credits --
    "careercenter.credits.demo:seed",
    # -- amendments (before transcripts, so that Maya's show her statement of disagreement) --
    "careercenter.amendments.demo:seed",
    # -- transcripts --
    "careercenter.transcripts.demo:seed",
    # -- registrar --
    "careercenter.registrar.demo:seed",
    "careercenter.registrar.webhooks.demo:seed",
    # -- credentials --
    "careercenter.credentials.demo:seed",
    # -- sharing (after transcripts and credentials: it shares them) --
    "careercenter.sharing.demo:seed",
    # -- reports --
    HISTORY_STEP,
    # -- employers: records for the generated history's employers --
    "careercenter.employers.demo:attach_history",
]


class DemoAlreadySeeded(Exception):
    pass


@dataclass
class Demo:
    """What the steps share: people by short key, and anything a step wants to pass on."""

    people: dict[str, Person] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def students(self) -> list[Person]:
        return [p for p in self.people.values() if Role.STUDENT in p.roles]


STUDENT_MAIL = "@students.example.edu"

# key, campus id, name, email, roles, program, class level
PEOPLE: list[tuple[str, str, str, str, set[Role], str | None, ClassLevel | None]] = [
    (
        "maya",
        "S1001",
        "Maya Okafor",
        "maya.okafor" + STUDENT_MAIL,
        {Role.STUDENT},
        "Computer Science",
        ClassLevel.JUNIOR,
    ),
    (
        "liam",
        "S1002",
        "Liam Chen",
        "liam.chen" + STUDENT_MAIL,
        {Role.STUDENT},
        "Business Administration",
        ClassLevel.SENIOR,
    ),
    (
        "sofia",
        "S1003",
        "Sofía Ramírez",
        "sofia.ramirez" + STUDENT_MAIL,
        {Role.STUDENT},
        "Communication",
        ClassLevel.SOPHOMORE,
    ),
    (
        "noah",
        "S1004",
        "Noah Williams",
        "noah.williams" + STUDENT_MAIL,
        {Role.STUDENT},
        "Mechanical Engineering",
        ClassLevel.SENIOR,
    ),
    ("aisha", "S1005", "Aisha Khan", "aisha.khan" + STUDENT_MAIL, {Role.STUDENT}, "Biology", ClassLevel.JUNIOR),
    (
        "ethan",
        "S1006",
        "Ethan Novak",
        "ethan.novak" + STUDENT_MAIL,
        {Role.STUDENT},
        "Computer Science",
        ClassLevel.FIRST_YEAR,
    ),
    ("grace", "S1007", "Grace Lee", "grace.lee" + STUDENT_MAIL, {Role.STUDENT}, "Data Science", ClassLevel.GRADUATE),
    (
        "omar",
        "S1008",
        "Omar Haddad",
        "omar.haddad" + STUDENT_MAIL,
        {Role.STUDENT},
        "Business Administration",
        ClassLevel.JUNIOR,
    ),
    ("dana", "F2001", "Dana Whitfield", "dana.whitfield@example.edu", {Role.ADVISOR}, None, None),
    ("raj", "F2002", "Raj Patel", "raj.patel@example.edu", {Role.ADVISOR}, None, None),
    ("elena", "F2003", "Elena Petrova", "elena.petrova@example.edu", {Role.ADVISOR}, None, None),
    (
        "kenji",
        "S1009",
        "Kenji Sato",
        "kenji.sato" + STUDENT_MAIL,
        {Role.STUDENT},
        "Computer Science",
        ClassLevel.JUNIOR,
    ),
    ("zoe", "S1010", "Zoe Martin", "zoe.martin" + STUDENT_MAIL, {Role.STUDENT}, "Computer Science", ClassLevel.SENIOR),
    (
        "arjun",
        "S1011",
        "Arjun Mehta",
        "arjun.mehta" + STUDENT_MAIL,
        {Role.STUDENT},
        "Computer Science",
        ClassLevel.SENIOR,
    ),
    # Faculty: a department chair (approver pool csci-chairs) and two faculty members (sponsors).
    ("helen", "F2101", "Helen Zhou", "helen.zhou@example.edu", {Role.FACULTY}, "Computer Science", None),
    ("marcus", "F2102", "Marcus Bell", "marcus.bell@example.edu", {Role.FACULTY}, "Business Administration", None),
    ("ines", "F2103", "Inés Duarte", "ines.duarte@example.edu", {Role.FACULTY}, "Computer Science", None),
    ("karen", "R3001", "Karen Mbeki", "karen.mbeki@example.edu", {Role.REGISTRAR}, None, None),
    ("tom", "R3002", "Tom Brennan", "tom.brennan@example.edu", {Role.REGISTRAR}, None, None),
    ("alex", "A4001", "Alex Morgan", "alex.morgan@example.edu", {Role.ADMIN, Role.REGISTRAR}, None, None),
    ("priya", "C5001", "Priya Shah", "priya.shah@example.edu", {Role.STAFF}, None, None),
]

#: Approver pools (in production `pool:NAME` values of CAREERCENTER_LDAP_ROLE_MAP).
POOLS = {"helen": {"csci-chairs"}}

ASSIGNMENTS = {
    "dana": ["maya", "ethan", "grace", "kenji", "zoe", "arjun"],
    "raj": ["liam", "omar", "sofia"],
    "elena": ["noah", "aisha"],
}


def seed_demo(session: Session, *, history: bool = True) -> list[str]:
    """Make the demo campus in the caller's transaction; refuse if people already exist.

    `history=False` leaves out the generated year of history: only the named demo people and
    their records (what most tests of one flow want)."""
    if session.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one():
        raise DemoAlreadySeeded()
    demo = Demo()
    for key, campus_id, name, email, roles, program, level in PEOPLE:
        person = Person(
            campus_id=campus_id,
            email=email,
            display_name=name,
            program=program,
            class_level=level,
            is_demo=True,
        )
        person.set_roles(roles)
        person.set_pools(POOLS.get(key, set()))
        session.add(person)
        demo.people[key] = person
    session.flush()
    for advisor, students in ASSIGNMENTS.items():
        for student in students:
            session.add(AdvisorAssignment(advisor_id=demo.people[advisor].id, student_id=demo.people[student].id))
    record_event(session, Actor.system("seed-demo"), "demo.seeded", "campus", "demo", {"people": len(PEOPLE)})
    session.flush()
    summary = [
        f"people: {len(PEOPLE)} ({len(demo.students())} students, "
        f"{len(ASSIGNMENTS)} advisors, 3 faculty (a chair in pool csci-chairs), registrar staff, an admin, "
        "career-center staff)"
    ]
    for step in DEMO_STEPS:
        if step == HISTORY_STEP and not history:
            continue
        module_name, func_name = step.split(":")
        func = getattr(importlib.import_module(module_name), func_name)
        summary.extend(func(session, demo))
    return summary
