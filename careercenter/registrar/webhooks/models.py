"""Webhook subscriptions of API clients, and the outbox of their deliveries.

A delivery row is written in the same transaction as the award change it announces (the
outbox pattern): an event is never announced for a change that was rolled back, and never
lost for one that was committed. The worker (`flask webhooks run`) sends what is due.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careercenter.db import enum_column, utcnow
from careercenter.extensions import db
from careercenter.registrar.models import ApiClient

#: The events a subscription may ask for.
EVENTS = ("award.ready", "award.rescinded")


class DeliveryState(enum.StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # gave up after the last retry; a redelivery can queue it again


#: Redelivery on request moves a delivered or failed delivery back to pending.
DELIVERY_TRANSITIONS: dict[DeliveryState, frozenset[DeliveryState]] = {
    DeliveryState.PENDING: frozenset({DeliveryState.DELIVERED, DeliveryState.FAILED}),
    DeliveryState.DELIVERED: frozenset({DeliveryState.PENDING}),
    DeliveryState.FAILED: frozenset({DeliveryState.PENDING}),
}


class WebhookSubscription(db.Model):
    """A URL a registrar system asked to be told about award events at."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(sa.ForeignKey("api_clients.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    events: Mapped[list[str]] = mapped_column(default=list)
    #: The signing secret (`whsec_…`), encrypted (Fernet, key derived from SECRET_KEY): HMAC
    #: needs the secret itself, so a hash would not do; a database dump alone does not reveal it.
    secret_encrypted: Mapped[str] = mapped_column(sa.Text)
    #: After a rotation, the old secret keeps signing (beside the new one) until this time.
    previous_secret_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    previous_secret_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set by DELETE: no new deliveries; the log stays for the audit trail.
    ended_at: Mapped[datetime | None]

    client: Mapped[ApiClient] = relationship()


class WebhookDelivery(db.Model):
    """One event for one subscription: the exact body signed, and how its attempts went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    #: The `webhook-id` header: the same on every attempt, so receivers can drop repeats.
    message_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    event: Mapped[str] = mapped_column(sa.String(40))
    award_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_awards.id", ondelete="SET NULL"))
    #: The JSON body exactly as signed and sent.
    body: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[DeliveryState] = mapped_column(
        enum_column(DeliveryState, "webhook_delivery_state"), default=DeliveryState.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscription: Mapped[WebhookSubscription] = relationship()
