"""Credit awards as registrar staff see them: the list with posting status, and rescinding."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from careercenter import signals
from careercenter.audit.service import Actor
from careercenter.credits.models import AWARD_TRANSITIONS, AwardStatus, CreditAward, CreditRule
from careercenter.db import Page, paginate, utcnow
from careercenter.errors import Conflict, ValidationFailed
from careercenter.sso.models import Person
from careercenter.statemachine import move


def list_awards(
    session: Session,
    *,
    status: AwardStatus | None = None,
    term: str | None = None,
    rule_code: str | None = None,
    student: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """Every award, newest first, filtered by posting status, term, rule code and student."""
    base = (
        sa.select(CreditAward)
        .join(Person, Person.id == CreditAward.student_id)
        .join(CreditRule, CreditRule.id == CreditAward.rule_id)
    )
    if status is not None:
        base = base.where(CreditAward.status == status)
    if term:
        base = base.where(CreditAward.term == term)
    if rule_code:
        base = base.where(CreditRule.code == rule_code)
    if student:
        like = f"%{student.lower()}%"
        base = base.where(sa.or_(sa.func.lower(Person.display_name).like(like), Person.campus_id == student))
    return paginate(
        session,
        base,
        options=[contains_eager(CreditAward.student), contains_eager(CreditAward.rule)],
        order_by=[CreditAward.approved_at.desc(), CreditAward.id.desc()],
        page=page,
        per_page=per_page,
    )


def award_filters(session: Session) -> dict[str, list[str]]:
    terms = session.execute(sa.select(CreditAward.term).distinct().order_by(CreditAward.term)).scalars().all()
    codes = (
        session.execute(
            sa.select(CreditRule.code)
            .join(CreditAward, CreditAward.rule_id == CreditRule.id)
            .distinct()
            .order_by(CreditRule.code)
        )
        .scalars()
        .all()
    )
    return {"terms": list(terms), "rules": list(codes)}


def rescind_award(session: Session, award: CreditAward, actor: Actor, reason: str) -> None:
    """Rescind a posted award (registrar staff), with a reason; transcripts showing it react
    through `signals.award_rescinded`."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Please correct the marked fields.", {"reason": "Write the reason for rescinding this award."}
        )
    if award.status is not AwardStatus.POSTED:
        raise Conflict(f"Only a posted award can be rescinded; this one is {award.status.value.replace('_', ' ')}.")
    award.rescinded_reason = reason
    award.rescinded_at = utcnow()
    move(
        session,
        award,
        AwardStatus.RESCINDED,
        transitions=AWARD_TRANSITIONS,
        actor=actor,
        action="credit_award.rescinded",
        data={"reason": reason},
        attribute="status",
    )
    signals.award_rescinded.send("credits", session=session, award=award, actor=actor, reason=reason)


def awards_of_student(session: Session, student_id: int) -> list[CreditAward]:
    """Every award of one student, whatever its status, by term."""
    return list(
        session.execute(
            sa.select(CreditAward)
            .where(CreditAward.student_id == student_id)
            .order_by(CreditAward.term, CreditAward.id)
        ).scalars()
    )
