"""What transcripts do when another domain changes something they showed."""

from __future__ import annotations

from typing import Any

from careercenter.signals import award_rescinded


def _on_award_rescinded(sender: Any, *, session: Any, award: Any, actor: Any, reason: str | None = None) -> None:
    """Revoke every issued transcript that showed the rescinded award (in the sender's transaction)."""
    from careercenter.transcripts.service import revoke_for_rescinded_award

    revoke_for_rescinded_award(session, award, actor=actor, reason=reason)


award_rescinded.connect(_on_award_rescinded, weak=False)
