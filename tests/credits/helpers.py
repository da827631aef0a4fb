"""Building blocks for credit tests: a small rules file, and requests made through the service."""

from __future__ import annotations

from typing import Any

from careercenter.audit.service import Actor
from careercenter.credits import approvals, rule_versions
from careercenter.credits import requests as credit_requests
from careercenter.credits.models import CreditAward, CreditRequest, CreditRule
from careercenter.credits.rules import parse_rules_text
from careercenter.db import utcnow
from careercenter.internships.models import Experience

TEST_RULES = """
rules:
  - code: INTR-295
    name: Internship practicum
    course: {subject: INTR, number: "295", title: Internship Practicum}
    grading_basis: P/NP
    hours_per_credit: 45
    credit_increment: 0.5
    min_credits: 1
    max_credits: 3
    min_hours_per_experience: 5
    min_supervisor_rating: 3
    completed_within_days: 365
    term_credit_cap: 3
    open_from: 2020FA
  - code: BUS-390
    name: Business field experience
    course: {subject: BUS, number: "390", title: Business Field Experience}
    grading_basis: P/NP
    hours_per_credit: 45
    credit_increment: 1
    min_credits: 1
    max_credits: 3
    reflection_required: true
    reflection_min_words: 300
    open_from: 2020FA
"""


def load_test_rules(session: Any, text: str = TEST_RULES) -> dict[str, CreditRule]:
    specs = parse_rules_text(text, rule_versions.calendar())
    rule_versions.load_rules(session, specs, Actor.system("test"))
    return {r.code: r for r in rule_versions.active_rules(session)}


def submitted_request(
    session: Any, student: Any, experiences: list[Experience], code: str = "INTR-295", reflection: str = ""
) -> CreditRequest:
    if not rule_versions.active_rules(session):
        load_test_rules(session)
    draft = credit_requests.prepare_request(session, student, code, [e.id for e in experiences], reflection)
    return credit_requests.submit_request(session, student, draft, Actor.person(student))


def posted_award(session: Any, request: CreditRequest, advisor: Any) -> CreditAward:
    from careercenter.credits.models import AWARD_TRANSITIONS, AwardStatus
    from careercenter.statemachine import move

    award = approvals.approve(session, request, advisor, "Good work.").award
    assert award is not None
    award.sis_reference = "SIS-1"
    award.posted_at = utcnow()
    move(
        session,
        award,
        AwardStatus.POSTED,
        transitions=AWARD_TRANSITIONS,
        actor=Actor.system("test sis"),
        action="credit_award.posted",
        attribute="status",
    )
    return award
