"""Transcripts off the request path (issue 22): "Request transcript" queues a job, the page says
"Preparing your transcript…" and refreshes itself, a jobs worker renders and signs; a worker
killed mid-job leaves nothing, and the worker that takes over makes the one transcript."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.extensions import db
from careercenter.jobs import service as jobs
from careercenter.jobs.models import Job, JobState
from careercenter.sso.models import Person, Role
from careercenter.transcripts.models import Transcript
from careercenter.transcripts.signing import forget_signer
from tests.factories import verified_experience


@pytest.fixture()
def queued(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app as production runs it: requests queue jobs, workers run them."""
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    return app


def _transcripts(session: Any, student_id: int) -> list[Transcript]:
    return list(session.execute(sa.select(Transcript).where(Transcript.student_id == student_id)).scalars())


def test_request_queues_a_job_the_page_prepares_then_shows_the_transcript(
    queued: Any, client: Any, login: Any, session: Any, make_student: Any, signing_pair: Any
) -> None:
    student = make_student(name="Ana Queue")
    verified_experience(session, student)
    session.commit()
    login(student)
    response = client.post("/transcripts")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/transcripts/requests/")
    assert _transcripts(session, student.id) == []  # nothing rendered in the request
    page = client.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Preparing your transcript…" in html
    # refreshes itself without JavaScript; with it, static/js/app.js polls instead (tests/e2e)
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert "<script>" not in html  # no inline script: the page refreshes itself without JavaScript
    # another student cannot watch it
    login(make_student())
    assert client.get(location).status_code == 404
    login(student)
    assert jobs.run_due(db.session, queued) == {"done": 1, "retrying": 0, "failed": 0}
    [transcript] = _transcripts(session, student.id)
    ready = client.get(location)
    assert ready.status_code == 303 and ready.headers["Location"] == f"/transcripts/{transcript.id}"
    assert transcript.display_code in client.get(ready.headers["Location"]).get_data(as_text=True)
    assert jobs.run_due(db.session, queued)["done"] == 0  # nothing left: one transcript


def test_a_student_without_verified_work_queues_nothing(
    queued: Any, client: Any, login: Any, session: Any, make_student: Any
) -> None:
    student = make_student()
    login(student)
    response = client.post("/transcripts", follow_redirects=True)
    assert "no verified micro-internship yet" in response.get_data(as_text=True)
    assert session.execute(sa.select(sa.func.count()).select_from(Job)).scalar_one() == 0


def test_a_job_that_keeps_failing_is_retried_then_shown_as_failed(
    queued: Any,
    client: Any,
    login: Any,
    session: Any,
    make_student: Any,
    signing_pair: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    student = make_student()
    verified_experience(session, student)
    session.commit()
    login(student)
    location = client.post("/transcripts").headers["Location"]
    forget_signer(queued)
    monkeypatch.setitem(queued.config, "SIGNING_KEY", str(tmp_path / "missing.pem"))
    monkeypatch.setitem(queued.config, "SIGNING_CERT", str(tmp_path / "missing.crt"))
    monkeypatch.setitem(queued.config, "JOBS_MAX_ATTEMPTS", 2)
    try:
        assert jobs.run_due(db.session, queued)["retrying"] == 1
        job = session.execute(sa.select(Job)).scalar_one()
        session.refresh(job)
        assert job.state is JobState.QUEUED and job.attempts == 1 and "SigningUnavailable" in job.last_error
        assert "Preparing your transcript…" in client.get(location).get_data(as_text=True)
        job.run_at = job.created_at  # the backoff has passed
        session.commit()
        assert jobs.run_due(db.session, queued)["failed"] == 1
    finally:
        forget_signer(queued)
    page = client.get(location).get_data(as_text=True)
    assert "could not be prepared" in page and "http-equiv" not in page
    assert _transcripts(session, student.id) == []


def _lines(stream: Any, into: list[str]) -> threading.Thread:
    def read() -> None:
        for line in stream:
            into.append(line)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_a_worker_killed_mid_job_leaves_nothing_and_the_next_worker_makes_one_transcript(
    committed_db: Any, database_url: str, signing_pair: Any, tmp_path: Path
) -> None:
    app = committed_db
    key, cert = signing_pair
    with app.app_context():
        student = Person(campus_id="KILL1", email="kill1@example.edu", display_name="Kim Killed")
        student.set_roles({Role.STUDENT})
        db.session.add(student)
        db.session.flush()
        verified_experience(db.session, student)
        job = jobs.enqueue(db.session, "transcript.issue", {"student_id": student.id}, owner_id=student.id)
        db.session.commit()
        student_id, job_id = student.id, job.id
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "jobs-test-" + "z" * 40,
        "CAREERCENTER_INSTANCE_PATH": str(tmp_path),
        "CAREERCENTER_SIGNING_KEY": str(key),
        "CAREERCENTER_SIGNING_CERT": str(cert),
        "CAREERCENTER_JOBS_LEASE_SECONDS": "3",
        "CAREERCENTER_JOBS_POLL_SECONDS": "1",
    }
    root = Path(__file__).resolve().parents[2]
    flask = [sys.executable, "-m", "flask", "jobs", "run"]
    # 1. a worker renders and signs, then dies before its commit (the drill pause holds it there)
    first = subprocess.Popen(
        flask,
        cwd=root,
        env={**env, "CAREERCENTER_JOBS_DRILL_PAUSE_SECONDS": "60"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out: list[str] = []
    reader = _lines(first.stdout, out)
    try:
        deadline = time.monotonic() + 90
        while not any("jobs.drill_pause" in line for line in out):
            assert first.poll() is None, "".join(out)
            assert time.monotonic() < deadline, "".join(out)
            time.sleep(0.1)
        with app.app_context():
            # the transcript is written in the worker's open transaction, not committed
            assert db.session.execute(sa.select(sa.func.count()).select_from(Transcript)).scalar_one() == 0
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
        first.wait(timeout=10)
        reader.join(timeout=10)
        first.stdout.close()
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.state is JobState.QUEUED and job.attempts == 1  # claimed, leased, not done
        assert db.session.execute(sa.select(sa.func.count()).select_from(Transcript)).scalar_one() == 0
        lease_ends = job.run_at
        db.session.remove()
    # 2. after the lease another worker takes the job over and finishes it
    while time.time() < lease_ends.timestamp() + 0.5:
        time.sleep(0.2)
    second = subprocess.run([*flask, "--once"], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "jobs: done 1, retrying 0, failed 0" in second.stdout
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.state is JobState.DONE and job.attempts == 2
        transcripts = (
            db.session.execute(sa.select(Transcript).where(Transcript.student_id == student_id)).scalars().all()
        )
        assert [t.id for t in transcripts] == [job.result["transcript_id"]]  # exactly one
        db.session.remove()
