"""Claim-with-lease (careercenter/leases.py), on the jobs and outbox tables: a due row is claimed
once, again only after its lease runs out; the oldest due row first; backoff doubles to its cap."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter import leases
from careercenter.db import utcnow
from careercenter.extensions import db
from careercenter.jobs.models import Job, JobState
from careercenter.notify.models import OutboxMessage, OutboxState

LEASE = timedelta(minutes=5)


def _claim_job(session: Any, now: Any) -> int | None:
    return leases.claim_due(
        session, Job, due_column=Job.run_at, state_column=Job.state, due_state=JobState.QUEUED, now=now, lease=LEASE
    )


def _job(session: Any, run_at: Any, state: JobState = JobState.QUEUED) -> Job:
    job = Job(kind="test.lease", payload={}, state=state, run_at=run_at)
    session.add(job)
    session.flush()
    return job


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(session: Any) -> None:
    now = utcnow()
    job = _job(session, now - timedelta(seconds=1))
    assert _claim_job(session, now) == job.id
    assert _claim_job(session, now) is None  # leased
    assert _claim_job(session, now + LEASE - timedelta(microseconds=1)) is None
    assert _claim_job(session, now + LEASE) == job.id  # the worker that had it is presumed dead
    session.refresh(job)
    assert job.attempts == 2 and job.run_at == now + 2 * LEASE and job.state is JobState.QUEUED


def test_the_oldest_due_row_in_the_due_state_is_claimed_first(session: Any) -> None:
    now = utcnow()
    _job(session, now - timedelta(hours=2), state=JobState.DONE)
    later = _job(session, now - timedelta(minutes=1))
    oldest = _job(session, now - timedelta(minutes=2))
    not_due = _job(session, now + timedelta(minutes=1))
    assert [_claim_job(session, now) for _ in range(3)] == [oldest.id, later.id, None]
    session.refresh(not_due)
    assert not_due.attempts == 0 and not_due.run_at == now + timedelta(minutes=1)


def test_extra_values_are_written_with_the_claim_and_the_row_loads_fresh(session: Any) -> None:
    now = utcnow()
    message = OutboxMessage(
        to_address="a@example.edu",
        subject="s",
        body_text="b",
        kind="test",
        message_id="<lease-test@example.edu>",
        next_attempt_at=now,
    )
    session.add(message)
    session.flush()
    claimed = leases.claim_due(
        session,
        OutboxMessage,
        due_column=OutboxMessage.next_attempt_at,
        state_column=OutboxMessage.state,
        due_state=OutboxState.QUEUED,
        now=now,
        lease=LEASE,
        extra_values={"last_attempt_at": now},
    )
    assert claimed == message.id
    loaded = leases.load_claimed(session, OutboxMessage, claimed)
    assert loaded is message  # the same object, refreshed from what the UPDATE wrote
    assert (loaded.attempts, loaded.last_attempt_at, loaded.next_attempt_at) == (1, now, now + LEASE)


def test_two_workers_one_due_row_the_second_gets_nothing_until_the_lease_runs_out(committed_db: Any) -> None:
    with committed_db.app_context():
        now = utcnow()
        with Session(db.engine) as setup:
            job_id = _job(setup, now).id
            setup.commit()
        with Session(db.engine) as first, Session(db.engine) as second:
            assert _claim_job(first, now) == job_id
            first.commit()
            assert _claim_job(second, now + timedelta(seconds=1)) is None
            second.commit()
            assert _claim_job(second, now + LEASE) == job_id
            second.commit()
            assert second.execute(sa.select(Job.attempts).where(Job.id == job_id)).scalar_one() == 2


@pytest.mark.postgres_only
def test_a_row_another_worker_is_claiming_is_skipped_not_waited_for(committed_db: Any) -> None:
    with committed_db.app_context():
        now = utcnow()
        with Session(db.engine) as setup:
            first_id, second_id = _job(setup, now - timedelta(seconds=2)).id, _job(setup, now - timedelta(seconds=1)).id
            setup.commit()
        with Session(db.engine) as holder, Session(db.engine) as other:
            assert _claim_job(holder, now) == first_id  # not committed yet: the row stays locked
            other.execute(sa.text("SET LOCAL lock_timeout = '2s'"))  # fail fast rather than hang
            assert _claim_job(other, now) == second_id
            assert _claim_job(other, now) is None
            holder.rollback()  # the claim is undone, so the first row is due again
            assert _claim_job(other, now) == first_id


@pytest.mark.parametrize(
    ("base", "cap", "expected"),
    [
        (timedelta(seconds=60), timedelta(hours=6), [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600, 21600]),
        (timedelta(seconds=10), timedelta(hours=1), [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]),
    ],
)
def test_backoff_doubles_from_base_up_to_its_cap(base: timedelta, cap: timedelta, expected: list[int]) -> None:
    assert [leases.backoff(n, base=base, cap=cap) for n in range(1, 12)] == [timedelta(seconds=s) for s in expected]
    assert leases.backoff(0, base=base, cap=cap) == base
    assert leases.backoff(10_000, base=base, cap=cap) == cap  # no overflow


def test_each_worker_keeps_its_backoff_settings() -> None:
    from careercenter.notify.worker import backoff as outbox_backoff
    from careercenter.registrar.webhooks.worker import backoff as webhook_backoff

    minutes = [timedelta(minutes=m) for m in (1, 2, 360)]
    assert [outbox_backoff(n, {}) for n in (1, 2, 11)] == minutes
    assert outbox_backoff(2, {"OUTBOX_BACKOFF_SECONDS": 5}) == timedelta(seconds=10)
    assert [webhook_backoff(n, {}) for n in (2, 3, 12)] == minutes
    assert webhook_backoff(3, {"WEBHOOK_BACKOFF_SECONDS": 5}) == timedelta(seconds=20)


def test_the_helper_knows_no_domain() -> None:
    from tests.test_architecture import import_graph

    assert import_graph()["careercenter.leases"] == set()  # sqlalchemy only: every worker can use it
