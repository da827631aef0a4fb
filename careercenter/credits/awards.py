"""Credit awards as registrar staff see them: the list with posting status, and rescinding."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from careercenter import signals
from careercenter.audit.service import Actor
from careercenter.credits.models import AWARD_TRANSITIONS, AwardStatus, CreditAward, CreditRule
from careercenter.credits.terms import Calendar
from careercenter.db import utcnow
from careercenter.errors import Conflict, ValidationFailed
from careercenter.sso.models import Person
from careercenter.statemachine import move

#: The award list counts matching awards up to this many, then says "more than".
COUNT_CAP = 1000


@dataclass
class AwardPage:
    """One keyset page of the award list: its awards, whether more follow, and the count of the
    matching awards up to `COUNT_CAP` (no exact count over the whole table per view)."""

    items: list[CreditAward]
    more: bool
    counted: int
    #: The id of the last award shown: the next page starts after it.
    next_after: int | None

    @property
    def count_capped(self) -> bool:
        return self.counted > COUNT_CAP


def list_awards(
    session: Session,
    *,
    status: AwardStatus | None = None,
    term: str | None = None,
    rule_code: str | None = None,
    student: str | None = None,
    after: int | None = None,
    per_page: int = 50,
) -> AwardPage:
    """Awards newest approved first (approved_at, id descending), filtered by posting status, term,
    rule code and student; the page after award `after`. Three queries whatever the table's size."""
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
    capped = base.with_only_columns(CreditAward.id).limit(COUNT_CAP + 1).subquery()
    counted = session.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one()
    page = base
    if after is not None:
        anchor = sa.select(CreditAward.approved_at).where(CreditAward.id == after).scalar_subquery()
        page = page.where(
            sa.or_(CreditAward.approved_at < anchor, sa.and_(CreditAward.approved_at == anchor, CreditAward.id < after))
        )
    rows = list(
        session.execute(
            page.options(contains_eager(CreditAward.student), contains_eager(CreditAward.rule))
            .order_by(CreditAward.approved_at.desc(), CreditAward.id.desc())
            .limit(per_page + 1)
        )
        .unique()
        .scalars()
    )
    more = len(rows) > per_page
    items = rows[:per_page]
    return AwardPage(items, more, counted, items[-1].id if more else None)


def award_filters(session: Session, calendar: Calendar) -> dict[str, list[str]]:
    """The filter menus: every rule code (from the rules), and every term of `calendar` from the
    earliest award's year to the latest's, newest first — two index lookups, no DISTINCT scan."""
    codes = session.execute(sa.select(CreditRule.code).distinct().order_by(CreditRule.code)).scalars().all()
    first, last = session.execute(sa.select(sa.func.min(CreditAward.term), sa.func.max(CreditAward.term))).one()
    terms: list[str] = []
    if first and last and first[:4].isdigit() and last[:4].isdigit():
        terms = [
            f"{year}{code}" for year in range(int(last[:4]), int(first[:4]) - 1, -1) for code in calendar.codes[::-1]
        ]
    return {"terms": terms, "rules": list(codes)}


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
