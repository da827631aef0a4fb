"""Two chairs decide the same route step at the same moment through two connections (two app
servers): exactly one decision is kept (PostgreSQL, real concurrent transactions)."""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.credits import approvals
from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait
from careercenter.credits.models import CreditRequest, RequestState
from careercenter.errors import Conflict, NotAllowed
from careercenter.extensions import db
from careercenter.sso.models import AdvisorAssignment, Person, Role
from tests.credits.helpers import load_test_rules, race, race_person, submitted_request
from tests.credits.routes_helpers import ROUTE_RULES
from tests.factories import verified_experience

CS = "Computer Science"


def _setup(app: Any) -> tuple[int, list[int]]:
    with app.test_request_context():
        student = race_person("routestudent", Role.STUDENT, program=CS)
        advisor = race_person("routeadvisor", Role.ADVISOR, program=CS)
        chairs = [race_person(f"routechair{i}", Role.FACULTY, program=CS, pools={"csci-chairs"}) for i in (1, 2)]
        race_person("routeregistrar", Role.REGISTRAR, program=CS)
        db.session.flush()
        db.session.add(AdvisorAssignment(advisor_id=advisor.id, student_id=student.id))
        load_test_rules(db.session, ROUTE_RULES)
        exp = verified_experience(db.session, student, "60", category="Software development")
        request = submitted_request(db.session, student, [exp], code="CSCI-397")
        approvals.approve(db.session, request, advisor, "")
        ids = (request.id, [c.id for c in chairs])
        db.session.commit()
        return ids


@pytest.mark.postgres_only
@pytest.mark.parametrize("with_version", [True, False])
def test_two_chairs_at_once_exactly_one_decision(committed_db: Any, with_version: bool) -> None:
    app = committed_db
    request_id, chair_ids = _setup(app)

    def decide(index: int, ready: threading.Barrier) -> str:
        chair = db.session.get(Person, chair_ids[index])
        request = db.session.get(CreditRequest, request_id)
        assert request is not None and approvals.may_decide(db.session, chair, request) is not None
        version = request.version_id if with_version else None
        ready.wait()  # both saw the chair step waiting before either decides
        if index == 0:
            approvals.approve(db.session, request, chair, "Yes.", expected_version=version)
        else:
            approvals.send_back(db.session, request, chair, "No.", RequestState.RETURNED, expected_version=version)
        return "won"

    outcomes = race(app, partial(decide, 0), partial(decide, 1), lose_on=(Conflict, NotAllowed))
    assert sorted(v.split(":")[0] for v in outcomes) == ["lost", "won"], outcomes

    with app.app_context():
        chair_step = (
            db.session.execute(
                sa.select(ApprovalDecision).where(
                    ApprovalDecision.request_id == request_id, ApprovalDecision.step_index == 1
                )
            )
            .scalars()
            .all()
        )
        assert len(chair_step) == 1
        request = db.session.get(CreditRequest, request_id)
        wait = db.session.get(ApprovalWait, request_id)
        if outcomes[0] == "won":
            assert request.state is RequestState.SUBMITTED and wait.step_label == "Registrar check"
            assert chair_step[0].decision.value == "approved"
        else:
            assert request.state is RequestState.RETURNED and wait is None
        db.session.remove()
