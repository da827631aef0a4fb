"""A sign-off request's own state machine: sent → used | withdrawn | expired, each once, by its
table (`SIGNOFF_TRANSITIONS`), with the database refusing a state and an outcome that disagree."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.service import Actor
from careercenter.db import utcnow
from careercenter.errors import IllegalTransition
from careercenter.internships import signoff
from careercenter.internships.models import SIGNOFF_TRANSITIONS, ExperienceState, SignoffRequest, SignoffState
from careercenter.internships.signoff_checks import SignoffInput
from careercenter.internships.signoff_tasks import run_due_signoff_tasks
from careercenter.statemachine import set_state


@pytest.fixture()
def sent(session: Any, make_student: Any, make_experience: Any) -> tuple[Any, SignoffRequest, str]:
    student = make_student()
    experience = make_experience(student, hours=Decimal("15"))
    request, token = signoff.request_signoff(session, experience, Actor.person(student))
    return experience, request, token


def _answer() -> SignoffInput:
    return SignoffInput(Decimal("15"), {"communication": 5, "problem solving": 4}, "Good work.", True, True, "Pat S")


def test_a_new_request_is_sent_and_is_the_open_one(session: Any, sent: Any) -> None:
    experience, request, _ = sent
    assert request.state is SignoffState.SENT and request.is_open and request.outcome is None
    assert signoff.open_request(session, experience) is request


def test_confirming_uses_it_once_with_the_outcome(session: Any, sent: Any) -> None:
    experience, request, token = sent
    signoff.confirm_signoff(session, token, _answer(), ip=None, user_agent=None)
    session.refresh(request)
    assert request.state is SignoffState.USED and request.outcome == "confirmed" and request.used_at is not None
    assert experience.state is ExperienceState.VERIFIED
    assert signoff.open_request(session, experience) is None
    with pytest.raises(signoff.InvalidLink):
        signoff.confirm_signoff(session, token, _answer(), ip=None, user_agent=None)


def test_withdrawn_then_a_new_request_may_be_sent(session: Any, sent: Any) -> None:
    experience, request, _ = sent
    signoff.withdraw_signoff(session, experience, Actor.system("test"))
    assert request.state is SignoffState.WITHDRAWN and request.withdrawn_at is not None and request.outcome is None
    again, _ = signoff.request_signoff(session, experience, Actor.system("test"))
    assert again.state is SignoffState.SENT and signoff.open_request(session, experience) is again


def test_the_worker_expires_only_sent_requests(session: Any, sent: Any) -> None:
    experience, request, _ = sent
    request.expires_at = utcnow() - timedelta(minutes=1)
    session.flush()
    run_due_signoff_tasks(session)
    assert request.state is SignoffState.EXPIRED and experience.state is ExperienceState.DRAFT
    assert run_due_signoff_tasks(session) == []  # an expired request is not expired twice


@pytest.mark.parametrize("end", [SignoffState.USED, SignoffState.WITHDRAWN, SignoffState.EXPIRED])
def test_an_ended_request_never_moves_again(sent: Any, end: SignoffState) -> None:
    _, request, _ = sent
    request.state = end
    assert SIGNOFF_TRANSITIONS[end] == frozenset()
    for to in SignoffState:
        with pytest.raises(IllegalTransition):
            set_state(request, to, transitions=SIGNOFF_TRANSITIONS)


def test_the_database_refuses_an_outcome_that_disagrees_with_the_state(session: Any, sent: Any) -> None:
    _, request, _ = sent
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.execute(sa.update(SignoffRequest).where(SignoffRequest.id == request.id).values(outcome="confirmed"))
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.execute(
            sa.update(SignoffRequest).where(SignoffRequest.id == request.id).values(state=SignoffState.USED)
        )


def test_only_one_sent_request_per_experience(session: Any, sent: Any) -> None:
    experience, request, _ = sent
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.add(
            SignoffRequest(
                experience_id=experience.id,
                token_hash="f" * 64,
                supervisor_email=request.supervisor_email,
                expires_at=request.expires_at,
            )
        )
        session.flush()
