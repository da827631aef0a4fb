"""The append-only audit log (hash-chained) and the FERPA disclosure log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from careercenter.db import utcnow
from careercenter.extensions import db


class AuditEvent(db.Model):
    """One state transition or decision: who did what to which record, and when.

    Each event stores the SHA-256 of its own content and of its predecessor, so an edited,
    inserted or deleted row breaks the chain that `flask audit verify` walks.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 1, 2, 3… with no gaps; a deleted row shows as a gap.
    seq: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: person | supervisor | api_client | system
    actor_type: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Unique: two events claiming the same predecessor would be a fork in the chain.
    prev_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    __table_args__ = (sa.Index("ix_audit_events_subject", "subject_type", "subject_id"),)


class Disclosure(db.Model):
    """A record of someone other than the student seeing or receiving the student's records.

    34 CFR 99.32 asks for the parties who requested or obtained the records and the
    legitimate interest they had in them; the student may inspect this log.
    """

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The student (a `people.id`), named like `AuditEvent.subject_id`, without a foreign key: an
    #: append-only log whose ids come from rows that reference the student, and whose key check
    #: locked the student's row for every row written (migration d41c7e0a9b3f says more).
    student_id: Mapped[int]
    #: person | api_client | public
    party_type: Mapped[str] = mapped_column(sa.String(20))
    party_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: The party as a person reads it ("Dana Advisor (advisor)", "Banner nightly sync").
    party_label: Mapped[str] = mapped_column(sa.String(200))
    #: Which records: "credit request #12", "transcript TR-…", "credit awards".
    records: Mapped[str] = mapped_column(sa.String(300))
    #: The legal basis, e.g. "34 CFR 99.31(a)(1) school official".
    basis: Mapped[str] = mapped_column(sa.String(200))
    #: The legitimate educational interest, in words.
    interest: Mapped[str] = mapped_column(sa.String(300))

    __table_args__ = (
        # a student's log, newest first (`disclosures_for`, the export)
        sa.Index("ix_disclosures_student_at", "student_id", "at"),
        # a share link's views (`sharing.service.views_of`)
        sa.Index("ix_disclosures_party", "party_type", "party_id"),
    )


#: A list of ids: an integer array on PostgreSQL (GIN-indexed), a JSON array on SQLite.
IdList = postgresql.ARRAY(sa.Integer).with_variant(sa.JSON(), "sqlite")

#: `award_disclosures`' check, in each dialect's words (migration a9d4e2c7f1b3 writes the same)
PARALLEL = {
    "postgresql": "cardinality(award_ids) = cardinality(student_ids) AND cardinality(award_ids) > 0",
    "sqlite": "json_array_length(award_ids) = json_array_length(student_ids) AND json_array_length(award_ids) > 0",
}


class AwardDisclosure(db.Model):
    """One registrar API response (a JSON page, a CSV batch, one award) and the awards it carried.

    The same record as `Disclosure` — who obtained which student's records, on what basis, with
    what interest — written once per response instead of once per student: a 1,000-award page
    names its awards and, beside each, its student (`award_ids[i]` belongs to `student_ids[i]`).
    `audit.service.disclosures_for` reads it back as one entry per student, naming only that
    student's awards, so a student's log and export never show another student's ids.
    """

    __tablename__ = "award_disclosures"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: always api_client today; kept so that an entry reads like `Disclosure`
    party_type: Mapped[str] = mapped_column(sa.String(20))
    party_id: Mapped[str | None] = mapped_column(sa.String(64))
    party_label: Mapped[str] = mapped_column(sa.String(200))
    #: read | exported | posted: "credit awards #1, #2 (read through the registrar API)"
    how: Mapped[str] = mapped_column(sa.String(20))
    basis: Mapped[str] = mapped_column(sa.String(200))
    interest: Mapped[str] = mapped_column(sa.String(300))
    #: the awards in the order sent
    award_ids: Mapped[list[int]] = mapped_column(IdList)
    #: each award's student, in the same order (a student with two awards is named twice)
    student_ids: Mapped[list[int]] = mapped_column(IdList)

    __table_args__ = (
        # a student's log (`disclosures_for`, the export): student_ids @> ARRAY[id]; on SQLite a
        # plain index json_each cannot use, kept so that both dialects have one schema
        sa.Index("ix_award_disclosures_students", "student_ids", postgresql_using="gin"),
        # one student beside each award, and at least one award
        sa.CheckConstraint(PARALLEL["postgresql"], name="parallel").ddl_if(dialect="postgresql"),
        sa.CheckConstraint(PARALLEL["sqlite"], name="parallel").ddl_if(dialect="sqlite"),
    )
