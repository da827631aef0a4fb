"""Fixtures for the credentials tests: verified experiences (shared factory) and credit awards
made directly (the credits domain's services are built elsewhere in parallel)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from careercenter.credits.models import (
    AwardStatus,
    CreditAward,
    CreditRequest,
    CreditRule,
    RequestState,
)
from careercenter.db import utcnow


@pytest.fixture()
def config(app: Any) -> Any:
    return app.config


@pytest.fixture()
def verified_defaults() -> dict[str, Any]:
    """The credentials tests' verified experience (for `verified_experience`, tests/conftest.py)."""
    return {
        "employer": "Acme Analytics",
        "title": "Customer churn dashboard",
        "start_date": date(2026, 3, 2),
        "end_date": date(2026, 3, 20),
        "hours": Decimal("22.5"),
        "verified_hours": Decimal("20.5"),
        "skills": ["communication", "problem solving", "data analysis"],
        "skill_ratings": {"communication": 4, "problem solving": 5, "data analysis": 3},
        "attested_name": "Pat Supervisor",
    }


@pytest.fixture()
def make_award(session: Any) -> Any:
    counter = iter(range(1, 10_000))

    def make(
        student: Any,
        experiences: list[Any],
        *,
        status: AwardStatus = AwardStatus.POSTED,
        credits: Decimal = Decimal("1.5"),
        term: str = "2026SP",
    ) -> CreditAward:
        n = next(counter)
        rule = CreditRule(
            code=f"INTR295-{n}-{student.id}",
            version=1,
            name="Micro-internship credit",
            course_subject="INTR",
            course_number="295",
            course_title="Professional Experience",
            grading_basis="P/NP",
            definition={"hours_per_credit": 45},
            content_hash="0" * 64,
        )
        session.add(rule)
        session.flush()
        request = CreditRequest(
            student_id=student.id,
            rule_id=rule.id,
            term=term,
            state=RequestState.APPROVED,
            reflection="What I learned.",
            is_eligible=True,
            computed_credits=credits,
            submitted_at=utcnow(),
        )
        request.experiences = list(experiences)
        session.add(request)
        session.flush()
        award = CreditAward(
            request_id=request.id,
            student_id=student.id,
            rule_id=rule.id,
            term=term,
            credits=credits,
            grading_basis="P/NP",
            status=status,
            approved_at=utcnow(),
            posted_at=utcnow() if status is AwardStatus.POSTED else None,
            sis_reference="BANNER-123" if status is AwardStatus.POSTED else None,
        )
        session.add(award)
        session.flush()
        return award

    return make
