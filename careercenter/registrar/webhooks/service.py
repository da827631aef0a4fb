"""Webhook subscriptions and events: plain functions taking a session; they only flush.

An event names the award and its `updated_at`, and nothing about the student: the pull feed
stays the source of truth (and the disclosure log is written when the registrar system reads
it), so a receiver that missed an event finds the change on its next pull.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.credits.models import CreditAward
from careercenter.db import utcnow
from careercenter.errors import ValidationFailed
from careercenter.registrar.models import ApiClient
from careercenter.registrar.webhooks import schemas, signing
from careercenter.registrar.webhooks.models import (
    DELIVERY_TRANSITIONS,
    EVENTS,
    DeliveryState,
    WebhookDelivery,
    WebhookSubscription,
)
from careercenter.statemachine import move

Config = Mapping[str, Any]
MAX_URL = schemas.MAX_URL
MAX_SUBSCRIPTIONS = 20
MAX_ID = 2**31 - 1
URL_PATTERN = re.compile(schemas.URL_PATTERN)


class SubscriptionNotFound(LookupError):
    """No such subscription (or delivery) of this client: the API's 404."""


@dataclass(frozen=True)
class NewSecret:
    subscription: WebhookSubscription
    #: Shown once; only its encrypted form is kept.
    secret: str


def client_actor(client: ApiClient) -> Actor:
    return Actor("api_client", client.client_id, f"{client.name} (registrar API client)")


def _check_url(url: Any, config: Config) -> str:
    if not isinstance(url, str) or not URL_PATTERN.fullmatch(url) or len(url) > MAX_URL:
        raise ValidationFailed(
            f"url must be an absolute http(s) URL with a host name and no credentials, at most {MAX_URL} characters.",
            {"url": "bad"},
        )
    if config.get("IS_PRODUCTION") and not url.startswith("https://"):
        raise ValidationFailed("url must be an https:// URL.", {"url": "not https"})
    return url


def _check_events(events: Any) -> list[str]:
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise ValidationFailed(f"events must be a non-empty list of: {', '.join(EVENTS)}.", {"events": "bad"})
    if len(set(events)) != len(events):
        raise ValidationFailed("events must not name an event twice.", {"events": "repeated"})
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise ValidationFailed(
            f"Unknown event {', '.join(unknown)}: choose from {', '.join(EVENTS)}.", {"events": "unknown"}
        )
    return [e for e in EVENTS if e in events]


def parse_request(body: Any, config: Config) -> tuple[str, list[str]]:
    """`{"url": …, "events": [...]}` → (url, events); `ValidationFailed` on anything else."""
    if not isinstance(body, dict):
        raise ValidationFailed("The body must be a JSON object with url and events.", {"body": "not an object"})
    extra = sorted(set(body) - {"url", "events"})
    if extra:
        raise ValidationFailed(f"Unknown field {', '.join(extra)}.", {name: "unknown" for name in extra})
    return _check_url(body.get("url"), config), _check_events(body.get("events"))


def create_subscription(session: Session, client: ApiClient, url: str, events: list[str], config: Config) -> NewSecret:
    """Subscribe `url` to `events` for `client`; return it with its secret (shown once)."""
    active = session.execute(
        sa.select(sa.func.count()).where(
            WebhookSubscription.client_pk == client.id, WebhookSubscription.ended_at.is_(None)
        )
    ).scalar_one()
    if active >= MAX_SUBSCRIPTIONS:
        raise ValidationFailed(f"A client may hold at most {MAX_SUBSCRIPTIONS} subscriptions.", {"url": "too many"})
    secret = signing.new_secret()
    subscription = WebhookSubscription(
        client_pk=client.id, url=url, events=events, secret_encrypted=signing.encrypt(config, secret)
    )
    session.add(subscription)
    session.flush()
    record_event(
        session,
        client_actor(client),
        "webhook.subscribed",
        "webhook_subscriptions",
        subscription.id,
        {"url": url, "events": events},
    )
    return NewSecret(subscription, secret)


def list_subscriptions(session: Session, client: ApiClient) -> list[WebhookSubscription]:
    return list(
        session.execute(
            sa.select(WebhookSubscription)
            .where(WebhookSubscription.client_pk == client.id, WebhookSubscription.ended_at.is_(None))
            .order_by(WebhookSubscription.id)
        ).scalars()
    )


def get_subscription(session: Session, client: ApiClient, subscription_id: int) -> WebhookSubscription:
    """The client's own live subscription; another client's looks exactly like a missing one."""
    row = session.get(WebhookSubscription, subscription_id) if 0 < subscription_id <= MAX_ID else None
    if row is None or row.client_pk != client.id or row.ended_at is not None:
        raise SubscriptionNotFound(f"No webhook subscription {subscription_id}.")
    return row


