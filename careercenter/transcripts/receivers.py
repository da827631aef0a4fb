"""What transcripts do when another domain changes something they showed, and their export section."""

from __future__ import annotations

from typing import Any

from careercenter.signals import award_rescinded


def _on_award_rescinded(sender: Any, *, session: Any, award: Any, actor: Any, reason: str | None = None) -> None:
    """Revoke every issued transcript that showed the rescinded award (in the sender's transaction)."""
    from careercenter.transcripts.service import revoke_for_rescinded_award

    revoke_for_rescinded_award(session, award, actor=actor, reason=reason)


award_rescinded.connect(_on_award_rescinded, weak=False)


def _export_section() -> None:
    """Put the student's transcripts in their FERPA export (`flask students export`)."""
    import sqlalchemy as sa

    from careercenter.audit.export import EXTRA_SECTIONS, Section
    from careercenter.transcripts.models import Transcript

    if any(section.name == "transcripts" for section in EXTRA_SECTIONS):
        return
    EXTRA_SECTIONS.append(
        Section(
            "transcripts",
            lambda student: sa.select(Transcript).where(Transcript.student_id == student.id).order_by(Transcript.id),
        )
    )


_export_section()
