"""Demo step: the demo registrar client subscribes to award events at a local receiver, and
the demo's pending awards are queued as `award.ready` events for it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from careercenter.credits.models import AwardStatus, CreditAward
from careercenter.registrar.webhooks import service
from careercenter.registrar.webhooks.models import EVENTS

DEMO_PORT = 8765
DEMO_URL = f"http://127.0.0.1:{DEMO_PORT}/webhooks"


def seed(session: Session, demo: Any) -> list[str]:
    made = demo.extra.get("api_client")
    if made is None:
        return []
    config = current_app.config
    subscription = service.create_subscription(session, made.client, DEMO_URL, list(EVENTS), config)
    pending = session.execute(
        sa.select(CreditAward).where(CreditAward.status == AwardStatus.PENDING).order_by(CreditAward.id)
    ).scalars()
    queued = sum(len(service.enqueue(session, "award.ready", award, config)) for award in pending)
    return [
        f"webhooks: the demo registrar client is subscribed to {', '.join(EVENTS)} at {DEMO_URL}; "
        f"{queued} event(s) queued. To watch them arrive, run in two terminals:",
        f"  python examples/webhook_receiver.py --port {DEMO_PORT} --secret {subscription.secret}",
        "  flask webhooks run",
    ]