def end_subscription(session: Session, client: ApiClient, subscription_id: int) -> None:
    """End a subscription: nothing more is sent to it, pending deliveries are dropped."""
    row = get_subscription(session, client, subscription_id)
    row.ended_at = utcnow()
    dropped = session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == row.id, WebhookDelivery.state == DeliveryState.PENDING)
        .values(state=DeliveryState.FAILED, last_error="subscription ended", next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    session.flush()
    record_event(session, client_actor(client), "webhook.ended", "webhook_subscriptions", row.id, {"dropped": dropped})


def rotate_secret(session: Session, client: ApiClient, subscription_id: int, config: Config) -> NewSecret:
    """A new secret signs from now on; the current one keeps signing too for the overlap window."""
    row = get_subscription(session, client, subscription_id)
    secret = signing.new_secret()
    hours = int(config.get("WEBHOOK_SECRET_OVERLAP_HOURS") or 24)
    row.previous_secret_encrypted = row.secret_encrypted
    row.previous_secret_expires_at = utcnow() + timedelta(hours=hours)
    row.secret_encrypted = signing.encrypt(config, secret)
    session.flush()
    record_event(
        session,
        client_actor(client),
        "webhook.secret_rotated",
        "webhook_subscriptions",
        row.id,
        {"overlap_hours": hours},
    )
    return NewSecret(row, secret)


def secrets_in_force(subscription: WebhookSubscription, config: Config) -> list[str]:
    """The secret, and the previous one while its overlap window lasts."""
    out = [signing.decrypt(config, subscription.secret_encrypted)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret_encrypted and expires is not None and expires > utcnow():
        out.append(signing.decrypt(config, subscription.previous_secret_encrypted))
    return out


def deliveries(session: Session, subscription: WebhookSubscription, limit: int = 50) -> list[WebhookDelivery]:
    return list(
        session.execute(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == subscription.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        ).scalars()
    )


def redeliver(session: Session, client: ApiClient, subscription_id: int, delivery_id: int) -> WebhookDelivery:
    """Queue a delivery again, at once (same message id and body; a fresh timestamp and signature)."""
    subscription = get_subscription(session, client, subscription_id)
    delivery = session.get(WebhookDelivery, delivery_id) if 0 < delivery_id <= MAX_ID else None
    if delivery is None or delivery.subscription_id != subscription.id:
        raise SubscriptionNotFound(f"No delivery {delivery_id} of webhook subscription {subscription_id}.")
    if delivery.state is not DeliveryState.PENDING:
        move(
            session,
            delivery,
            DeliveryState.PENDING,
            transitions=DELIVERY_TRANSITIONS,
            actor=client_actor(client),
            action="webhook.redelivery_requested",
            data={"message_id": delivery.message_id},
        )
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    session.flush()
    return delivery


# -- events ---------------------------------------------------------------------------------


def event_body(event: str, award: CreditAward, config: Config) -> str:
    """The JSON body: type, timestamp, and the award's id, status and `updated_at`."""
    updated = award.updated_at or utcnow()
    return json.dumps(
        {
            "type": event,
            "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
            "data": {
                "award_id": award.id,
                "status": award.status.value,
                "updated_at": updated.isoformat().replace("+00:00", "Z"),
                "href": f"{config['PUBLIC_URL']}/api/v1/credit-awards/{award.id}",
            },
        },
        separators=(",", ":"),
    )


def enqueue(session: Session, event: str, award: CreditAward, config: Config) -> list[WebhookDelivery]:
    """Write one delivery per live subscription to `event`, in the caller's transaction."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    session.flush()
    # On PostgreSQL a trigger stamps updated_at from the database clock: read that value.
    session.refresh(award, ["updated_at"])
    subscriptions = [
        s
        for s in session.execute(
            sa.select(WebhookSubscription)
            .join(ApiClient, ApiClient.id == WebhookSubscription.client_pk)
            .where(WebhookSubscription.ended_at.is_(None), ApiClient.revoked_at.is_(None))
        ).scalars()
        if event in s.events
    ]
    made = []
    for subscription in subscriptions:
        delivery = WebhookDelivery(
            subscription_id=subscription.id,
            message_id=f"msg_{uuid.uuid4().hex}",
            event=event,
            award_id=award.id,
            body=event_body(event, award, config),
        )
        session.add(delivery)
        made.append(delivery)
    session.flush()
    return made
