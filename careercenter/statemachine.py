"""One way to move any record's state: consult its table, change it, write the audit event."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.errors import IllegalTransition


def move(
    session: Session,
    record: Any,
    to: enum.Enum,
    *,
    transitions: Mapping[Any, frozenset[Any] | set[Any] | tuple[Any, ...]],
    actor: Actor,
    action: str,
    data: dict[str, Any] | None = None,
    attribute: str = "state",
) -> None:
    """Move `record.<attribute>` to `to` if its transition table allows it; else 409."""
    current = getattr(record, attribute)
    if to not in transitions.get(current, ()):
        noun = re.sub(r"(?<!^)(?=[A-Z])", " ", type(record).__name__).lower()
        raise IllegalTransition(
            f"This {noun} is {current.value.replace('_', ' ')} and cannot become {to.value.replace('_', ' ')}."
        )
    setattr(record, attribute, to)
    session.flush()
    record_event(
        session,
        actor,
        action,
        record.__tablename__,
        record.id,
        {"from": current.value, "to": to.value, **(data or {})},
    )
