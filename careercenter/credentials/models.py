"""Issued credentials, their places in the status list, and each student's subject identifier."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careercenter.db import enum_column, utcnow
from careercenter.extensions import db
from careercenter.sso.models import Person


class CredentialKind(enum.StrEnum):
    EXPERIENCE = "experience"  # an OB 3.0 AchievementCredential for one verified experience
    AWARD = "award"  # an OB 3.0 AchievementCredential for one posted credit award
    CLR = "clr"  # a CLR 2.0 ClrCredential bundling a student's credentials


class CredentialState(enum.StrEnum):
    ISSUED = "issued"
    REVOKED = "revoked"


CREDENTIAL_TRANSITIONS: dict[CredentialState, frozenset[CredentialState]] = {
    CredentialState.ISSUED: frozenset({CredentialState.REVOKED}),
    CredentialState.REVOKED: frozenset(),
}

#: Only for undoing the old design's mistake (issue 18): credentials revoked merely because a
#: transcript that showed their record was revoked are reinstated, once, by a migration.
REINSTATEMENT_TRANSITIONS: dict[CredentialState, frozenset[CredentialState]] = {
    CredentialState.REVOKED: frozenset({CredentialState.ISSUED}),
    CredentialState.ISSUED: frozenset(),
}


class CredentialSubject(db.Model):
    """The stable, opaque identifier a student carries in every credential (`urn:uuid:…`).

    Random rather than derived from the campus id, so it reveals nothing; kept here so that it
    never changes when the student's name or email does.
    """

    __tablename__ = "credential_subjects"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    subject_uuid: Mapped[str] = mapped_column(sa.String(36), unique=True, default=lambda: str(uuid.uuid4()))
    #: Salt for the hashed identifiers (campus id, email) in IdentityObjects.
    salt: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def subject_id(self) -> str:
        return f"urn:uuid:{self.subject_uuid}"


class StatusList(db.Model):
    """One W3C Bitstring Status List (purpose: revocation) served at /credentials/status/<id>."""

    __tablename__ = "credential_status_lists"
    __table_args__ = (sa.CheckConstraint("size >= 131072", name="size_herd_privacy"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(20), default="revocation")
    #: Bits in the list; at least 131,072 (16 KB) as the spec asks, for herd privacy.
    size: Mapped[int] = mapped_column(default=131072)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssuedCredential(db.Model):
    """A credential as issued: the signed JSON-LD document, its VC-JWT form, its status bit.

    One row per record (experience or award): the JSON-LD and JWT renderings and any CLR that
    bundles it share this row's status bit, so one revocation reaches every rendering.
    """

    __tablename__ = "issued_credentials"
    __table_args__ = (
        sa.UniqueConstraint("status_list_id", "status_index", name="uq_issued_credentials_status_slot"),
        sa.CheckConstraint(
            "(kind = 'experience' AND experience_id IS NOT NULL AND award_id IS NULL)"
            " OR (kind = 'award' AND award_id IS NOT NULL AND experience_id IS NULL)"
            " OR (kind = 'clr' AND experience_id IS NULL AND award_id IS NULL)",
            name="record_matches_kind",
        ),
        sa.CheckConstraint("status_index >= 0", name="status_index_nonnegative"),
        # One credential in force per experience; an amended record's earlier versions keep
        # their revoked credentials beside the new one (issue 18).
        sa.Index(
            "uq_issued_credentials_live_experience",
            "experience_id",
            unique=True,
            sqlite_where=sa.text("state = 'issued' AND experience_id IS NOT NULL"),
            postgresql_where=sa.text("state = 'issued' AND experience_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The credential's `id` (`urn:uuid:…`).
    credential_id: Mapped[str] = mapped_column(sa.String(80), unique=True)
    kind: Mapped[CredentialKind] = mapped_column(enum_column(CredentialKind, "credential_kind"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # NO ACTION (checked at the end of the statement): a record with a credential cannot be
    # deleted on its own, but deleting the student removes both together.
    experience_id: Mapped[int | None] = mapped_column(sa.ForeignKey("experiences.id"), index=True)
    award_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_awards.id"), unique=True)
    status_list_id: Mapped[int] = mapped_column(sa.ForeignKey("credential_status_lists.id", ondelete="RESTRICT"))
    status_index: Mapped[int]
    state: Mapped[CredentialState] = mapped_column(
        enum_column(CredentialState, "credential_state"), default=CredentialState.ISSUED, index=True
    )
    #: The signed credential exactly as issued (Data Integrity proof included).
    document: Mapped[dict[str, Any]]
    #: The same credential as a VC-JWT (ES256).
    jwt: Mapped[str] = mapped_column(sa.Text)
    #: For a CLR: the credential ids it bundles.
    included: Mapped[list[str]] = mapped_column(default=list)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)

    student: Mapped[Person] = relationship()
    status_list: Mapped[StatusList] = relationship()
