"""Rules edited in the browser: a version as YAML, a draft checked exactly as `flask credits
load-rules` checks a file, a preview of the draft against a term's submitted requests, and the
differences between two versions. Publishing goes through `rule_versions.load_rules`, so a
change makes a new version and requests keep the version they were submitted under."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session, selectinload

from careercenter.credits.evaluation import ExperienceFacts, PriorAward, StudentFacts, evaluate
from careercenter.credits.models import CreditAward, CreditRequest, CreditRule, RequestState
from careercenter.credits.requests import COUNTING_AWARDS, experience_label
from careercenter.credits.rule_versions import calendar
from careercenter.credits.rules import RuleFileError, RuleSpec, parse_rules_text
from careercenter.internships.models import ExperienceState

#: Keys shown first, in the order a reader expects; the rest follow as the rule stores them.
_LEADING = ("code", "name", "description", "course", "grading_basis")
_COURSE = {"course_subject": "subject", "course_number": "number", "course_title": "title"}
_DECIMALS = {
    "hours_per_credit",
    "credit_increment",
    "min_credits",
    "max_credits",
    "min_hours_per_experience",
    "min_supervisor_rating",
    "term_credit_cap",
    "lifetime_credit_cap",
}


def _plain_number(text: str) -> int | float:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(text)


def rule_yaml(definition: dict[str, Any]) -> str:
    """A stored definition as the YAML a person edits (defaults and empty settings left out)."""
    shown: dict[str, Any] = {}
    course = {_COURSE[k]: definition[k] for k in _COURSE if definition.get(k) is not None}
    rest: dict[str, Any] = {}
    for key, value in definition.items():
        if key in _COURSE or value in (None, [], "") or (key == "retired" and value is False):
            continue
        if key in ("reflection_required",) and value is False or key == "reflection_min_words" and value == 0:
            continue
        if key == "min_hours_per_experience" and str(value) == "0":
            continue
        rest[key] = _plain_number(value) if key in _DECIMALS and isinstance(value, str) else value
    for key in _LEADING:
        if key == "course" and course:
            shown["course"] = course
        elif key in rest:
            shown[key] = rest.pop(key)
    shown.update(rest)
    return yaml.safe_dump(shown, sort_keys=False, allow_unicode=True, width=100)


@dataclass
class Draft:
    """A rule edited as YAML: the spec when it is valid, else the problems by path."""

    text: str
    spec: RuleSpec | None = None
    problems: list[str] = field(default_factory=list)


def check_draft(text: str, code: str) -> Draft:
    """Validate `text` (one rule) exactly as a rules file is validated, for rule `code`."""
    draft = Draft(text)
    try:
        rule = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        draft.problems = [f"the text is not valid YAML{where}: {getattr(exc, 'problem', None) or 'unreadable'}"]
        return draft
    if not isinstance(rule, dict):
        draft.problems = ["the rule must be a mapping of settings (key: value), like the text it replaced"]
        return draft
    document = yaml.safe_dump({"rules": [rule]}, sort_keys=False, allow_unicode=True)
    try:
        (spec,) = parse_rules_text(document, calendar())
    except RuleFileError as exc:
        draft.problems = [problem.replace("rules[0].", "").replace("rules[0]", "the rule") for problem in exc.problems]
        return draft
    if spec.code != code:
        draft.problems = [
            f"code: this page edits {code}; a rule of another code is loaded with flask credits load-rules"
        ]
        return draft
    draft.spec = spec
    return draft


def version_diff(older: CreditRule | None, newer: CreditRule) -> list[tuple[str, str]]:
    """The YAML of `newer` against `older`'s, line by line: ("+"|"-"|" ", text)."""
    before = rule_yaml(older.definition).splitlines() if older else []
    after = rule_yaml(newer.definition).splitlines()
    out = []
    for line in difflib.ndiff(before, after):
        if line.startswith("? "):
            continue
        out.append((line[0], line[2:]))
    return out


@dataclass
class Change:
    request_id: int
    was_eligible: bool
    is_eligible: bool
    was_credits: Decimal
    credits: Decimal


@dataclass
class Preview:
    """What publishing the draft would have meant for a term's submitted requests."""

    term: str
    requests: int = 0
    would_pass: int = 0
    credits: Decimal = Decimal(0)
    failing: list[tuple[str, int]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def _prior(session: Session, student_ids: set[int]) -> dict[int, list[tuple[int, PriorAward]]]:
    rows = session.execute(
        sa.select(
            CreditAward.student_id, CreditAward.request_id, CreditRule.code, CreditAward.term, CreditAward.credits
        )
        .join(CreditRule, CreditRule.id == CreditAward.rule_id)
        .where(CreditAward.student_id.in_(student_ids), CreditAward.status.in_(COUNTING_AWARDS))
    )
    out: dict[int, list[tuple[int, PriorAward]]] = {}
    for student_id, request_id, code, term, credits in rows:
        out.setdefault(student_id, []).append((request_id, PriorAward(code, term, Decimal(credits))))
    return out


def preview(session: Session, spec: RuleSpec, term: str) -> Preview:
    """Evaluate `spec` against every request submitted under its code in `term`, in 3 queries."""
    requests: Sequence[CreditRequest] = (
        session.execute(
            sa.select(CreditRequest)
            .join(CreditRule, CreditRule.id == CreditRequest.rule_id)
            .where(
                CreditRule.code == spec.code,
                CreditRequest.term == term,
                CreditRequest.state != RequestState.DRAFT,
                CreditRequest.submitted_at.is_not(None),
            )
            .options(selectinload(CreditRequest.experiences), selectinload(CreditRequest.student))
            .order_by(CreditRequest.id)
        )
        .scalars()
        .all()
    )
    result = Preview(term)
    prior = _prior(session, {r.student_id for r in requests})
    failing: Counter[str] = Counter()
    for request in requests:
        evaluation = evaluate(
            spec,
            StudentFacts(
                request.student.program, request.student.class_level.value if request.student.class_level else None
            ),
            [_facts(e) for e in request.experiences],
            [award for request_id, award in prior.get(request.student_id, []) if request_id != request.id],
            _submitted_day(request),
            reflection=request.reflection or "",
            calendar=calendar(),
        )
        result.requests += 1
        if evaluation.eligible:
            result.would_pass += 1
            result.credits += evaluation.credits
        failing.update(check.text for check in evaluation.failed)
        was_eligible = bool(request.is_eligible)
        was_credits = Decimal(request.computed_credits or 0)
        if was_eligible != evaluation.eligible or (evaluation.eligible and was_credits != evaluation.credits):
            result.changes.append(
                Change(request.id, was_eligible, evaluation.eligible, was_credits, evaluation.credits)
            )
    result.failing = failing.most_common(5)
    return result


def _student(request: CreditRequest) -> StudentFacts:
    level = request.student.class_level
    return StudentFacts(request.student.program, level.value if level else None)


def _submitted_day(request: CreditRequest) -> date:
    assert request.submitted_at is not None
    return request.submitted_at.date()


def _facts(experience: Any) -> ExperienceFacts:
    return ExperienceFacts(
        id=experience.id,
        label=experience_label(experience),
        is_verified=experience.state is ExperienceState.VERIFIED,
        verified_hours=Decimal(experience.verified_hours or 0),
        category=experience.category or "",
        end_date=experience.end_date,
        skill_ratings={str(k): int(v) for k, v in (experience.skill_ratings or {}).items()},
    )
