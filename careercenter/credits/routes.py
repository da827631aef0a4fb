"""Approval routes as data: the `approval` list of a credit rule, validated, and who may decide
each step (today, from the people the directory has synced; for one request, for one person).

A route is an ordered list of steps ``{step: LABEL, by: WHO, deadline_days: N, escalate_to: WHO}``
where WHO is ``advisor``, ``sponsor``, ``registrar`` or ``{pool: NAME, match_program: true}``
(`escalate_to` takes ``registrar`` or ``{pool: NAME}``). A rule without one is decided by the
student's advisor alone, as before routes existed.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

_POOL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
_STEP_KEYS = {"step", "by", "deadline_days", "escalate_to"}


class StepKind(enum.StrEnum):
    """Who decides a step (the `by` of a route step)."""

    ADVISOR = "advisor"
    SPONSOR = "sponsor"
    POOL = "pool"
    REGISTRAR = "registrar"


@dataclass(frozen=True)
class StepSpec:
    """One step of a route."""

    label: str
    kind: StepKind
    pool: str | None = None
    match_program: bool = False
    deadline_days: int | None = None
    #: "registrar" or "pool:NAME".
    escalate_to: str | None = None

    def definition(self) -> dict[str, Any]:
        """The canonical JSON form kept in the rule version's definition."""
        by: Any = self.kind.value
        if self.kind is StepKind.POOL:
            by = {"pool": self.pool, "match_program": self.match_program}
        out: dict[str, Any] = {"step": self.label, "by": by}
        if self.deadline_days is not None:
            out["deadline_days"] = self.deadline_days
        if self.escalate_to is not None:
            out["escalate_to"] = self.escalate_to
        return out

    @classmethod
    def from_definition(cls, raw: dict[str, Any]) -> StepSpec:
        by = raw["by"]
        if isinstance(by, dict):
            return cls(
                raw["step"],
                StepKind.POOL,
                by["pool"],
                bool(by.get("match_program")),
                raw.get("deadline_days"),
                raw.get("escalate_to"),
            )
        return cls(raw["step"], StepKind(by), None, False, raw.get("deadline_days"), raw.get("escalate_to"))

    @property
    def who(self) -> str:
        """Who decides, in words: "a member of csci-chairs in the student's program"."""
        return describe(self.kind, self.pool, self.match_program)

    @property
    def escalation_who(self) -> str | None:
        if self.escalate_to is None:
            return None
        if self.escalate_to == "registrar":
            return describe(StepKind.REGISTRAR, None, False)
        return describe(StepKind.POOL, self.escalate_to.removeprefix("pool:"), False)


def describe(kind: StepKind, pool: str | None, match_program: bool) -> str:
    if kind is StepKind.ADVISOR:
        return "the student's advisor"
    if kind is StepKind.SPONSOR:
        return "the faculty sponsor the student named"
    if kind is StepKind.REGISTRAR:
        return "registrar staff"
    return f"a member of {pool}" + (" in the student's program" if match_program else "")


#: The route of a rule that names none: today's rules keep working.
DEFAULT_ROUTE: tuple[StepSpec, ...] = (StepSpec("Advisor review", StepKind.ADVISOR),)


def route_of(approval: tuple[StepSpec, ...]) -> tuple[StepSpec, ...]:
    return approval or DEFAULT_ROUTE


def _parse_by(value: Any, where: str) -> tuple[tuple[StepKind, str | None, bool] | None, str | None]:
    if isinstance(value, str):
        name = value.strip().lower()
        if name in ("advisor", "sponsor", "registrar"):
            return (StepKind(name), None, False), None
        if name.startswith("pool:") and _POOL.match(name.removeprefix("pool:")):
            return (StepKind.POOL, name.removeprefix("pool:"), False), None
        return None, f"{where}: must be advisor, sponsor, registrar or {{pool: NAME}}"
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"pool", "match_program"})
        if unknown:
            return None, f"{where}.{unknown[0]}: unknown key (use pool, match_program)"
        pool = value.get("pool")
        if not isinstance(pool, str) or not _POOL.match(pool.strip().lower()):
            return None, f"{where}.pool: must be a pool name (letters, digits, - and _)"
        match = value.get("match_program", False)
        if not isinstance(match, bool):
            return None, f"{where}.match_program: must be true or false"
        return (StepKind.POOL, pool.strip().lower(), match), None
    return None, f"{where}: must be advisor, sponsor, registrar or {{pool: NAME}}"


def _parse_escalation(value: Any, where: str) -> tuple[str | None, str | None]:
    parsed, problem = _parse_by(value, where)
    if problem or parsed is None:
        return None, f"{where}: must be registrar or {{pool: NAME}}"
    kind, pool, match = parsed
    if kind is StepKind.REGISTRAR:
        return "registrar", None
    if kind is StepKind.POOL and not match:
        return f"pool:{pool}", None
    return None, f"{where}: must be registrar or {{pool: NAME}}"


def _parse_step(raw: Any, where: str) -> tuple[StepSpec | None, list[str]]:
    if not isinstance(raw, dict):
        return None, [f"{where}: must be a mapping with step and by"]
    problems = [
        f"{where}.{key}: unknown key (use step, by, deadline_days, escalate_to)" for key in raw if key not in _STEP_KEYS
    ]
    label = raw.get("step")
    if not isinstance(label, str) or not label.strip() or len(label.strip()) > 120:
        problems.append(f"{where}.step: must be a label of 1 to 120 characters")
    if "by" not in raw:
        problems.append(f"{where}.by: is required")
        by = None
    else:
        by, problem = _parse_by(raw["by"], f"{where}.by")
        if problem:
            problems.append(problem)
    days = raw.get("deadline_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365):
        problems.append(f"{where}.deadline_days: must be a whole number of days from 1 to 365")
    escalate = None
    if raw.get("escalate_to") is not None:
        escalate, problem = _parse_escalation(raw["escalate_to"], f"{where}.escalate_to")
        if problem:
            problems.append(problem)
        elif days is None:
            problems.append(f"{where}.escalate_to: needs deadline_days (escalation happens at the deadline)")
    if problems or by is None:
        return None, problems
    kind, pool, match = by
    return StepSpec(label.strip(), kind, pool, match, days, escalate), []  # type: ignore[union-attr]


def parse_route(value: Any, path: str) -> tuple[tuple[StepSpec, ...] | None, list[str]]:
    """Validate the `approval` list of one rule; every problem names its place in the file."""
    if not isinstance(value, list) or not value:
        return None, [f"{path}: must be a list of steps, e.g. [{{step: Advisor review, by: advisor}}]"]
    if len(value) > 10:
        return None, [f"{path}: at most 10 steps"]
    steps: list[StepSpec] = []
    problems: list[str] = []
    for index, raw in enumerate(value):
        step, step_problems = _parse_step(raw, f"{path}[{index}]")
        problems += step_problems
        if step is not None:
            steps.append(step)
    labels = [s.label.lower() for s in steps]
    for index, step in enumerate(steps):
        if labels.index(step.label.lower()) != index:
            problems.append(f"{path}: the step label {step.label!r} is used twice")
    if sum(1 for s in steps if s.kind is StepKind.SPONSOR) > 1:
        problems.append(f"{path}: a student names one sponsor, so at most one step is decided by sponsor")
    return (tuple(steps) if not problems else None), problems
