"""The jobs table's gauges on /metrics (registered by `careercenter/wiring.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.orm import Session

from careercenter.jobs.models import Job, JobState

#: The states worth watching: work waiting (or being run, or waiting for a retry) and work given up
#: on. DONE is left out, as the outbox leaves out sent mail: it only grows, and counting it would
#: read the table's whole history on every scrape.
GAUGED_STATES = (JobState.QUEUED, JobState.FAILED)


def job_gauges(session: Session, now: datetime) -> Iterator[GaugeMetricFamily]:
    rows = session.execute(
        sa.select(Job.state, sa.func.count(), sa.func.min(Job.created_at))
        .where(Job.state.in_(GAUGED_STATES))
        .group_by(Job.state)
    ).all()
    counts = dict.fromkeys(GAUGED_STATES, 0)
    oldest: datetime | None = None
    for value, count, first in rows:
        state = JobState(value)
        counts[state] = count
        if state is JobState.QUEUED:
            oldest = first
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    by_state = GaugeMetricFamily(
        "careercenter_jobs", "Background jobs by state (queued: waiting, running or retrying).", labels=["state"]
    )
    for state in GAUGED_STATES:
        by_state.add_metric([state.value], counts[state])
    yield by_state
    yield GaugeMetricFamily(
        "careercenter_jobs_oldest_age_seconds",
        "Age of the oldest queued job (0 when none is queued).",
        value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    )
