"""A share link: what a student chose to show, to whom, why, until when, under which consent."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careercenter.db import enum_column, utcnow
from careercenter.extensions import db
from careercenter.sso.models import Person


class ShareState(enum.StrEnum):
    ACTIVE = "active"  # live until expires_at
    REVOKED = "revoked"  # the student ended it


SHARE_TRANSITIONS: dict[ShareState, frozenset[ShareState]] = {
    ShareState.ACTIVE: frozenset({ShareState.REVOKED}),
    ShareState.REVOKED: frozenset(),
}


class ShareLink(db.Model):
    """One consented disclosure to a named recipient. The link carries a random 256-bit token;
    only its SHA-256 is stored, so the link is shown to the student once, when it is made."""

    __tablename__ = "share_links"
    __table_args__ = (sa.CheckConstraint("expires_at > created_at", name="expires_after_creation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    recipient: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[str] = mapped_column(sa.String(500))
    #: The transcript shown, if any (its live status is shown with it).
    transcript_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transcripts.id", ondelete="SET NULL"))
    #: The issued credentials shown (IssuedCredential ids).
    credential_ids: Mapped[list[str]] = mapped_column(default=list)
    #: The consent exactly as the student signed it: records, purpose, recipient, date, name.
    consent_text: Mapped[str] = mapped_column(sa.Text)
    consent_name: Mapped[str] = mapped_column(sa.String(200))
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[ShareState] = mapped_column(enum_column(ShareState, "share_state"), default=ShareState.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    student: Mapped[Person] = relationship()

    def is_live(self, now: datetime) -> bool:
        return self.state is ShareState.ACTIVE and self.expires_at > now

    def status(self, now: datetime) -> str:
        if self.state is ShareState.REVOKED:
            return "revoked"
        return "live" if self.expires_at > now else "expired"
