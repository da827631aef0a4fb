"""The award feed: filters, signed cursors, and the safe horizon that makes paging lossless.

Keyset paging on `(updated_at, id)` alone can skip an award. A transaction stamps a row with
its `updated_at` *before* it commits; if a client pages past that time while the transaction
is still open, the row appears later "behind" the client's cursor and is never served. So a
page only ever serves rows older than a **safe horizon**: a time before which no transaction
that could still commit an award change is running.

- PostgreSQL: a trigger (migration `registrar: api clients …`) sets `credit_awards.updated_at`
  from the database clock (`clock_timestamp()`) on every insert and update, so a row's
  `updated_at` is never earlier than the start of the transaction that wrote it. The horizon is
  the start of the oldest transaction open on the database (`pg_stat_activity.xact_start`,
  other backends only), capped at the current statement's time. Every row older than that was
  written by a transaction that has already ended, so the data query that follows (a *later*
  statement under READ COMMITTED, hence a later snapshot) sees it. Rows newer than the horizon
  are served on a later page or a later run. The app's database role must be the one that writes
  awards (or hold `pg_read_all_stats`) to see the other sessions' `xact_start`.
- SQLite (one writer at a time, the embedded single-server default): `updated_at` comes from the
  app's clock, and the horizon is now minus `REGISTRAR_SQLITE_SETTLE_SECONDS` (default 30), an
  upper bound on how long a write transaction stays open after stamping a row (SQLite's busy
  timeout is 15 s).

Either way a client that pages from `updated_since=T` to `next_cursor: null` has seen every award
whose latest change is at or after T and before the horizon, and nothing that changes later can
land before its last row: its next run, from the last `updated_at` it saw, picks up the rest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session, joinedload, selectinload

from careercenter.credits.approval_models import ApprovalDecision
from careercenter.credits.models import AwardStatus, CreditAward, CreditRequest
from careercenter.db import utcnow
from careercenter.errors import ValidationFailed

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_TERM_LENGTH = 20
_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
)
#: Control characters (NUL among them) never occur in a term; PostgreSQL refuses NUL outright.
_CONTROL = re.compile(r"[\x00-\x1f]")
TERM_PATTERN = r"^[^\x00-\x1f]+$"
_CURSOR_SALT = "careercenter.registrar.cursor"


@dataclass(frozen=True)
class FeedQuery:
    """One listing's filters, already checked."""

    status: AwardStatus | None = None
    updated_since: datetime | None = None
    term: str | None = None
    limit: int = DEFAULT_LIMIT
    #: (updated_at, id) of the last row the client saw.
    after: tuple[datetime, int] | None = None
    student_id: int | None = None

    def fingerprint(self, scope: str) -> str:
        """What a cursor is bound to: the listing and its filters (not the limit)."""
        body = {
            "scope": scope,
            "status": self.status.value if self.status else None,
            "since": self.updated_since.isoformat() if self.updated_since else None,
            "term": self.term,
            "student": self.student_id,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


def parse_rfc3339(raw: str) -> datetime:
    """Parse an RFC 3339 date-time with a zone (`…Z` or `…+02:00`); raise ValueError otherwise."""
    match = _RFC3339.match(raw.strip())
    if not match:
        raise ValueError(raw)
    day, clock, fraction, zone = match.groups()
    fraction = (fraction or "")[:7]  # Python keeps microseconds; finer digits are dropped
    zone = "+00:00" if zone in ("Z", "z") else zone
    if clock.endswith(":60"):  # a leap second: the same instant as the next second's start
        clock = clock[:-2] + "59"
        fraction = ".999999"
    value = datetime.fromisoformat(f"{day}T{clock}{fraction}{zone}")
    return value.astimezone(UTC)


def parse_feed_args(args: Mapping[str, str], *, paged: bool = True) -> tuple[FeedQuery, str | None]:
    """Check the query parameters of a listing; return the query and the raw cursor.

    Raises `ValidationFailed` naming every bad parameter, so a client can fix them all at once.
    """
    errors: dict[str, str] = {}
    status = None
    if (raw := args.get("status")) is not None:
        try:
            status = AwardStatus(raw)
        except ValueError:
            allowed = ", ".join(s.value for s in AwardStatus)
            errors["status"] = f"Unknown status {raw[:40]!r}: use one of {allowed}."
    since = None
    if (raw := args.get("updated_since")) is not None:
        try:
            since = parse_rfc3339(raw)
        except (ValueError, OverflowError):
            errors["updated_since"] = (
                f"{raw[:40]!r} is not an RFC 3339 date-time with a time zone, e.g. 2026-09-01T00:00:00Z."
            )
    term = args.get("term")
    if term is not None and (not (1 <= len(term) <= MAX_TERM_LENGTH) or _CONTROL.search(term)):
        errors["term"] = f"A term is 1 to {MAX_TERM_LENGTH} characters without control characters, e.g. 2026FA."
    limit = DEFAULT_LIMIT
    cursor = None
    if paged:
        if (raw := args.get("limit")) is not None:
            try:
                limit = int(raw)
            except ValueError:
                limit = -1
            if not (1 <= limit <= MAX_LIMIT):
                errors["limit"] = f"limit must be a whole number from 1 to {MAX_LIMIT}, not {raw[:20]!r}."
        cursor = args.get("cursor") or None  # empty: the first page, as the document allows
    if errors:
        raise ValidationFailed("Some query parameters are not valid.", errors)
    return FeedQuery(status=status, updated_since=since, term=term, limit=limit), cursor


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_CURSOR_SALT)


