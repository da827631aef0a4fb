"""A student's request to amend one of their records, the decision, and any statement of disagreement."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careercenter.db import enum_column, utcnow
from careercenter.extensions import db
from careercenter.internships.models import Experience
from careercenter.sso.models import Person


class AmendmentState(enum.StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    DENIED = "denied"


#: requested → granted | denied. A decision is final; a denied request may carry a statement.
AMENDMENT_TRANSITIONS: dict[AmendmentState, frozenset[AmendmentState]] = {
    AmendmentState.REQUESTED: frozenset({AmendmentState.GRANTED, AmendmentState.DENIED}),
    AmendmentState.GRANTED: frozenset(),
    AmendmentState.DENIED: frozenset(),
}

#: What a grant may correct on a verified experience, and the labels people read.
FIELDS: dict[str, str] = {
    "employer": "Employer",
    "title": "Project",
    "start_date": "Start date",
    "end_date": "End date",
    "hours": "Hours",
}


class AmendmentRequest(db.Model):
    __tablename__ = "amendment_requests"
    __table_args__ = (
        sa.CheckConstraint(
            "(state = 'requested') = (decided_at IS NULL)",
            name="decided_iff_not_requested",
        ),
        sa.CheckConstraint("statement IS NULL OR state = 'denied'", name="statement_only_when_denied"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    experience_id: Mapped[int] = mapped_column(sa.ForeignKey("experiences.id", ondelete="CASCADE"), index=True)
    #: What the student says is wrong, and what it should say.
    what_is_wrong: Mapped[str] = mapped_column(sa.Text)
    should_say: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[AmendmentState] = mapped_column(
        enum_column(AmendmentState, "amendment_state"), default=AmendmentState.REQUESTED, index=True
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The date by which registrar staff decide (CAREERCENTER_AMENDMENT_DAYS after the request).
    due_on: Mapped[date]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    #: Granted: what was corrected; denied: why not (shown to the student).
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Granted: {"field": ..., "old": ..., "new": ...}; the old value also lives in the audit trail.
    correction: Mapped[dict[str, Any] | None]
    #: The student's statement of disagreement after a denial (99.21(b)(2)).
    statement: Mapped[str | None] = mapped_column(sa.Text)
    statement_at: Mapped[datetime | None]

    student: Mapped[Person] = relationship(foreign_keys=[student_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
    experience: Mapped[Experience] = relationship()
