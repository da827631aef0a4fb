"""The transcript job: render and sign a student's transcript off the request path.

"Request transcript" queues a `transcript.issue` job (views.py); a `flask jobs run` worker runs
this handler (registered in wiring.py). The transcript and the job's DONE commit together, so a
worker that dies mid-job leaves no transcript, and the worker that takes the job over makes the
one the student gets.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor
from careercenter.errors import Conflict
from careercenter.jobs import service as jobs
from careercenter.jobs.models import Job, JobState
from careercenter.sso.models import Person
from careercenter.transcripts import service, supersede

KIND = "transcript.issue"


def check_can_request(session: Session, student: Person) -> None:
    """What `issue_transcript` would refuse at once, checked before a job is queued."""
    if not service.verified_experiences(session, student.id):
        raise Conflict(
            f"{student.display_name} has no verified micro-internship yet: there is nothing to put on a transcript."
        )


def issue_job(session: Session, payload: dict[str, Any], app: Flask) -> dict[str, Any]:
    """Issue the transcript the student asked for; `{"transcript_id": …}`."""
    student = session.get(Person, int(payload["student_id"]))
    if student is None:
        raise LookupError(f"student {payload['student_id']} no longer exists")
    settings = service.settings_from_app(app)
    # a reissue: the transcripts it replaces become superseded, open reissue offers close (issue 18)
    transcript = supersede.reissue(session, student, settings, actor=Actor.person(student), issued_by=student)
    return {"transcript_id": transcript.id}


def request_status(job: Job) -> dict[str, Any]:
    """What the "Preparing your transcript…" page's script polls: `state` is "queued", "running",
    "ready" or "failed"; once ready, `download_url` (the signed PDF) and `transcript_url` (its
    accessible web version)."""
    body: dict[str, Any] = {"state": jobs.progress(job), "download_url": None, "transcript_url": None}
    if job.state is JobState.DONE:
        transcript_id = (job.result or {}).get("transcript_id")
        body["state"] = "ready" if transcript_id else "failed"
        if transcript_id:
            body["download_url"] = url_for("transcripts.download", transcript_id=transcript_id)
            body["transcript_url"] = url_for("transcripts.show", transcript_id=transcript_id)
    return body
