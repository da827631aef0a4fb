"""Issued transcripts: the signed PDF as it was handed out, and what it stated."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careercenter.db import enum_column, utcnow
from careercenter.extensions import db
from careercenter.sso.models import Person


class TranscriptState(enum.StrEnum):
    ISSUED = "issued"
    SUPERSEDED = "superseded"  # replaced by a newer transcript: authentic as issued
    REVOKED = "revoked"


#: ../shared/DESIGN.md "State machines": issued → superseded | revoked. A superseded transcript
#: can still be revoked (it showed an award later rescinded). Both still verify, as what they are.
TRANSCRIPT_TRANSITIONS: dict[TranscriptState, frozenset[TranscriptState]] = {
    TranscriptState.ISSUED: frozenset({TranscriptState.SUPERSEDED, TranscriptState.REVOKED}),
    TranscriptState.SUPERSEDED: frozenset({TranscriptState.REVOKED}),
    TranscriptState.REVOKED: frozenset(),
}

#: Which credit awards a transcript showed, so that rescinding one finds its transcripts by index.
transcript_awards = sa.Table(
    "transcript_awards",
    db.metadata,
    sa.Column("transcript_id", sa.ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("award_id", sa.ForeignKey("credit_awards.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Transcript(db.Model):
    """One issued transcript. The PDF bytes are kept so a re-download is the very same file."""

    __tablename__ = "transcripts"
    __table_args__ = (
        sa.CheckConstraint(
            "(state = 'revoked') = (revoked_at IS NOT NULL AND revocation_reason IS NOT NULL)",
            name="revocation_complete",
        ),
        sa.CheckConstraint("state <> 'superseded' OR superseded_at IS NOT NULL", name="supersession_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: Random (160 bits, base32), printed on every page and in the QR code. Kept in clear:
    #: it is printed in the stored PDF anyway, and it only reveals what that PDF states.
    verification_code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: SHA-256 (hex) of the signed PDF, for the "was this exact file issued here?" check.
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    #: Everything the transcript stated, as it was stated (the HTML twin and the verification
    #: page are rendered from this, never from the live records).
    snapshot: Mapped[dict[str, Any]]
    state: Mapped[TranscriptState] = mapped_column(
        enum_column(TranscriptState, "transcript_state"), default=TranscriptState.ISSUED, index=True
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    superseded_at: Mapped[datetime | None]
    #: The newer transcript that replaced this one (never shown on the public verification page).
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transcripts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    student: Mapped[Person] = relationship(foreign_keys=[student_id])
    issued_by: Mapped[Person | None] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[Person | None] = relationship(foreign_keys=[revoked_by_id])
    superseded_by: Mapped[Transcript | None] = relationship(remote_side=[id], foreign_keys=[superseded_by_id])

    @property
    def is_revoked(self) -> bool:
        return self.state is TranscriptState.REVOKED

    @property
    def is_superseded(self) -> bool:
        return self.state is TranscriptState.SUPERSEDED

    @property
    def display_code(self) -> str:
        return format_code(self.verification_code)

    def __repr__(self) -> str:
        return f"<Transcript {self.id} {self.state.value}>"


def format_code(code: str) -> str:
    """The code in groups of four, easier to read aloud or type from paper."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class ReissueOffer(db.Model):
    """The service offers a student a new transcript: their name changed, an amendment was
    granted, or an award a transcript showed was rescinded. Closed when they reissue."""

    __tablename__ = "transcript_reissue_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: name_change | amendment_granted | award_rescinded
    cause: Mapped[str] = mapped_column(sa.String(30))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by_transcript_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transcripts.id", ondelete="SET NULL"))
