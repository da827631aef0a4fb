"""Claim-with-lease: how a worker takes one due row of a queue table (the outbox, webhook
deliveries, background jobs), so that any number of workers share a queue and a crash loses nothing.

- **claim**: one short unit of work picks the oldest due row (its state is the due state and its
  due time has come), counts the attempt (`attempts + 1`) and pushes its due time forward by a
  lease, so no other worker takes it meanwhile. On PostgreSQL the row is picked with
  `SELECT … FOR UPDATE SKIP LOCKED`, so any number of workers claim different rows and none waits
  for another; on SQLite the single `UPDATE … RETURNING` is atomic by itself. The caller commits
  the claim at once (`careercenter.transaction.unit_of_work`).
- **work**: the slow part (an SMTP conversation, an HTTP call, a job's handler) runs after the
  claim has committed; a second short unit records the outcome, guarded by the due state
  (`WHERE state = …`) so a row another worker finished is left alone.
- **crash**: a worker that dies mid-work leaves the row in its due state; once the lease runs out
  another worker claims it again (and counts another attempt). Nothing is lost; the work may be
  repeated, so each queue makes a repeat harmless or recognisable (the mail's Message-ID, the
  delivery's `webhook-id`, a job's handler and DONE committing together).

A failed attempt waits `backoff(attempts, base=…, cap=…)` before the next one. This module knows
no domain: each worker names its table, columns, due state, lease and backoff settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

_MICROSECOND = timedelta(microseconds=1)


def claim_due(
    session: Session,
    model: type[Any],
    *,
    due_column: InstrumentedAttribute[datetime],
    state_column: InstrumentedAttribute[Any],
    due_state: Any,
    now: datetime,
    lease: timedelta,
    extra_values: Mapping[str, Any] | None = None,
) -> int | None:
    """Lease the oldest due row of `model` to this worker with one UPDATE; its id, or None when
    none is due.

    Due: `state_column == due_state` and `due_column <= now` (oldest `due_column` first, then the
    lowest id). The claim sets `attempts = attempts + 1`, `due_column = now + lease` and
    `extra_values` (e.g. `last_attempt_at`). `model` has an integer `id` and an `attempts` column.
    The caller owns the transaction: it commits the claim before the slow work begins.
    """
    due = (
        sa.select(model.id).where(state_column == due_state, due_column <= now).order_by(due_column, model.id).limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    return session.execute(
        sa.update(model)
        .where(model.id == due.scalar_subquery(), state_column == due_state)
        .values({"attempts": model.attempts + 1, due_column.key: now + lease, **(extra_values or {})})
        .returning(model.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


def load_claimed(session: Session, model: type[Any], row_id: int) -> Any:
    """The claimed row, read afresh (what the claim's UPDATE wrote, not a stale copy in the session)."""
    return session.execute(
        sa.select(model).where(model.id == row_id).execution_options(populate_existing=True)
    ).scalar_one()


def backoff(attempts: int, *, base: timedelta, cap: timedelta) -> timedelta:
    """Wait before attempt `attempts + 1`: base, 2×base, 4×base… never more than `cap`.

    `attempts` counts the attempt just made (a claim has counted it, so it is 1 or more; less counts
    as 1). Compared in whole microseconds before a timedelta is built, so a large `attempts` gives
    `cap` rather than overflowing.
    """
    factor = 2 ** max(0, attempts - 1)
    if factor * (base // _MICROSECOND) >= cap // _MICROSECOND:
        return cap
    return base * factor
