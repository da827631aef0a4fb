"""Award changes become webhook deliveries, written in the same transaction (the outbox)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from careercenter import signals
from careercenter.registrar.webhooks import service


def on_award_ready(sender: Any, *, session: Session, award: Any, **_: Any) -> None:
    service.enqueue(session, "award.ready", award, current_app.config)


def on_award_rescinded(sender: Any, *, session: Session, award: Any, **_: Any) -> None:
    service.enqueue(session, "award.rescinded", award, current_app.config)


def connect_receivers() -> None:
    """Connect the receivers (idempotent); `create_app` calls it."""
    signals.award_ready.connect(on_award_ready, weak=False)
    signals.award_rescinded.connect(on_award_rescinded, weak=False)
