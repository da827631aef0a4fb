"""The one way states move: legal moves are audited, illegal ones are a clear 409."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.models import AuditEvent
from careercenter.audit.service import Actor
from careercenter.errors import IllegalTransition
from careercenter.internships.models import EXPERIENCE_TRANSITIONS, ExperienceState
from careercenter.statemachine import move


def test_legal_move_is_audited(session: Any, make_student: Any, make_experience: Any) -> None:
    experience = make_experience(make_student())
    move(
        session,
        experience,
        ExperienceState.AWAITING_SIGNOFF,
        transitions=EXPERIENCE_TRANSITIONS,
        actor=Actor.system(),
        action="experience.signoff_requested",
    )
    event = session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "experience.signoff_requested")
    ).scalar_one()
    assert event.data == {"from": "draft", "to": "awaiting_signoff"} and event.subject_id == str(experience.id)


def test_illegal_move_names_the_record_in_words(session: Any, make_student: Any, make_experience: Any) -> None:
    """The message names the record in words (class names like CreditRequest become "credit request")."""
    experience = make_experience(make_student(), state=ExperienceState.VERIFIED)
    with pytest.raises(IllegalTransition) as caught:
        move(
            session,
            experience,
            ExperienceState.DRAFT,
            transitions=EXPERIENCE_TRANSITIONS,
            actor=Actor.system(),
            action="x",
        )
    assert str(caught.value) == "This experience is verified and cannot become draft."
    assert experience.state is ExperienceState.VERIFIED
