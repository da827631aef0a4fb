"""Fixtures for the credentials tests: verified experiences. Credit awards come from the one
`make_award` factory (tests/conftest.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest


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
