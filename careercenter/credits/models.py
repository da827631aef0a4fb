"""Credit rules (versioned data), credit requests and the awards approval makes."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careercenter.db import enum_column, utcnow
from careercenter.extensions import db
from careercenter.internships.models import Experience
from careercenter.sso.models import Person


class RuleStatus(enum.StrEnum):
    ACTIVE = "active"  # the current version of its code
    SUPERSEDED = "superseded"  # an older version; requests made under it keep it
    RETIRED = "retired"  # the code is no longer offered


#: A version is replaced by a newer one (superseded) or withdrawn (retired); neither comes back.
RULE_TRANSITIONS: dict[RuleStatus, frozenset[RuleStatus]] = {
    RuleStatus.ACTIVE: frozenset({RuleStatus.SUPERSEDED, RuleStatus.RETIRED}),
    RuleStatus.RETIRED: frozenset({RuleStatus.SUPERSEDED}),
    RuleStatus.SUPERSEDED: frozenset(),
}


class CreditRule(db.Model):
    """One version of a rule. The YAML definition is kept whole in `definition`."""

    __tablename__ = "credit_rules"
    __table_args__ = (
        sa.UniqueConstraint("code", "version", name="uq_credit_rules_code_version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), index=True)
    version: Mapped[int]
    status: Mapped[RuleStatus] = mapped_column(enum_column(RuleStatus, "rule_status"), default=RuleStatus.ACTIVE)
    name: Mapped[str] = mapped_column(sa.String(200))
    course_subject: Mapped[str] = mapped_column(sa.String(20))
    course_number: Mapped[str] = mapped_column(sa.String(20))
    course_title: Mapped[str] = mapped_column(sa.String(200))
    #: P/NP, letter, …
    grading_basis: Mapped[str] = mapped_column(sa.String(20))
    definition: Mapped[dict[str, Any]]
    #: SHA-256 of the canonical definition: loading an unchanged rule makes no new version.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def course_label(self) -> str:
        return f"{self.course_subject} {self.course_number}"


class RequestState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    DENIED = "denied"
    RETURNED = "returned"
    #: The student gave the request up (while it waited at a step, or after it was returned).
    WITHDRAWN = "withdrawn"


REQUEST_TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    RequestState.DRAFT: frozenset({RequestState.SUBMITTED}),
    RequestState.SUBMITTED: frozenset(
        {RequestState.APPROVED, RequestState.DENIED, RequestState.RETURNED, RequestState.WITHDRAWN}
    ),
    RequestState.RETURNED: frozenset({RequestState.SUBMITTED, RequestState.WITHDRAWN}),
    RequestState.APPROVED: frozenset(),
    RequestState.DENIED: frozenset(),
    RequestState.WITHDRAWN: frozenset(),
}

request_experiences = sa.Table(
    "credit_request_experiences",
    db.metadata,
    sa.Column("request_id", sa.ForeignKey("credit_requests.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("experience_id", sa.ForeignKey("experiences.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class CreditRequest(db.Model):
    __tablename__ = "credit_requests"
    __table_args__ = (
        sa.CheckConstraint("computed_credits IS NULL OR computed_credits >= 0", name="computed_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: The rule *version* pinned at submission.
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_rules.id", ondelete="RESTRICT"), index=True)
    #: Academic term, e.g. "2026FA".
    term: Mapped[str] = mapped_column(sa.String(20), index=True)
    state: Mapped[RequestState] = mapped_column(
        enum_column(RequestState, "request_state"), default=RequestState.DRAFT, index=True
    )
    reflection: Mapped[str] = mapped_column(sa.Text, default="")
    #: The whole evaluation at submission: every check, passed or failed, and the credits.
    evaluation: Mapped[dict[str, Any] | None]
    is_eligible: Mapped[bool | None]
    computed_credits: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(sa.Text)
    #: Why the advisor granted fewer credits than the evaluation computed.
    reduction_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: The faculty member the student named for a route's `sponsor` step (None when it has none).
    sponsor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"), index=True)
    #: Optimistic lock: two advisors deciding at once → exactly one wins.
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    student: Mapped[Person] = relationship(foreign_keys=[student_id])
    rule: Mapped[CreditRule] = relationship()
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
    sponsor: Mapped[Person | None] = relationship(foreign_keys=[sponsor_id])
    experiences: Mapped[list[Experience]] = relationship(
        secondary=request_experiences, order_by=[Experience.start_date, Experience.id]
    )


class AwardStatus(enum.StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    REJECTED_BY_REGISTRAR = "rejected_by_registrar"
    RESCINDED = "rescinded"


AWARD_TRANSITIONS: dict[AwardStatus, frozenset[AwardStatus]] = {
    AwardStatus.PENDING: frozenset({AwardStatus.POSTED, AwardStatus.REJECTED_BY_REGISTRAR}),
    AwardStatus.POSTED: frozenset({AwardStatus.RESCINDED}),
    AwardStatus.REJECTED_BY_REGISTRAR: frozenset(),
    AwardStatus.RESCINDED: frozenset(),
}


class CreditAward(db.Model):
    """Credit granted by an approval, waiting for, or carrying, the registrar's posting."""

    __tablename__ = "credit_awards"
    __table_args__ = (
        sa.CheckConstraint("credits > 0", name="credits_positive"),
        sa.Index("ix_credit_awards_updated_at_id", "updated_at", "id"),
        # the registrar award list: newest approved first, keyset paged
        sa.Index("ix_credit_awards_approved_at_id", "approved_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_requests.id", ondelete="RESTRICT"), unique=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_rules.id", ondelete="RESTRICT"))
    term: Mapped[str] = mapped_column(sa.String(20), index=True)
    credits: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    grading_basis: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[AwardStatus] = mapped_column(
        enum_column(AwardStatus, "award_status"), default=AwardStatus.PENDING, index=True
    )
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The student-information system's own reference once posted.
    sis_reference: Mapped[str | None] = mapped_column(sa.String(120))
    posting_note: Mapped[str | None] = mapped_column(sa.Text)
    posted_at: Mapped[datetime | None]
    rescinded_reason: Mapped[str | None] = mapped_column(sa.Text)
    rescinded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Moves on every change: the registrar API pages on (updated_at, id).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    request: Mapped[CreditRequest] = relationship()
    student: Mapped[Person] = relationship(foreign_keys=[student_id])
    rule: Mapped[CreditRule] = relationship()
    approved_by: Mapped[Person | None] = relationship(foreign_keys=[approved_by_id])
