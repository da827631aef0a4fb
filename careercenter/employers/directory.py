"""What staff see of an employer: its experiences, supervisors, how often and how fast its
supervisors answer sign-off requests, and their average ratings. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from careercenter.employers.models import Employer
from careercenter.internships.models import Experience, SignoffRequest, SignoffState


@dataclass(frozen=True)
class EmployerStats:
    experiences: int
    requests: int
    answered: int
    median_answer: timedelta | None
    average_ratings: dict[str, Decimal]

    @property
    def answer_rate(self) -> Decimal | None:
        if not self.requests:
            return None
        return (Decimal(self.answered) * 100 / self.requests).quantize(Decimal("1"))

    @property
    def overall_rating(self) -> Decimal | None:
        if not self.average_ratings:
            return None
        values = list(self.average_ratings.values())
        return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"))


def listing(session: Session, query: str = "") -> list[tuple[Employer, int]]:
    """Live employers (name or domain containing `query`) with their experience counts, by name."""
    counts = (
        sa.select(Experience.employer_id, sa.func.count(Experience.id).label("n"))
        .group_by(Experience.employer_id)
        .subquery()
    )
    stmt = (
        sa.select(Employer, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.employer_id == Employer.id)
        .where(Employer.merged_into_id.is_(None))
        .options(selectinload(Employer.domains))
        .order_by(Employer.name, Employer.id)
    )
    text = query.strip().casefold()
    if text:
        stmt = stmt.where(sa.func.lower(Employer.name).like(f"%{text}%"))
    return [(e, int(n)) for e, n in session.execute(stmt).all()]


def experiences_of(session: Session, employer: Employer) -> list[Experience]:
    return list(
        session.execute(
            sa.select(Experience)
            .where(Experience.employer_id == employer.id)
            .options(selectinload(Experience.student))
            .order_by(Experience.end_date.desc(), Experience.id.desc())
        ).scalars()
    )


def stats(session: Session, employer: Employer, experiences: list[Experience]) -> EmployerStats:
    ids = [e.id for e in experiences]
    requests = []
    if ids:
        requests = list(
            session.execute(
                sa.select(SignoffRequest.state, SignoffRequest.created_at, SignoffRequest.used_at).where(
                    SignoffRequest.experience_id.in_(ids), SignoffRequest.state != SignoffState.WITHDRAWN
                )
            ).all()
        )
    waits = sorted(used - created for state, created, used in requests if state is SignoffState.USED and used)
    totals: dict[str, list[int]] = {}
    for experience in experiences:
        for name, value in (experience.skill_ratings or {}).items():
            totals.setdefault(name, []).append(int(value))
    averages = {
        name: (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1")) for name, values in sorted(totals.items())
    }
    return EmployerStats(
        experiences=len(experiences),
        requests=len(requests),
        answered=len(waits),
        median_answer=waits[len(waits) // 2] if waits else None,
        average_ratings=averages,
    )


def duration_words(value: timedelta | None) -> str:
    if value is None:
        return "no answers yet"
    hours = value.total_seconds() / 3600
    if hours < 1:
        return "under an hour"
    if hours < 48:
        return f"{int(hours)} hours"
    return f"{int(hours // 24)} days"
