"""Award changes become webhook deliveries, written in the same transaction (the outbox).

Connected to `signals.award_ready` and `signals.award_rescinded` in `careercenter/wiring.py`.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from careercenter.registrar.webhooks import service


def on_award_ready(sender: Any, *, session: Session, award: Any, **_: Any) -> None:
    service.enqueue(session, "award.ready", award, current_app.config)


def on_award_rescinded(sender: Any, *, session: Session, award: Any, **_: Any) -> None:
    service.enqueue(session, "award.rescinded", award, current_app.config)
