"""Fixtures for the credentials tests: verified experiences and the demo campus on a live server.
Credit awards come from the one `make_award` factory (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from careercenter.demo import seed_demo
from careercenter.extensions import db
from tests.credentials.reference import free_port
from tests.peers.live_server import LiveServer


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
def demo_server(committed_db: Any, make_app: Any) -> Iterator[tuple[Any, LiveServer]]:
    """The demo campus served on 127.0.0.1, its public URL being the server's own."""
    port = free_port()
    app = make_app(PUBLIC_URL=f"http://127.0.0.1:{port}")
    with app.app_context():
        seed_demo(db.session, history=False)
        db.session.commit()
        db.session.remove()
    server = LiveServer(app, port=port)
    try:
        yield app, server
    finally:
        server.stop()
