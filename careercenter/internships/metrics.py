"""Sign-off gauges on /metrics (registered by `careercenter/wiring.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.orm import Session

from careercenter.internships.models import SignoffRequest, SignoffState


def signoff_gauges(session: Session, now: datetime) -> Iterator[GaugeMetricFamily]:
    waiting = session.execute(
        sa.select(sa.func.count()).where(
            SignoffRequest.state == SignoffState.SENT,
            SignoffRequest.expires_at > now,
        )
    ).scalar_one()
    yield GaugeMetricFamily("careercenter_signoffs_waiting", "Live sign-off links not yet used.", value=waiting)
