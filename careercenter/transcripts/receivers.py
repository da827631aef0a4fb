"""What transcripts do when another domain changes something they showed, and their export section.

Plain functions: `careercenter/wiring.py` connects and registers them when the app is built.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from careercenter.audit.export import Section
from careercenter.transcripts.models import Transcript
from careercenter.transcripts.service import revoke_for_rescinded_award


def on_award_rescinded(sender: Any, *, session: Any, award: Any, actor: Any, reason: str | None = None) -> None:
    """Revoke every issued transcript that showed the rescinded award (in the sender's transaction)."""
    revoke_for_rescinded_award(session, award, actor=actor, reason=reason)


def export_section() -> Section:
    """The student's transcripts in their FERPA export (`flask students export`)."""
    return Section(
        "transcripts",
        lambda student: sa.select(Transcript).where(Transcript.student_id == student.id).order_by(Transcript.id),
    )
