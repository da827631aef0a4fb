"""Background jobs: queue one in the caller's transaction, run due ones with a lease.

Why a table and not a library: the job must be queued in the same transaction as the request
that asks for it (a rolled-back request queues nothing), on SQLite (the single-server default)
and PostgreSQL alike. The well-kept queue libraries need a broker (Celery, RQ, Dramatiq: Redis or
RabbitMQ, outside our transaction) or serve one database only (procrastinate and pgqueuer:
PostgreSQL; huey's SQL storage: SQLite). So this is the outbox's claim-with-lease
(`careercenter/leases.py`) applied to any kind of work:

- **claim**: one short unit of work leases the oldest due job (`run_at` pushed forward by the
  lease; on PostgreSQL picked with `FOR UPDATE SKIP LOCKED`);
- **run**: a second unit locks the job row (PostgreSQL), runs its handler and marks it DONE with
  a guarded UPDATE (`WHERE state = 'queued'`) — the handler's effects and DONE commit together;
- **crash**: a worker that dies mid-job commits nothing; its lock dies with its connection, the
  lease runs out, another worker runs the job again. A job is done exactly once.

Handlers are plain functions `(session, payload, app) -> dict` registered by `wiring.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from careercenter import leases
from careercenter.db import utcnow
from careercenter.jobs.models import JOB_TRANSITIONS, Job, JobState
from careercenter.observability import log_event
from careercenter.statemachine import check_transition
from careercenter.transaction import unit_of_work

Handler = Callable[[Session, dict[str, Any], Flask], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}
DEFAULT_LEASE_SECONDS = 300
DEFAULT_MAX_ATTEMPTS = 5
RETRY_BACKOFF = timedelta(seconds=10)  # after a failed attempt: 10 s, 20 s, 40 s…
MAX_BACKOFF = timedelta(hours=1)


def add_handler(kind: str, handler: Handler) -> None:
    """Register what runs jobs of `kind` (wiring.py; idempotent)."""
    _HANDLERS[kind] = handler


def runs_inline(config: Mapping[str, Any]) -> bool:
    """Whether jobs run inside the request that queues them: CAREERCENTER_JOBS_INLINE, by default
    on in development (`make run` shows a transcript at once) and off elsewhere."""
    setting = config.get("JOBS_INLINE")
    return config.get("ENV_NAME") == "development" if setting is None else bool(setting)


def enqueue(session: Session, kind: str, payload: dict[str, Any], *, owner_id: int | None = None) -> Job:
    """Queue a job in the caller's transaction (flushed: it has its id)."""
    if kind not in _HANDLERS:
        raise LookupError(f"no handler for jobs of kind {kind!r}")
    job = Job(kind=kind, payload=payload, owner_id=owner_id, state=JobState.QUEUED, run_at=utcnow())
    session.add(job)
    session.flush()
    return job


def run_inline(session: Session, job: Job, app: Flask) -> dict[str, Any]:
    """Run a just-queued job now, in the caller's transaction (development; tests)."""
    result = _HANDLERS[job.kind](session, dict(job.payload), app)
    check_transition(Job, job.state, JobState.DONE, JOB_TRANSITIONS)
    job.state, job.result, job.finished_at, job.attempts = JobState.DONE, result, utcnow(), job.attempts + 1
    session.flush()
    return result


def lease_for(config: Mapping[str, Any]) -> timedelta:
    return timedelta(seconds=int(config.get("JOBS_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS))


def _claim(session: Session, now: datetime, lease: timedelta) -> int | None:
    return leases.claim_due(
        session, Job, due_column=Job.run_at, state_column=Job.state, due_state=JobState.QUEUED, now=now, lease=lease
    )


class _AlreadyDone(Exception):
    """Another worker finished the job first: roll this run back."""


def _run(session: Session, job_id: int, app: Flask) -> str:
    """Run one claimed job and mark it DONE, in one unit of work; its kind."""
    stmt = sa.select(Job).where(Job.id == job_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # a live worker keeps its job even past the lease
    with unit_of_work(session):
        job = session.execute(stmt).scalar_one()
        if job.state is not JobState.QUEUED:
            return job.kind
        kind = job.kind
        result = _HANDLERS[kind](session, dict(job.payload), app)
        pause = float(app.config.get("JOBS_DRILL_PAUSE_SECONDS") or 0)
        if pause:  # a crash drill: the work is done but not committed (tests kill the worker here)
            log_event("jobs.drill_pause", job_id=job_id, seconds=pause)
            time.sleep(pause)
        check_transition(Job, JobState.QUEUED, JobState.DONE, JOB_TRANSITIONS)
        done = session.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.state == JobState.QUEUED)
            .values(state=JobState.DONE, result=result, finished_at=utcnow(), last_error=None)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            raise _AlreadyDone
    return kind


def _record_failure(session: Session, job_id: int, error: BaseException, config: Mapping[str, Any]) -> JobState:
    with unit_of_work(session):
        job = session.get(Job, job_id, populate_existing=True)
        if job is None or job.state is not JobState.QUEUED:
            return job.state if job else JobState.FAILED
        max_attempts = int(config.get("JOBS_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
        job.last_error = f"{type(error).__name__}: {error}"[:500]
        if job.attempts >= max_attempts:
            check_transition(Job, job.state, JobState.FAILED, JOB_TRANSITIONS)
            job.state, job.finished_at = JobState.FAILED, utcnow()
        else:
            job.run_at = utcnow() + leases.backoff(job.attempts, base=RETRY_BACKOFF, cap=MAX_BACKOFF)
        return job.state


def run_due(session: Session, app: Flask, *, limit: int | None = None) -> dict[str, int]:
    """Run due jobs one by one until none is due (or `limit` ran); counts by outcome."""
    counts = {"done": 0, "retrying": 0, "failed": 0}
    lease = lease_for(app.config)
    while limit is None or sum(counts.values()) < limit:
        with unit_of_work(session):
            job_id = _claim(session, utcnow(), lease)
        if job_id is None:
            break
        started = time.perf_counter()
        try:
            kind = _run(session, job_id, app)
        except _AlreadyDone:
            continue
        except Exception as exc:  # noqa: BLE001 (any handler error: retry later, then give up)
            state = _record_failure(session, job_id, exc, app.config)
            counts["failed" if state is JobState.FAILED else "retrying"] += 1
            log_event("jobs.run", job_id=job_id, outcome=state.value, error=type(exc).__name__)
            continue
        counts["done"] += 1
        log_event(
            "jobs.run", job_id=job_id, kind=kind, outcome="done", ms=round((time.perf_counter() - started) * 1000)
        )
    return counts


def progress(job: Job) -> str:
    """How far a job has got, for the person waiting on it: "queued" (no worker has taken it yet),
    "running" (a worker has it, or it waits to be retried after a failed attempt), "done" or "failed"."""
    if job.state is JobState.QUEUED:
        return "running" if job.attempts else "queued"
    return job.state.value


def job_of(session: Session, job_id: int, owner_id: int) -> Job | None:
    """The job if `owner_id` asked for it."""
    job = session.get(Job, job_id)
    return job if job is not None and job.owner_id == owner_id else None


def queue_depth(session: Session) -> int:
    return session.execute(sa.select(sa.func.count()).where(Job.state == JobState.QUEUED)).scalar_one()
