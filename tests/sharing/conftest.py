"""Fixtures for share links: verified experiences (their credentials are what is shared)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture()
def verified(verified_experience: Any) -> Any:
    """A verified experience of `student` (the shared factory)."""
    return verified_experience
