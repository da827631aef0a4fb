"""The jobs table: one row per piece of work taken off the request path (a transcript to render
and sign), claimed by a worker with a lease as the outbox's messages are (notify/worker.py)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from careercenter.db import enum_column, utcnow
from careercenter.extensions import db


class JobState(enum.StrEnum):
    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"  # gave up after the last attempt


#: A worker finishes a QUEUED job (DONE, committed with the job's own effects) or gives up on it
#: (FAILED). A claim or a retry keeps it QUEUED with a later `run_at`: bookkeeping, not a move.
JOB_TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.DONE, JobState.FAILED}),
    JobState.DONE: frozenset(),
    JobState.FAILED: frozenset(),
}


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_due", "state", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Which handler runs it, e.g. "transcript.issue" (handlers are registered by wiring.py).
    kind: Mapped[str] = mapped_column(sa.String(60))
    payload: Mapped[dict[str, Any]]
    #: The person who asked for it (only they, and staff, see its progress).
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    state: Mapped[JobState] = mapped_column(enum_column(JobState, "job_state"), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    #: When a worker may take it: now, after a retry's backoff, or when a claim's lease runs out.
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: What the handler answered (e.g. {"transcript_id": 12}), once DONE.
    result: Mapped[dict[str, Any] | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
