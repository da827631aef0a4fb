"""Demo step: one registrar API client whose credentials the seed summary prints."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from careercenter.registrar.service import create_client

DEMO_CLIENT_NAME = "Demo registrar sync"
DEMO_SCOPES = "credits:read credits:write webhooks:manage"


def seed(session: Session, demo: Any) -> list[str]:
    """Make the demo API client; its secret appears only in these summary lines."""
    made = create_client(session, DEMO_CLIENT_NAME, DEMO_SCOPES)
    demo.extra["api_client"] = made
    return [
        f"registrar API client {DEMO_CLIENT_NAME!r} ({DEMO_SCOPES}), "
        "try the README's curl example or examples/registrar_sync.py with:",
        f"  client_id: {made.client.client_id}",
        f"  client_secret: {made.secret}",
    ]
