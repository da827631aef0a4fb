"""Fixtures for share links: verified experiences (their credentials are what is shared)."""

from __future__ import annotations

from typing import Any

import pytest

from careercenter.internships.models import ExperienceState


@pytest.fixture()
def verified(make_experience: Any) -> Any:
    """A verified experience of `student`."""
    return lambda student, **kw: make_experience(student, state=ExperienceState.VERIFIED, **kw)
