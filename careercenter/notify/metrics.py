"""The outbox's gauges on /metrics (registered by `careercenter/wiring.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.orm import Session

from careercenter.notify.models import OutboxMessage, OutboxState


def outbox_gauges(session: Session, now: datetime) -> Iterator[GaugeMetricFamily]:
    depth, oldest = session.execute(
        sa.select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(
            OutboxMessage.state == OutboxState.QUEUED
        )
    ).one()
    failed = session.execute(sa.select(sa.func.count()).where(OutboxMessage.state == OutboxState.FAILED)).scalar_one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    yield GaugeMetricFamily("careercenter_outbox_depth", "Messages queued for delivery.", value=depth)
    yield GaugeMetricFamily(
        "careercenter_outbox_oldest_age_seconds",
        "Age of the oldest queued message (0 when the outbox is empty).",
        value=(now - oldest).total_seconds() if oldest else 0.0,
    )
    yield GaugeMetricFamily("careercenter_outbox_failed", "Messages that gave up after retries.", value=failed)
