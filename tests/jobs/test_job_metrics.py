"""The jobs table on /metrics: jobs by state and the oldest queued job's age (issue 22)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from careercenter import observability
from careercenter.jobs import service as jobs
from careercenter.jobs.models import JobState

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _job_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"careercenter_jobs[ {_]", line)]


def test_jobs_by_state_and_the_oldest_queued_age(
    client: Any, session: Any, make_student: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(observability, "utcnow", lambda: NOW)
    assert _job_lines(client.get("/metrics").get_data(as_text=True)) == [
        'careercenter_jobs{state="queued"} 0.0',
        'careercenter_jobs{state="failed"} 0.0',
        "careercenter_jobs_oldest_age_seconds 0.0",
    ]
    student = make_student()
    first = jobs.enqueue(session, "transcript.issue", {"student_id": student.id}, owner_id=student.id)
    second = jobs.enqueue(session, "transcript.issue", {"student_id": student.id}, owner_id=student.id)
    first.created_at, second.created_at = NOW - timedelta(seconds=95), NOW - timedelta(seconds=30)
    first.state = JobState.FAILED  # the older one gave up: the oldest queued is the second
    session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert "# TYPE careercenter_jobs gauge" in text
    assert _job_lines(text) == [
        'careercenter_jobs{state="queued"} 1.0',
        'careercenter_jobs{state="failed"} 1.0',
        "careercenter_jobs_oldest_age_seconds 30.0",
    ]
    third = jobs.enqueue(session, "transcript.issue", {"student_id": student.id}, owner_id=student.id)
    third.created_at = NOW - timedelta(seconds=50)
    session.commit()
    assert _job_lines(client.get("/metrics").get_data(as_text=True)) == [
        'careercenter_jobs{state="queued"} 2.0',
        'careercenter_jobs{state="failed"} 1.0',
        "careercenter_jobs_oldest_age_seconds 50.0",
    ]
