"""The "Preparing your transcript…" page's state as JSON, which its script polls (issue 22):
queued, running, ready with the PDF's URL, failed; the owning student's only."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.extensions import db
from careercenter.jobs import service as jobs
from careercenter.jobs.models import Job, JobState
from careercenter.transcripts.models import Transcript
from tests.factories import verified_experience


@pytest.fixture()
def queued(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    return app


def test_status_says_queued_then_ready_with_the_download_url(
    queued: Any, client: Any, login: Any, session: Any, make_student: Any, signing_pair: Any
) -> None:
    student = make_student()
    verified_experience(session, student)
    session.commit()
    login(student)
    page = client.post("/transcripts").headers["Location"]
    status_url = f"{page}.json"
    assert f'data-poll-url="{status_url}"' in client.get(page).get_data(as_text=True)

    response = client.get(status_url)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_json() == {"state": "queued", "download_url": None, "transcript_url": None}

    assert jobs.run_due(db.session, queued)["done"] == 1
    transcript = session.execute(sa.select(Transcript).where(Transcript.student_id == student.id)).scalar_one()
    assert client.get(status_url).get_json() == {
        "state": "ready",
        "download_url": f"/transcripts/{transcript.id}/pdf",
        "transcript_url": f"/transcripts/{transcript.id}",
    }
    assert client.get(f"/transcripts/{transcript.id}/pdf").data == transcript.pdf


def test_status_says_running_once_a_worker_took_it_and_failed_when_given_up(
    client: Any, login: Any, session: Any, make_student: Any
) -> None:
    student = make_student()
    job = jobs.enqueue(session, "transcript.issue", {"student_id": student.id}, owner_id=student.id)
    job.attempts = 1  # claimed by a worker (or waiting to be retried after a failed attempt)
    session.commit()
    login(student)
    assert client.get(f"/transcripts/requests/{job.id}.json").get_json()["state"] == "running"
    job.state = JobState.FAILED
    session.commit()
    body = client.get(f"/transcripts/requests/{job.id}.json").get_json()
    assert body == {"state": "failed", "download_url": None, "transcript_url": None}


def test_status_is_the_owners_alone(client: Any, login: Any, session: Any, make_student: Any) -> None:
    student = make_student()
    job = jobs.enqueue(session, "transcript.issue", {"student_id": student.id}, owner_id=student.id)
    session.commit()
    login(make_student())
    assert client.get(f"/transcripts/requests/{job.id}.json").status_code == 404  # another student's
    login(student)
    missing = session.execute(sa.select(sa.func.max(Job.id))).scalar_one() + 1
    assert client.get(f"/transcripts/requests/{missing}.json").status_code == 404  # no such request
    assert client.get(f"/transcripts/requests/{job.id}.json").status_code == 200
