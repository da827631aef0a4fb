"""Demo step: Maya has an amendment request waiting, and a denied one with her statement of
disagreement (it then shows on her transcripts, in the registrar API and in her export)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from careercenter.amendments import service
from careercenter.demo import Demo
from careercenter.internships.models import Experience, ExperienceState

WAITING = (
    "The project title says survey analysis; the project was the member-churn dashboard.",
    "Member-churn dashboard",
)
DENIED = ("The hours should include the 6 hours of onboarding.", "The hours plus 6 hours of onboarding")
DENIAL = "Onboarding is not project work: the supervisor confirmed the project hours only, and the rule counts those."
STATEMENT = "I disagree: the onboarding was part of the project brief, and my supervisor asked me to attend it."


def seed(session: Session, demo: Demo) -> list[str]:
    maya, karen = demo.people.get("maya"), demo.people.get("karen")
    if maya is None or karen is None:
        return []
    verified = list(
        session.execute(
            sa.select(Experience)
            .where(Experience.student_id == maya.id, Experience.state == ExperienceState.VERIFIED)
            .order_by(Experience.start_date, Experience.id)
        ).scalars()
    )
    if not verified:
        return []
    days = int(current_app.config.get("AMENDMENT_DAYS") or service.DEFAULT_DAYS)
    denied = service.request_amendment(
        session, maya, verified[0], what_is_wrong=DENIED[0], should_say=DENIED[1], days=days
    )
    service.deny(session, denied, decided_by=karen, reason=DENIAL)
    service.add_statement(session, denied, maya, STATEMENT)
    waiting = verified[1] if len(verified) > 1 else verified[0]
    service.request_amendment(session, maya, waiting, what_is_wrong=WAITING[0], should_say=WAITING[1], days=days)
    return [
        "amendments: Maya Okafor has one waiting at /registrar/amendments and a denied one with her "
        "statement of disagreement (on her record page and transcripts)"
    ]
