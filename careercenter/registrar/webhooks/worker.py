"""The webhook worker: claim due deliveries, POST them signed, retry with exponential backoff.

A delivery is claimed with a lease (`careercenter/leases.py`: one short transaction, `SKIP
LOCKED` on PostgreSQL), the HTTP call runs with no transaction open, and a second short
transaction records the outcome. Each transaction is a `careercenter.transaction.unit_of_work`,
as in the outbox and jobs workers: it commits when it ends and rolls back if it raises.
A worker that dies mid-call leaves the row pending; after the lease another worker sends it
again with the same `webhook-id`, which receivers use to drop repeats.
Each attempt is signed afresh (a new `webhook-timestamp`), so a retry hours later is not
refused by the receiver's timestamp check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter import leases
from careercenter.db import utcnow
from careercenter.observability import log_event
from careercenter.registrar.webhooks import signing
from careercenter.registrar.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscription
from careercenter.registrar.webhooks.service import secrets_in_force
from careercenter.transaction import unit_of_work

MAX_BACKOFF = timedelta(hours=6)
USER_AGENT = "careercenter-webhooks/1 (Standard Webhooks)"


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"webhooks: delivered {self.delivered}, retrying {self.retrying}, failed {self.failed}"


def timeout_for(config: Mapping[str, Any]) -> float:
    return float(config.get("WEBHOOK_TIMEOUT_SECONDS") or 10)


def lease_for(config: Mapping[str, Any]) -> timedelta:
    """How long a claimed delivery is left alone: well past one HTTP call's timeout."""
    return timedelta(seconds=max(60.0, timeout_for(config) * 4))


def backoff(attempts: int, config: Mapping[str, Any]) -> timedelta:
    """Wait before attempt `attempts + 1`: base, 2×base, 4×base… capped at six hours."""
    base = timedelta(seconds=int(config.get("WEBHOOK_BACKOFF_SECONDS") or 30))
    return leases.backoff(attempts, base=base, cap=MAX_BACKOFF)


def claim_next(session: Session, now: datetime, lease: timedelta) -> WebhookDelivery | None:
    """Claim the oldest due delivery and load it, in the caller's transaction; None when none is due."""
    claimed = leases.claim_due(
        session,
        WebhookDelivery,
        due_column=WebhookDelivery.next_attempt_at,
        state_column=WebhookDelivery.state,
        due_state=DeliveryState.PENDING,
        now=now,
        lease=lease,
        extra_values={"last_attempt_at": now},
    )
    return None if claimed is None else leases.load_claimed(session, WebhookDelivery, claimed)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def send(url: str, headers: dict[str, str], body: str, timeout: float) -> Outcome:
    """POST `body`; a 2xx answer is a delivery, anything else (or no answer in time) is not."""
    try:
        response = requests.post(
            url,
            data=body.encode("utf-8"),
            headers={**headers, "user-agent": USER_AGENT},
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.Timeout:
        return Outcome(None, f"no answer within {timeout:g} s")
    except requests.RequestException as exc:
        return Outcome(None, f"connection failed: {type(exc).__name__}")
    if 200 <= response.status_code < 300:
        return Outcome(response.status_code, None)
    return Outcome(response.status_code, f"HTTP {response.status_code}")


def _record(
    session: Session, delivery_id: int, attempts: int, outcome: Outcome, config: Mapping[str, Any], now: datetime
) -> DeliveryState:
    """Write the outcome with one UPDATE, in the caller's transaction."""
    values: dict[str, Any] = {"last_status_code": outcome.status_code, "last_error": outcome.error}
    if outcome.ok:
        state = DeliveryState.DELIVERED
        values["delivered_at"] = now
    else:
        max_attempts = int(config.get("WEBHOOK_MAX_ATTEMPTS") or 10)
        state = DeliveryState.FAILED if attempts >= max_attempts else DeliveryState.PENDING
        if state is DeliveryState.PENDING:
            values["next_attempt_at"] = now + backoff(attempts, config)
    values["state"] = state
    session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.state == DeliveryState.PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return state


def deliver_due(
    session: Session, config: Mapping[str, Any], *, now: datetime | None = None, limit: int | None = None
) -> DeliveryReport:
    """Attempt every delivery due at `now` (default: the current time) once; one worker pass."""
    report = DeliveryReport()
    lease = lease_for(config)
    while limit is None or report.delivered + report.retrying + report.failed < limit:
        with unit_of_work(session):  # the claim and what the call needs; none stays open during it
            delivery = claim_next(session, now or utcnow(), lease)
            if delivery is None:
                break
            subscription = session.get(WebhookSubscription, delivery.subscription_id)
            assert subscription is not None
            delivery_id, attempts, message_id = delivery.id, delivery.attempts, delivery.message_id
            url, body, event = subscription.url, delivery.body, delivery.event
            headers = signing.signed_headers(secrets_in_force(subscription, config), message_id, utcnow(), body)
        outcome = send(url, headers, body, timeout_for(config))
        with unit_of_work(session):
            state = _record(session, delivery_id, attempts, outcome, config, now or utcnow())
        log_event(
            "webhooks.delivery",
            delivery_id=delivery_id,
            webhook_event=event,
            attempt=attempts,
            outcome=state.value,
            status_code=outcome.status_code,
        )
        if state is DeliveryState.DELIVERED:
            report.delivered += 1
            continue
        report.errors.append(f"delivery {delivery_id} to {url}: {outcome.error}")
        if state is DeliveryState.FAILED:
            report.failed += 1
        else:
            report.retrying += 1
    return report
