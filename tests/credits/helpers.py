"""Building blocks for credit tests: a small rules file, requests made through the service, and
the race tests' people and threads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from careercenter.audit.service import Actor
from careercenter.credits import approvals, rule_versions
from careercenter.credits import requests as credit_requests
from careercenter.credits.models import CreditAward, CreditRequest, CreditRule
from careercenter.credits.rules import parse_rules_text
from careercenter.db import utcnow
from careercenter.errors import Conflict
from careercenter.extensions import db
from careercenter.internships.models import Experience
from careercenter.sso.models import ClassLevel, Person, Role

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


def race_person(key: str, role: Role, *, program: str = "Biology", pools: Iterable[str] = ()) -> Person:
    """A demo person named after `key`, added to the session (the race tests commit it)."""
    person = Person(
        campus_id=key,
        email=f"{key}@example.edu",
        display_name=key.title(),
        program=program,
        class_level=ClassLevel.JUNIOR if role is Role.STUDENT else None,
        is_demo=True,
    )
    person.set_roles({role})
    person.set_pools(set(pools))
    db.session.add(person)
    return person


def race(
    app: Any,
    *actions: Callable[[threading.Barrier], str],
    lose_on: tuple[type[Exception], ...] = (Conflict,),
    lost: Callable[[Any], str] = lambda exc: f"lost: {exc}",
) -> list[str]:
    """Run the actions at the same moment, each in its own thread, request context and database
    connection; each action reads, waits on the barrier (so all have read before any writes), acts
    and returns what it did, which is then committed. One outcome per action, in order: what it
    returned, `lost(exc)` for an exception in `lose_on`, or "error: ..." for any other."""
    ready = threading.Barrier(len(actions), timeout=10)
    outcomes: list[str] = [""] * len(actions)

    def run(index: int) -> None:
        with app.test_request_context():
            try:
                outcomes[index] = actions[index](ready)
                db.session.commit()
            except lose_on as exc:
                db.session.rollback()
                outcomes[index] = lost(exc)
            except Exception as exc:  # noqa: BLE001 - reported in the outcomes
                db.session.rollback()
                outcomes[index] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes
