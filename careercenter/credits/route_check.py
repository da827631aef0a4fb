"""Who could decide each step of each rule's route today, from the people the directory synced;
a step nobody can decide makes the rules file unloadable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from careercenter.credits.eligibility import people_for
from careercenter.credits.routes import StepKind
from careercenter.credits.rules import RuleSpec

SHOWN = 8


@dataclass
class RouteCheck:
    lines: list[str] = field(default_factory=list)
    #: "CODE: step LABEL" for each step nobody can decide.
    undecidable: list[str] = field(default_factory=list)

    @property
    def is_ok(self) -> bool:
        return not self.undecidable


def _names(people: Sequence[object], with_program: bool) -> str:
    shown = [
        f"{p.display_name} ({p.program})" if with_program else p.display_name  # type: ignore[attr-defined]
        for p in people[:SHOWN]
    ]
    more = f" and {len(people) - SHOWN} more" if len(people) > SHOWN else ""
    return ", ".join(shown) + more


def check_routes(session: Session, specs: Sequence[RuleSpec]) -> RouteCheck:
    """Check the declared routes of `specs` (a rule without `approval` keeps today's default:
    the student's advisor, printed but not required)."""
    report = RouteCheck()
    for spec in specs:
        declared = bool(spec.approval)
        report.lines.append(f"{spec.code}: " + ("route" if declared else "default route (no `approval`)"))
        for number, step in enumerate(spec.route, start=1):
            people = people_for(session, step.kind, step.pool, step.match_program)
            problem = None
            if step.kind is StepKind.POOL and step.match_program and spec.programs:
                missing = [prog for prog in spec.programs if prog not in {p.program for p in people}]
                if missing:
                    problem = f"no member of {step.pool} is in {', '.join(missing)}"
            if not people:
                problem = "nobody can decide it"
            who = _names(people, step.kind is StepKind.POOL and step.match_program) or "nobody"
            line = f"  {number}. {step.label} — {step.who}: {who}"
            if step.escalate_to:
                line += f"; escalates after {step.deadline_days} day(s) to {step.escalation_who}"
            report.lines.append(line)
            if problem and declared:
                report.lines.append(f'  error: {spec.code}: step "{step.label}": {problem}')
                report.undecidable.append(f'{spec.code}: step "{step.label}" ({problem})')
    return report
