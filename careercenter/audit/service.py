"""Write and check the audit chain; write and read the disclosure log.

Services call `record_event` inside the same transaction as the change they record, so a
change and its audit event commit or roll back together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.models import AuditEvent, AwardDisclosure, Disclosure
from careercenter.db import utcnow

GENESIS = "0" * 64
#: Key for PostgreSQL's transaction-level advisory lock that keeps the chain linear.
_CHAIN_LOCK_KEY = 0x0CA4EE4C


@dataclass(frozen=True)
class Actor:
    """Who acted: a signed-in person, a supervisor through a link, an API client, the system."""

    type: str
    id: str | None
    label: str

    @classmethod
    def person(cls, person: Any) -> Actor:
        return cls("person", str(person.id), person.display_name)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls("system", None, label)


def _digest(event: AuditEvent) -> str:
    body = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def lock_chain(session: Session) -> None:
    """Wait for every other transaction that is writing audit events to commit, then hold the
    chain's lock until this one ends (PostgreSQL; SQLite has one writer at a time anyway).

    `record_event` takes it; a transaction may take it earlier so that what it reads next is
    what every audited change before it left behind (re-entrant: taking it again is free)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK_KEY)))


def record_event(
    session: Session,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: object,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the chain in the caller's transaction.

    On PostgreSQL an advisory lock held until commit serialises writers, so concurrent app
    servers extend one linear chain; the unique `prev_hash` turns any fork into an error.
    """
    lock_chain(session)
    last = session.execute(sa.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    event = AuditEvent(
        seq=seq,
        at=utcnow(),
        actor_type=actor.type,
        actor_id=actor.id,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        data=json.loads(json.dumps(data or {}, default=str)),
        prev_hash=prev,
    )
    event.hash = _digest(event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    count: int
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def is_ok(self) -> bool:
        return self.broken_seq is None


def verify_chain(session: Session, batch: int = 1000) -> ChainReport:
    """Walk the whole chain in order and report the first event that does not fit."""
    expected_prev, expected_seq, count = GENESIS, 1, 0
    query = sa.select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    result = session.execute(query).scalars()
    try:
        for event in result:
            if event.seq != expected_seq:
                return ChainReport(count, expected_seq, f"event {expected_seq} is missing")
            if event.prev_hash != expected_prev:
                return ChainReport(count, event.seq, "does not follow the event before it")
            if _digest(event) != event.hash:
                return ChainReport(count, event.seq, "its content was changed after it was written")
            expected_prev, expected_seq, count = event.hash, expected_seq + 1, count + 1
    finally:
        result.close()
    return ChainReport(count)


SCHOOL_OFFICIAL = "34 CFR 99.31(a)(1) school official"


def record_disclosure(
    session: Session,
    *,
    student_id: int,
    party_type: str,
    party_id: object,
    party_label: str,
    records: str,
    interest: str,
    basis: str = SCHOOL_OFFICIAL,
) -> Disclosure:
    """Write one disclosure-log entry; the caller decides that the reader is not the student."""
    entry = Disclosure(
        student_id=student_id,
        party_type=party_type,
        party_id=None if party_id is None else str(party_id),
        party_label=party_label[:200],
        records=records[:300],
        basis=basis,
        interest=interest[:300],
    )
    session.add(entry)
    session.flush()
    return entry


def record_disclosures(session: Session, entries: Iterable[Mapping[str, Any]]) -> int:
    """Write many disclosure-log entries in one batched INSERT; return how many.

    Each entry holds `record_disclosure`'s keyword arguments. For listings that disclose
    many students at once (an API page, a CSV batch): one round trip instead of one per row.
    """
    rows = [
        {
            "at": utcnow(),
            "student_id": entry["student_id"],
            "party_type": entry["party_type"],
            "party_id": None if entry["party_id"] is None else str(entry["party_id"]),
            "party_label": entry["party_label"][:200],
            "records": entry["records"][:300],
            "basis": entry.get("basis", SCHOOL_OFFICIAL),
            "interest": entry["interest"][:300],
        }
        for entry in entries
    ]
    if rows:
        session.execute(sa.insert(Disclosure), rows)
    return len(rows)


def disclose_to_person(session: Session, viewer: Any, student: Any, records: str, interest: str) -> Disclosure | None:
    """Log that a signed-in person saw `student`'s records, unless the viewer is the student."""
    if viewer.id == student.id:
        return None
    role = viewer.primary_role.value if viewer.primary_role else "person"
    return record_disclosure(
        session,
        student_id=student.id,
        party_type="person",
        party_id=viewer.id,
        party_label=f"{viewer.display_name} ({role})",
        records=records,
        interest=interest,
    )


def record_award_disclosure(
    session: Session,
    *,
    party_id: str,
    party_label: str,
    how: str,
    awards: Iterable[tuple[int, int]],
    interest: str,
    basis: str = SCHOOL_OFFICIAL,
) -> AwardDisclosure | None:
    """Log that an API client obtained the `awards` ((award id, student id) pairs, in the order
    sent) in one response; nothing when there were none."""
    pairs = list(awards)
    if not pairs:
        return None
    entry = AwardDisclosure(
        at=utcnow(),
        party_type="api_client",
        party_id=party_id[:64],
        party_label=party_label[:200],
        how=how,
        basis=basis,
        interest=interest[:300],
        award_ids=[award for award, _ in pairs],
        student_ids=[student for _, student in pairs],
    )
    session.add(entry)
    return entry


def award_records(award_ids: list[int], how: str) -> str:
    """Which of a student's awards one response disclosed, in words (up to 20 ids named)."""
    listed = ", ".join(f"#{i}" for i in award_ids[:20])
    if len(award_ids) > 20:
        listed += f" and {len(award_ids) - 20} more"
    return f"credit award{'s' if len(award_ids) > 1 else ''} {listed} ({how} through the registrar API)"[:300]


#: What a student's log shows of an `AwardDisclosure` (and `own`: their awards in it, in order).
_SHOWN = (
    AwardDisclosure.at,
    AwardDisclosure.party_type,
    AwardDisclosure.party_id,
    AwardDisclosure.party_label,
    AwardDisclosure.how,
    AwardDisclosure.basis,
    AwardDisclosure.interest,
)


def _responses_naming(session: Session, student_id: int) -> sa.Select[Any]:
    """The responses that named `student_id`, each with `own`: the student's awards in it."""
    if session.get_bind().dialect.name == "postgresql":
        # found through the GIN index (@>); the student's awards picked out in the database (their
        # positions by array_positions, in C), so a log of many 1,000-award responses does not
        # bring their arrays into Python
        positions = sa.func.unnest(sa.func.array_positions(AwardDisclosure.student_ids, student_id))
        at = positions.table_valued("p", with_ordinality="n").render_derived()
        mine = sa.select(AwardDisclosure.award_ids[at.c.p]).order_by(at.c.n)
        own = sa.func.array(mine.scalar_subquery(), type_=AwardDisclosure.award_ids.type)
        return sa.select(*_SHOWN, own.label("own")).where(AwardDisclosure.student_ids.contains([student_id]))
    # SQLite: a text match first (cheap, and it may match 12 in 120), then the exact test
    named = sa.func.json_each(AwardDisclosure.student_ids).table_valued("value")
    return sa.select(*_SHOWN, AwardDisclosure.award_ids, AwardDisclosure.student_ids).where(
        sa.cast(AwardDisclosure.student_ids, sa.Text).contains(str(student_id)),
        sa.exists(sa.select(1).select_from(named).where(named.c.value == student_id)),
    )


def _as_entry(row: sa.Row[Any], student_id: int) -> Disclosure:
    """A response as `student_id`'s log shows it: a `Disclosure` never added to the session."""
    if "own" in row._fields:
        own = list(row.own)
    else:
        own = [award for award, student in zip(row.award_ids, row.student_ids, strict=True) if student == student_id]
    return Disclosure(
        at=row.at,
        student_id=student_id,
        party_type=row.party_type,
        party_id=row.party_id,
        party_label=row.party_label,
        records=award_records(own, row.how),
        basis=row.basis,
        interest=row.interest,
    )


def disclosures_for(session: Session, student_id: int, *, since: datetime | None = None) -> list[Disclosure]:
    """The disclosure log of one student, newest first: its `Disclosure` rows, and an entry for
    each `AwardDisclosure` that named the student (see `_as_entry`)."""
    rows = sa.select(Disclosure).where(Disclosure.student_id == student_id)
    responses = _responses_naming(session, student_id)
    if since is not None:
        rows, responses = rows.where(Disclosure.at >= since), responses.where(AwardDisclosure.at >= since)
    entries = list(session.execute(rows).scalars())
    entries += [_as_entry(row, student_id) for row in session.execute(responses)]
    # newest first; among equal times, logged rows by id (the derived entries have none)
    return sorted(entries, key=lambda d: (d.at, d.id or 0), reverse=True)
