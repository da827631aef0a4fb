"""Approval routes at work: the step a submitted request waits at, each step's one decision,
approvers' delegations while away, and how each approver wants to be told."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from careercenter.credits.models import CreditAward, CreditRequest
from careercenter.credits.routes import StepKind
from careercenter.db import enum_column, utcnow
from careercenter.extensions import db
from careercenter.sso.models import Person


class StepDecision(enum.StrEnum):
    APPROVED = "approved"
    RETURNED = "returned"
    DENIED = "denied"
    #: Not an approver's decision: the student withdrew the request while it waited at this step
    #: (`decided_by` is the student). Kept here so that the step's one row says how it ended.
    WITHDRAWN = "withdrawn"


class ApprovalWait(db.Model):
    """The step a submitted request waits at (one row per submitted request, none otherwise).

    The step's "who decides" is copied here from the pinned route so that the approver's queue
    is one SQL query whatever the rules say."""

    __tablename__ = "approval_waits"
    __table_args__ = (sa.CheckConstraint("step_index >= 0", name="step_index_nonnegative"),)

    request_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_requests.id", ondelete="CASCADE"), primary_key=True)
    #: 1 for the first submission, 2 after the first return and resubmission, …
    pass_no: Mapped[int]
    step_index: Mapped[int]
    step_label: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[StepKind] = mapped_column(enum_column(StepKind, "step_kind"), index=True)
    pool: Mapped[str | None] = mapped_column(sa.String(60))
    match_program: Mapped[bool] = mapped_column(default=False)
    #: "registrar" or "pool:NAME": who may decide too once the deadline passed.
    escalate_to: Mapped[str | None] = mapped_column(sa.String(70))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]

    request: Mapped[CreditRequest] = relationship()


class ApprovalDecision(db.Model):
    """One decision on one step of one pass: the unique key is the guard that makes it one."""

    __tablename__ = "approval_decisions"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "pass_no", "step_index", name="uq_approval_decisions_request_pass_step"),
        sa.CheckConstraint("credits IS NULL OR credits > 0", name="credits_positive"),
        sa.Index("ix_approval_decisions_decided_by_id_decided_at", "decided_by_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_requests.id", ondelete="CASCADE"), index=True)
    pass_no: Mapped[int]
    step_index: Mapped[int]
    step_label: Mapped[str] = mapped_column(sa.String(120))
    decision: Mapped[StepDecision] = mapped_column(enum_column(StepDecision, "step_decision"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    #: The away approver a delegate decided for.
    on_behalf_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    #: Credits granted by an approval at this step (fewer than before needs a reason).
    credits: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    reduction_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: The step had escalated when it was decided.
    was_escalated: Mapped[bool] = mapped_column(default=False)

    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
    on_behalf_of: Mapped[Person | None] = relationship(foreign_keys=[on_behalf_of_id])
    request: Mapped[CreditRequest] = relationship()

    @property
    def decider_label(self) -> str:
        """ "Dana Whitfield (for Raj Patel)", or just the decider's name."""
        name = self.decided_by.display_name if self.decided_by else "a former approver"
        if self.on_behalf_of is not None:
            return f"{name} (for {self.on_behalf_of.display_name})"
        return name


#: An award's step decisions, all passes, in route order (loaded with the award in bulk by the
#: registrar API). Declared here, beside the decisions, so that credits.models needs no import
#: of this module.
CreditAward.decisions = relationship(  # type: ignore[attr-defined]
    ApprovalDecision,
    primaryjoin=CreditAward.request_id == foreign(ApprovalDecision.request_id),
    viewonly=True,
    order_by=[ApprovalDecision.pass_no, ApprovalDecision.step_index],
)


def award_trail(award: CreditAward) -> list[ApprovalDecision]:
    """The decisions of the pass that made `award`, in route order."""
    decisions: list[ApprovalDecision] = award.decisions  # type: ignore[attr-defined]
    if not decisions:
        return []
    last = max(d.pass_no for d in decisions)
    return [d for d in decisions if d.pass_no == last]


class Delegation(db.Model):
    """While `person` is away (from `starts_on` to `ends_on`, both included), `delegate` sees and
    decides their steps."""

    __tablename__ = "approval_delegations"
    __table_args__ = (
        sa.CheckConstraint("person_id <> delegate_id", name="not_self"),
        sa.CheckConstraint("ends_on >= starts_on", name="range_ordered"),
        sa.Index("ix_approval_delegations_delegate_id_dates", "delegate_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    delegate_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    delegate: Mapped[Person] = relationship(foreign_keys=[delegate_id])


class ApproverSettings(db.Model):
    """How an approver wants to hear of steps waiting for them: one email each, or a daily digest."""

    __tablename__ = "approver_settings"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    daily_digest: Mapped[bool] = mapped_column(default=False)
    #: The last digest sent, so that `flask credits escalate` sends one a day at most.
    digest_sent_on: Mapped[date | None]


class DigestItem(db.Model):
    """A step notice held back for an approver's daily digest."""

    __tablename__ = "approval_digest_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    line: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
