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
from careercenter.transcripts.supersede import offer_after_name_change, offer_reissue


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


def export_section() -> Section:
    """The student's transcripts in their FERPA export (`flask students export`)."""
    return Section(
        "transcripts",
        lambda student: sa.select(Transcript).where(Transcript.student_id == student.id).order_by(Transcript.id),
    )
