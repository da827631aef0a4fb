"""A campus with approval routes: a rules file with routes, CS students, an advisor, two chairs
(one of another program), a faculty sponsor and registrar staff."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from careercenter.audit.models import AuditEvent
from careercenter.credits.models import CreditRequest
from careercenter.credits.rules import parse_rules_text
from careercenter.notify.models import OutboxMessage
from careercenter.sso.models import ClassLevel, Role
from tests.credits.helpers import load_test_rules, submitted_request
from tests.factories import verified_experience

ROUTE_RULES = """
rules:
  - code: CSCI-397
    name: Computing practicum
    course: {subject: CSCI, number: "397", title: Computing Practicum}
    grading_basis: S/U
    hours_per_credit: 20
    credit_increment: 1
    min_credits: 1
    max_credits: 3
    open_from: 2020FA
    programs: [Computer Science]
    approval:
      - {step: Advisor review, by: advisor}
      - {step: Department chair, by: {pool: csci-chairs, match_program: true}, deadline_days: 4, escalate_to: registrar}
      - {step: Registrar check, by: registrar}
  - code: BUS-390
    name: Business field experience
    course: {subject: BUS, number: "390", title: Business Field Experience}
    grading_basis: P/NP
    hours_per_credit: 45
    min_credits: 1
    max_credits: 3
    open_from: 2020FA
    approval:
      - {step: Faculty sponsor, by: sponsor}
      - {step: Advisor review, by: advisor}
"""


def route_campus(session: Any, make_person: Any, make_student: Any, make_advisor: Any) -> dict[str, Any]:
    maya = make_student(name="Maya Okafor", email="maya@students.example.edu")
    zoe = make_student(name="Zoe Martin", email="zoe@students.example.edu")
    dana = make_advisor([maya, zoe], name="Dana Whitfield", email="dana@example.edu")
    raj = make_advisor([maya], name="Raj Patel", email="raj@example.edu")
    priya = make_person(
        Role.FACULTY, name="Priya Raman", email="priya@example.edu", program="Computer Science", class_level=None
    )
    priya.set_pools({"csci-chairs"})
    omar = make_person(
        Role.FACULTY, name="Omar Chair", email="omar@example.edu", program="Mathematics", class_level=None
    )
    omar.set_pools({"csci-chairs"})  # in the pool, but not of the student's program
    marcus = make_person(
        Role.FACULTY, name="Marcus Bell", email="marcus@example.edu", program="Business", class_level=None
    )
    karen = make_person(Role.REGISTRAR, name="Karen Mbeki", email="karen@example.edu", program=None, class_level=None)
    session.flush()
    rules = load_test_rules(session, ROUTE_RULES)
    assert parse_rules_text(ROUTE_RULES)[0].route[1].match_program
    return {
        "maya": maya, "zoe": zoe, "dana": dana, "raj": raj, "priya": priya, "omar": omar,
        "marcus": marcus, "karen": karen, "rules": rules, "level": ClassLevel.JUNIOR,
    }  # fmt: skip


def csci_request(session: Any, student: Any, hours: str = "60") -> CreditRequest:
    """A CSCI-397 request (advisor → chair → registrar) of one verified micro-internship."""
    return submitted_request(session, student, [verified_experience(session, student, hours)], code="CSCI-397")


def mail_to(session: Any, person: Any) -> list[OutboxMessage]:
    """The messages queued for `person`, oldest first."""
    return list(
        session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.to_address == person.email).order_by(OutboxMessage.id)
        ).scalars()
    )


def audit_events(session: Any, action: str) -> list[AuditEvent]:
    return list(session.execute(sa.select(AuditEvent).where(AuditEvent.action == action)).scalars())
