"""Demo step: one registrar API client whose credentials the seed summary prints, and its first read."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from careercenter.db import utcnow
from careercenter.registrar import feed
from careercenter.registrar.service import create_client, disclose_awards

DEMO_CLIENT_NAME = "Demo registrar sync"
DEMO_SCOPES = "credits:read credits:write webhooks:manage"


def seed(session: Session, demo: Any) -> list[str]:
    """Make the demo API client; its secret appears only in these summary lines. Its first
    nightly read has happened: one page of the awards so far, in each student's disclosure log."""
    made = create_client(session, DEMO_CLIENT_NAME, DEMO_SCOPES)
    demo.extra["api_client"] = made
    awards, _ = feed.fetch_page(session, feed.FeedQuery(limit=feed.MAX_LIMIT), utcnow())
    disclose_awards(session, made.client, awards)
    return [
        f"the {DEMO_CLIENT_NAME!r} client has read {len(awards)} awards once (one row in award_disclosures);"
        " Maya Okafor's /me/disclosures shows the read of hers",
        f"registrar API client {DEMO_CLIENT_NAME!r} ({DEMO_SCOPES}), "
        "try the README's curl example or examples/registrar_sync.py with:",
        f"  client_id: {made.client.client_id}",
        f"  client_secret: {made.secret}",
    ]
