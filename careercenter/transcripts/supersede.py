"""Superseded, not revoked, when something changes: reissuing a transcript and offering a reissue.

A reissue makes a new transcript of the records as they are now; every issued transcript of the
student becomes `superseded` (authentic as issued) with a link to its successor. The service
offers a reissue — a notice on the student's home and an email — when the student's name changes
in the directory, when an amendment of one of their records is granted, and when an award a
transcript showed is rescinded. Plain functions: session in, flush only.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.db import utcnow
from careercenter.notify.service import queue_message
from careercenter.sso.models import Person
from careercenter.statemachine import move
from careercenter.transcripts.models import (
    TRANSCRIPT_TRANSITIONS,
    ReissueOffer,
    Transcript,
    TranscriptState,
)
from careercenter.transcripts.service import IssueSettings, issue_transcript

CAUSES = ("name_change", "amendment_granted", "award_rescinded")


def current_transcripts(session: Session, student_id: int) -> list[Transcript]:
    query = sa.select(Transcript).where(Transcript.student_id == student_id, Transcript.state == TranscriptState.ISSUED)
    return list(session.execute(query.order_by(Transcript.id)).scalars())


def supersede(
    session: Session, transcript: Transcript, *, successor: Transcript | None, actor: Actor, why: str
) -> None:
    """Mark one issued transcript superseded (by `successor`, when there is one already)."""
    transcript.superseded_at = utcnow()
    transcript.superseded_by_id = successor.id if successor else None
    move(
        session,
        transcript,
        TranscriptState.SUPERSEDED,
        transitions=TRANSCRIPT_TRANSITIONS,
        actor=actor,
        action="transcript.superseded",
        data={"successor_id": successor.id if successor else None, "why": why},
    )


def reissue(
    session: Session, student: Person, settings: IssueSettings, *, actor: Actor, issued_by: Person | None
) -> Transcript:
    """A new transcript of `student`'s records as they are now; the ones it replaces (issued, and
    superseded ones still waiting for a successor) point to it. Open offers are closed."""
    older = current_transcripts(session, student.id)
    waiting = session.execute(
        sa.select(Transcript).where(
            Transcript.student_id == student.id,
            Transcript.state == TranscriptState.SUPERSEDED,
            Transcript.superseded_by_id.is_(None),
        )
    ).scalars()
    new = issue_transcript(session, student, settings, actor=actor, issued_by=issued_by)
    for old in older:
        supersede(session, old, successor=new, actor=actor, why="reissued")
    for old in waiting:
        old.superseded_by_id = new.id
    for offer in open_offers(session, student.id):
        offer.closed_at = utcnow()
        offer.closed_by_transcript_id = new.id
    session.flush()
    return new


def open_offers(session: Session, student_id: int) -> list[ReissueOffer]:
    query = sa.select(ReissueOffer).where(ReissueOffer.student_id == student_id, ReissueOffer.closed_at.is_(None))
    return list(session.execute(query.order_by(ReissueOffer.id)).scalars())


def offer_reissue(session: Session, student: Person, *, cause: str, reason: str, actor: Actor) -> ReissueOffer | None:
    """Offer `student` a new transcript (home notice + email), once per cause while open.
    Nothing to offer to a student who never had a transcript."""
    if cause not in CAUSES:
        raise ValueError(f"unknown reissue cause {cause!r}")
    has_any = session.execute(sa.select(Transcript.id).where(Transcript.student_id == student.id).limit(1)).first()
    if has_any is None:
        return None
    for offer in open_offers(session, student.id):
        if offer.cause == cause:
            return offer
    offer = ReissueOffer(student_id=student.id, cause=cause, reason=reason)
    session.add(offer)
    session.flush()
    record_event(session, actor, "transcript.reissue_offered", ReissueOffer.__tablename__, offer.id, {"cause": cause})
    queue_message(
        session,
        to=student.email,
        subject="A new transcript is ready for you to request",
        text=(
            f"Dear {student.display_name},\n\n{reason}\n\n"
            "Your earlier transcripts still verify as they were issued. To get one that shows your "
            "records as they are now, open Transcripts in the career center and choose "
            '"Reissue my transcript".\n'
        ),
        kind="transcript.reissue_offered",
    )
    return offer


def offer_after_name_change(session: Session, student: Person, *, old_name: str, actor: Actor) -> ReissueOffer | None:
    """The directory changed a student's name: transcripts show the old one; offer a reissue."""
    if not old_name or old_name == student.display_name:
        return None
    return offer_reissue(
        session,
        student,
        cause="name_change",
        reason=(
            f"Your name in the campus directory changed from {old_name} to {student.display_name}; "
            "your transcripts show the name they were issued with."
        ),
        actor=actor,
    )
