"""Who has a legitimate interest in a student's records (FERPA 99.31(a)(1)), and which: the
student's advisors, the approvers of their credit requests (who decided a step, or may decide
one waiting now — delegates included), career-center staff and registrar staff."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait
from careercenter.credits.eligibility import decidable_clause, is_approver
from careercenter.credits.models import CreditRequest, RequestState
from careercenter.sso.models import Person, Role
from careercenter.sso.service import is_assigned_advisor


def interest_in(session: Session, viewer: Person, student: Person) -> str | None:
    """The viewer's legitimate interest in `student`'s records, in words; None: they have none."""
    if not viewer.is_active:
        return None
    if viewer.id == student.id:
        return "the student themself"
    if viewer.has_role(Role.REGISTRAR):
        return "registrar staff: credit records"
    if viewer.has_role(Role.STAFF, Role.ADMIN):
        return "career-center staff"
    if viewer.has_role(Role.ADVISOR) and is_assigned_advisor(session, viewer, student):
        return "assigned advisor"
    if not is_approver(viewer):
        return None
    decided = session.execute(
        sa.select(ApprovalDecision.id)
        .join(CreditRequest, CreditRequest.id == ApprovalDecision.request_id)
        .where(CreditRequest.student_id == student.id, ApprovalDecision.decided_by_id == viewer.id)
        .limit(1)
    ).first()
    if decided is not None:
        return "approver of the student's credit request"
    waiting = session.execute(
        sa.select(CreditRequest.id)
        .join(ApprovalWait, ApprovalWait.request_id == CreditRequest.id)
        .where(
            CreditRequest.student_id == student.id,
            CreditRequest.state == RequestState.SUBMITTED,
            decidable_clause(session, viewer),
        )
        .limit(1)
    ).first()
    if waiting is not None:
        return "approver of a step of the student's credit request"
    return None
