"""What transcripts do when another domain changes something they showed, and their export section.

Plain functions: `careercenter/wiring.py` connects and registers them when the app is built.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from careercenter.audit.export import Section
from careercenter.audit.service import Actor
from careercenter.transcripts.models import Transcript
from careercenter.transcripts.service import revoke_for_rescinded_award
from careercenter.transcripts.supersede import current_transcripts, offer_after_name_change, offer_reissue, supersede


def _actor(actor: Any) -> Actor:
    if isinstance(actor, Actor):
        return actor
    if actor is not None and hasattr(actor, "display_name"):
        return Actor.person(actor)
    return Actor.system(str(actor) if actor else "system")


def on_award_rescinded(sender: Any, *, session: Any, award: Any, actor: Any, reason: str | None = None) -> None:
    """Revoke every transcript that showed the rescinded award (in the sender's transaction), and
    offer the student a reissue, which leaves the award out."""
    if revoke_for_rescinded_award(session, award, actor=actor, reason=reason):
        label = f"{award.rule.course_label} ({award.term})" if award.rule else "a credit award"
        offer_reissue(
            session,
            award.student,
            cause="award_rescinded",
            reason=f"The credit award {label} was rescinded, so the transcripts that showed it were revoked.",
            actor=_actor(actor),
        )


def on_name_changed(sender: Any, *, session: Any, person: Any, old_name: str) -> None:
    """The directory changed a student's name: offer a transcript with the new one."""
    offer_after_name_change(session, person, old_name=old_name, actor=Actor.system("directory"))


def on_amendment_granted(sender: Any, *, session: Any, request: Any, actor: Actor) -> None:
    """A record was corrected: the transcripts that showed the old value are superseded (they
    were authentic as issued) and the student is offered a reissue."""
    count = 0
    for transcript in current_transcripts(session, request.student_id):
        if any(e.get("id") == request.experience_id for e in transcript.snapshot.get("experiences", [])):
            supersede(session, transcript, successor=None, actor=actor, why=f"amendment {request.id} granted")
            count += 1
    if count:
        offer_reissue(
            session,
            request.student,
            cause="amendment_granted",
            reason=(
                f'Your request to amend "{request.experience.title}" was granted; '
                "your transcripts showed the old value."
            ),
            actor=actor,
        )


def export_section() -> Section:
    """The student's transcripts in their FERPA export (`flask students export`)."""
    return Section(
        "transcripts",
        lambda student: sa.select(Transcript).where(Transcript.student_id == student.id).order_by(Transcript.id),
    )
