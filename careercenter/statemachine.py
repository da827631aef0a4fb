"""One way to move any record's state: consult its table, change it, have the move recorded.

This module knows no domain, not even the audit log: the recorder that writes each move down is
passed in (`recorder=`) or, by default, the one `careercenter/wiring.py` installs with
`use_recorder` (the audit chain's `record_event`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.orm import Session

from careercenter.errors import IllegalTransition


class Recorder(Protocol):
    def __call__(
        self, session: Session, actor: Any, action: str, subject_type: str, subject_id: object, data: dict[str, Any]
    ) -> object: ...


_recorder: list[Recorder] = []


def use_recorder(recorder: Recorder) -> None:
    """Record every move that is not given its own recorder with `recorder` (wiring calls this)."""
    _recorder[:] = [recorder]


def move(
    session: Session,
    record: Any,
    to: enum.Enum,
    *,
    transitions: Mapping[Any, frozenset[Any] | set[Any] | tuple[Any, ...]],
    actor: Any,
    action: str,
    data: dict[str, Any] | None = None,
    attribute: str = "state",
    recorder: Recorder | None = None,
) -> None:
    """Move `record.<attribute>` to `to` if its transition table allows it; else 409.

    The move is recorded as `action` by `actor`, with {"from": …, "to": …, **data}.
    """
    if recorder is None:
        if not _recorder:
            raise RuntimeError("no state-move recorder: build the app with create_app() (careercenter/wiring.py)")
        recorder = _recorder[0]
    current = set_state(record, to, transitions=transitions, attribute=attribute)
    session.flush()
    recorder(
        session,
        actor,
        action,
        record.__tablename__,
        record.id,
        {"from": current.value, "to": to.value, **(data or {})},
    )


def check_transition(record_type: type, current: enum.Enum, to: enum.Enum, transitions: Mapping[Any, Any]) -> None:
    """Raise `IllegalTransition` (409) unless the table lets a `record_type` go `current` → `to`."""
    if to not in transitions.get(current, ()):
        noun = re.sub(r"(?<!^)(?=[A-Z])", " ", record_type.__name__).lower()
        raise IllegalTransition(
            f"This {noun} is {current.value.replace('_', ' ')} and cannot become {to.value.replace('_', ' ')}."
        )


def set_state(
    record: Any,
    to: enum.Enum,
    *,
    transitions: Mapping[Any, frozenset[Any] | set[Any] | tuple[Any, ...]],
    attribute: str = "state",
) -> enum.Enum:
    """Move `record.<attribute>` by its table without an audit event of its own; return the old state.

    For a record whose move is one half of an action that `move` records on another record
    (a sign-off request used, withdrawn or expired with its experience's event).
    """
    current = getattr(record, attribute)
    check_transition(type(record), current, to, transitions)
    setattr(record, attribute, to)
    return current
