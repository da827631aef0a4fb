"""Award gauges on /metrics (registered by `careercenter/wiring.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.orm import Session

from careercenter.credits.models import AwardStatus, CreditAward


def award_gauges(session: Session, now: datetime) -> Iterator[GaugeMetricFamily]:
    waiting = session.execute(sa.select(sa.func.count()).where(CreditAward.status == AwardStatus.PENDING)).scalar_one()
    yield GaugeMetricFamily(
        "careercenter_awards_waiting_to_post", "Credit awards the registrar has not posted yet.", value=waiting
    )