def make_cursor(secret_key: str, query: FeedQuery, scope: str, award: CreditAward) -> str:
    """An opaque, MAC-protected position: after `award`, for this listing and these filters."""
    return _serializer(secret_key).dumps(
        {"u": award.updated_at.isoformat(), "i": award.id, "q": query.fingerprint(scope)}
    )


def read_cursor(secret_key: str, raw: str, query: FeedQuery, scope: str) -> tuple[datetime, int]:
    """Return the position in `raw`; 422 if it is forged, damaged or from another listing."""
    try:
        body = _serializer(secret_key).loads(raw)
        position = (datetime.fromisoformat(body["u"]).astimezone(UTC), int(body["i"]))
        fingerprint = body["q"]
    except (BadSignature, KeyError, TypeError, ValueError):
        raise ValidationFailed(
            "The cursor is not valid.",
            {"cursor": "This cursor was not issued by this server or is damaged: use next_cursor exactly as given."},
        ) from None
    if fingerprint != query.fingerprint(scope):
        raise ValidationFailed(
            "The cursor belongs to another query.",
            {
                "cursor": "This cursor was issued for a different listing or different filters: "
                "repeat the filters of the request that returned it."
            },
        )
    return position


def safe_horizon(session: Session, *, sqlite_settle_seconds: int) -> datetime:
    """The time before which every award change has committed (see the module docstring)."""
    if session.get_bind().dialect.name != "postgresql":
        return utcnow() - timedelta(seconds=sqlite_settle_seconds)
    # The backend-status view is cached per transaction: drop the cache so this read is fresh,
    # and read it *before* the data query, whose snapshot must be the later one.
    session.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
    horizon = session.execute(
        sa.text(
            "SELECT LEAST(statement_timestamp(), COALESCE("
            " (SELECT min(xact_start) FROM pg_stat_activity"
            "  WHERE datname = current_database() AND pid <> pg_backend_pid()"
            "  AND backend_type = 'client backend' AND xact_start IS NOT NULL),"
            " 'infinity'::timestamptz))"
        )
    ).scalar_one()
    return horizon.astimezone(UTC)


def fetch_page(session: Session, query: FeedQuery, horizon: datetime) -> tuple[list[CreditAward], bool]:
    """Up to `query.limit` awards after the cursor, in (updated_at, id) order; and whether more follow."""
    stmt = (
        sa.select(CreditAward)
        .where(CreditAward.updated_at < horizon)
        .options(
            joinedload(CreditAward.student),
            joinedload(CreditAward.rule),
            joinedload(CreditAward.approved_by),
            selectinload(CreditAward.request).selectinload(CreditRequest.experiences),
            selectinload(CreditAward.decisions).options(
                joinedload(ApprovalDecision.decided_by), joinedload(ApprovalDecision.on_behalf_of)
            ),
        )
        .order_by(CreditAward.updated_at, CreditAward.id)
        .limit(query.limit + 1)
    )
    if query.updated_since is not None:
        stmt = stmt.where(CreditAward.updated_at >= query.updated_since)
    if query.status is not None:
        stmt = stmt.where(CreditAward.status == query.status)
    if query.term is not None:
        stmt = stmt.where(CreditAward.term == query.term)
    if query.student_id is not None:
        stmt = stmt.where(CreditAward.student_id == query.student_id)
    if query.after is not None:
        at, last_id = query.after
        stmt = stmt.where(
            sa.or_(
                CreditAward.updated_at > at,
                sa.and_(CreditAward.updated_at == at, CreditAward.id > last_id),
            )
        )
    rows = list(session.execute(stmt).unique().scalars())
    return rows[: query.limit], len(rows) > query.limit
