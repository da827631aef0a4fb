"""Micro-internships (experiences) and the supervisor's sign-off on them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careercenter.db import enum_column, utcnow
from careercenter.employers.models import Employer
from careercenter.extensions import db
from careercenter.sso.models import Person


class ExperienceState(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_SIGNOFF = "awaiting_signoff"
    VERIFIED = "verified"
    DISPUTED = "disputed"


#: ../shared/DESIGN.md "State machines". A verified experience never moves again.
EXPERIENCE_TRANSITIONS: dict[ExperienceState, frozenset[ExperienceState]] = {
    ExperienceState.DRAFT: frozenset({ExperienceState.AWAITING_SIGNOFF}),
    ExperienceState.AWAITING_SIGNOFF: frozenset(
        {ExperienceState.VERIFIED, ExperienceState.DISPUTED, ExperienceState.DRAFT}
    ),
    ExperienceState.DISPUTED: frozenset({ExperienceState.DRAFT}),
    ExperienceState.VERIFIED: frozenset(),
}


class SignoffState(enum.StrEnum):
    """Where one emailed sign-off request stands (../shared/DESIGN.md "State machines")."""

    SENT = "sent"  # live: its links work until `expires_at`
    USED = "used"  # the supervisor confirmed or disputed (`outcome` says which)
    WITHDRAWN = "withdrawn"  # the student took it back
    EXPIRED = "expired"  # closed unused by the worker once `expires_at` passed


#: A request is used, withdrawn or expired once, and then never moves again. A resend or a
#: reminder keeps it SENT (with a fresh token and, for a resend, a fresh expiry).
SIGNOFF_TRANSITIONS: dict[SignoffState, frozenset[SignoffState]] = {
    SignoffState.SENT: frozenset({SignoffState.USED, SignoffState.WITHDRAWN, SignoffState.EXPIRED}),
    SignoffState.USED: frozenset(),
    SignoffState.WITHDRAWN: frozenset(),
    SignoffState.EXPIRED: frozenset(),
}

DEFAULT_SKILLS = ["communication", "time management", "problem solving", "teamwork", "technical skill"]


class Experience(db.Model):
    """One finished micro-internship as the student claims it, and as the supervisor confirmed it."""

    __tablename__ = "experiences"
    __table_args__ = (
        sa.CheckConstraint("hours > 0", name="hours_positive"),
        sa.CheckConstraint("end_date >= start_date", name="dates_ordered"),
        sa.CheckConstraint("verified_hours IS NULL OR verified_hours > 0", name="verified_hours_positive"),
        sa.UniqueConstraint("source", "external_id", name="uq_experiences_source_external_id"),
        # The reports read a period's verified experiences (see the migration c3f1a9e07b2d).
        sa.Index(
            "ix_experiences_state_end_date",
            "state",
            "end_date",
            postgresql_include=["student_id", "verified_hours", "employer"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    employer: Mapped[str] = mapped_column(sa.String(200))
    #: The employer record (careercenter/employers); `employer` keeps the name as shown.
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employers.id", ondelete="SET NULL"), index=True)
    #: The de-duplicated supervisor contact under that employer.
    supervisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("supervisor_contacts.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: Field of work, e.g. "Software development", "Marketing", "Data analysis".
    category: Mapped[str] = mapped_column(sa.String(100), default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    #: Hours the student claims.
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    skills: Mapped[list[str]] = mapped_column(default=list)
    supervisor_name: Mapped[str] = mapped_column(sa.String(200))
    supervisor_title: Mapped[str] = mapped_column(sa.String(200), default="")
    supervisor_email: Mapped[str] = mapped_column(sa.String(320))
    #: "manual" for entered by hand, else the platform's name ("Parker Dewey", "Handshake").
    source: Mapped[str] = mapped_column(sa.String(60), default="manual")
    external_id: Mapped[str | None] = mapped_column(sa.String(120))
    state: Mapped[ExperienceState] = mapped_column(
        enum_column(ExperienceState, "experience_state"), default=ExperienceState.DRAFT, index=True
    )
    #: Set at sign-off: the hours the supervisor confirmed (may differ from the claim).
    verified_hours: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    verified_at: Mapped[datetime | None]
    #: {skill: 1..5} as rated by the supervisor.
    skill_ratings: Mapped[dict[str, Any] | None]
    supervisor_feedback: Mapped[str | None] = mapped_column(sa.Text)
    #: The evaluation form version the supervisor answered (careercenter/employers).
    evaluation_form_id: Mapped[int | None] = mapped_column(sa.ForeignKey("evaluation_forms.id", ondelete="RESTRICT"))
    #: {question key: answer} for the form's yes/no, short-text and unaligned questions.
    evaluation_answers: Mapped[dict[str, Any] | None]
    #: {competency: 1..5} as the student rated themself when asking for sign-off.
    self_ratings: Mapped[dict[str, Any] | None]
    willing_reference: Mapped[bool | None]
    #: The name the supervisor typed to attest.
    attested_name: Mapped[str | None] = mapped_column(sa.String(200))
    dispute_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    student: Mapped[Person] = relationship(foreign_keys=[student_id])
    employer_record: Mapped[Employer | None] = relationship(foreign_keys=[employer_id])

    @property
    def is_frozen(self) -> bool:
        return self.state is ExperienceState.VERIFIED

    @property
    def average_rating(self) -> Decimal | None:
        if not self.skill_ratings:
            return None
        values = [Decimal(v) for v in self.skill_ratings.values()]
        return sum(values, Decimal(0)) / len(values)


class SignoffRequest(db.Model):
    """One emailed sign-off link. Only the SHA-256 of its 256-bit token is kept."""

    __tablename__ = "signoff_requests"
    __table_args__ = (
        # At most one live link per experience.
        sa.Index(
            "uq_signoff_requests_one_active",
            "experience_id",
            unique=True,
            sqlite_where=sa.text("state = 'sent'"),
            postgresql_where=sa.text("state = 'sent'"),
        ),
        # The supervisor's answer exactly when the request was used.
        sa.CheckConstraint(
            "(state = 'used' AND outcome IS NOT NULL AND outcome IN ('confirmed', 'disputed'))"
            " OR (state <> 'used' AND outcome IS NULL)",
            name="outcome_iff_used",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    experience_id: Mapped[int] = mapped_column(sa.ForeignKey("experiences.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    supervisor_email: Mapped[str] = mapped_column(sa.String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminders_sent: Mapped[int] = mapped_column(default=0)
    state: Mapped[SignoffState] = mapped_column(
        enum_column(SignoffState, "signoff_state"), default=SignoffState.SENT, server_default=SignoffState.SENT.value
    )
    #: When it became USED.
    used_at: Mapped[datetime | None]
    #: When it became WITHDRAWN or EXPIRED (closed unused).
    withdrawn_at: Mapped[datetime | None]
    #: confirmed | disputed: the supervisor's answer, set when (and only when) it is USED.
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(400))

    experience: Mapped[Experience] = relationship()
    tokens: Mapped[list[SignoffToken]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="SignoffToken.id"
    )

    @property
    def is_open(self) -> bool:
        """Still SENT: not used, withdrawn or closed as expired (it may already be past `expires_at`)."""
        return self.state is SignoffState.SENT


class SignoffToken(db.Model):
    """One link mailed for a sign-off request: the first mail, a resend, or a reminder.

    Every mail carries its own 256-bit token (only its SHA-256 is kept), so a reminder never
    needs the earlier token back; all of a request's links share its expiry and its single use.
    """

    __tablename__ = "signoff_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("signoff_requests.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: request | resend | reminder
    purpose: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[SignoffRequest] = relationship(back_populates="tokens")
