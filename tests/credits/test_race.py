"""Two advisors decide the same request at the same moment: exactly one wins (PostgreSQL,
two real connections in two threads; optimistic locking on `credit_requests.version_id`)."""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.service import Actor
from careercenter.credits import approvals
from careercenter.credits import requests as credit_requests
from careercenter.credits.approval_models import ApprovalDecision
from careercenter.credits.models import CreditAward, CreditRequest, RequestState
from careercenter.errors import ValidationFailed
from careercenter.extensions import db
from careercenter.notify.models import OutboxMessage
from careercenter.sso.models import AdvisorAssignment, Person, Role
from tests.credits.helpers import load_test_rules, race, race_person, submitted_request
from tests.factories import verified_experience


@pytest.mark.postgres_only
@pytest.mark.parametrize("second", ["approve", "deny"])
def test_two_advisors_at_once_exactly_one_wins(committed_db: Any, second: str) -> None:
    app = committed_db
    with app.test_request_context():
        student = race_person("racestudent", Role.STUDENT)
        first_advisor, second_advisor = race_person("advisorone", Role.ADVISOR), race_person("advisortwo", Role.ADVISOR)
        db.session.flush()
        for advisor in (first_advisor, second_advisor):
            db.session.add(AdvisorAssignment(advisor_id=advisor.id, student_id=student.id))
        load_test_rules(db.session)
        request_id = submitted_request(db.session, student, [verified_experience(db.session, student, "90")]).id
        advisor_ids = [first_advisor.id, second_advisor.id]
        db.session.commit()

    def decide(index: int, action: str, ready: threading.Barrier) -> str:
        advisor = db.session.get(Person, advisor_ids[index])
        request = db.session.get(CreditRequest, request_id)
        assert request is not None and request.state is RequestState.SUBMITTED
        version = request.version_id
        ready.wait()  # both have read the submitted request before either decides
        if action == "approve":
            approvals.approve(db.session, request, advisor, "Yes.", expected_version=version)
        else:
            approvals.send_back(db.session, request, advisor, "No.", RequestState.DENIED, expected_version=version)
        return "won"

    outcomes = race(app, partial(decide, 0, "approve"), partial(decide, 1, second))
    assert sorted(v.split(":")[0] for v in outcomes) == ["lost", "won"], outcomes
    loser = next(v for v in outcomes if v.startswith("lost"))
    # Both read the submitted request before either wrote; a decision takes the audit chain's
    # lock before it looks again, so the loser sees the winner's decision and is told who made it.
    winner = "Advisorone" if outcomes[0] == "won" else "Advisortwo"
    decided = "approved" if outcomes[0] == "won" else {"approve": "approved", "deny": "denied"}[second]
    assert loser == f"lost: This request was already {decided} by {winner}, so your decision was not saved. " + (
        "The page now shows the request as it is."
    )

    with app.app_context():
        request = db.session.get(CreditRequest, request_id)
        assert request is not None
        awards = db.session.execute(sa.select(CreditAward)).scalars().all()
        mails = db.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.to_address == "racestudent@example.edu")
        ).scalars()
        assert len(list(mails)) == 1  # one decision, one email to the student
        assert len(db.session.execute(sa.select(ApprovalDecision)).scalars().all()) == 1
        if request.state is RequestState.APPROVED:
            assert len(awards) == 1
        else:
            assert request.state is RequestState.DENIED and awards == []
        assert request.version_id == 3  # submitted (2), then exactly one decision (3)
        db.session.remove()


@pytest.mark.postgres_only
def test_two_requests_of_one_student_approved_at_once_stay_within_the_term_cap(committed_db: Any) -> None:
    """INTR-295 allows 3 credits a term; two 2-credit requests approved at the same moment by two
    advisors must not both be granted in full (each used to evaluate the cap without the other)."""
    app = committed_db
    with app.test_request_context():
        student = race_person("capstudent", Role.STUDENT)
        first_advisor, second_advisor = (
            race_person("capadvisorone", Role.ADVISOR),
            race_person("capadvisortwo", Role.ADVISOR),
        )
        db.session.flush()
        for advisor in (first_advisor, second_advisor):
            db.session.add(AdvisorAssignment(advisor_id=advisor.id, student_id=student.id))
        load_test_rules(db.session)
        request_ids = [
            submitted_request(db.session, student, [verified_experience(db.session, student, "90")]).id
            for _ in range(2)
        ]
        advisor_ids = [first_advisor.id, second_advisor.id]
        db.session.commit()

    def approve(index: int, ready: threading.Barrier) -> str:
        advisor = db.session.get(Person, advisor_ids[index])
        request = db.session.get(CreditRequest, request_ids[index])
        assert request is not None and request.computed_credits == 2
        ready.wait()
        # As the form sends it: the 2 credits the page showed.
        approvals.approve(db.session, request, advisor, "Yes.", credits=request.computed_credits)
        return "approved"

    outcomes = race(
        app,
        partial(approve, 0),
        partial(approve, 1),
        lose_on=(ValidationFailed,),
        lost=lambda exc: f"refused: {exc.errors.get('credits')}",
    )
    assert sorted(outcomes) == [
        "approved",
        "refused: You can grant at most 1 credit: that is what the rule allows here.",
    ]
    with app.app_context():
        granted = db.session.execute(sa.select(CreditAward.credits)).scalars().all()
        assert granted == [2]
        db.session.remove()


@pytest.mark.postgres_only
def test_two_submissions_of_the_same_experience_at_once_make_one_request(committed_db: Any) -> None:
    app = committed_db
    with app.test_request_context():
        student = race_person("doublesubmit", Role.STUDENT)
        db.session.flush()
        load_test_rules(db.session)
        student_id, exp_id = student.id, verified_experience(db.session, student, "60").id
        db.session.commit()

    def submit(ready: threading.Barrier) -> str:
        person = db.session.get(Person, student_id)
        draft = credit_requests.prepare_request(db.session, person, "INTR-295", [exp_id], "")
        ready.wait()  # both saw the experience as free
        credit_requests.submit_request(db.session, person, draft, Actor.person(person))
        return "submitted"

    outcomes = race(
        app, submit, submit, lose_on=(ValidationFailed,), lost=lambda exc: f"refused: {exc.errors['experiences']}"
    )
    assert sorted(o.split(":")[0] for o in outcomes) == ["refused", "submitted"], outcomes
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(CreditRequest)).scalar_one() == 1
        db.session.remove()
