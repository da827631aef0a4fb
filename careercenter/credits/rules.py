"""The credit-rule language: a YAML file of rules, validated whole, each rule a `RuleSpec`.

The format is documented in the README ("Credit rules"). Validation reports every problem with
its path in the file (``rules[2].hours_per_credit: must be a positive number``); a file with any
problem loads nothing. A `RuleSpec` is plain data: the pure evaluation reads it, and its
canonical JSON (`RuleSpec.definition`) is what a `CreditRule` version stores and hashes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from careercenter.credits.routes import StepSpec, parse_route, route_of
from careercenter.credits.terms import DEFAULT_CALENDAR, Calendar, TermError
from careercenter.formatting import format_decimal
from careercenter.validation import free_text_problem, single_line_problem

CLASS_LEVELS = ("first-year", "sophomore", "junior", "senior", "graduate")
GRADING_BASES = ("P/NP", "S/U", "letter")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,59}$")


class RuleFileError(ValueError):
    """The rules file is not valid; `problems` lists each one with its path in the file."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RuleSpec:
    """One credit rule as data. Decimals are exact; empty lists mean "any"."""

    code: str
    name: str
    course_subject: str
    course_number: str
    course_title: str
    grading_basis: str
    hours_per_credit: Decimal
    credit_increment: Decimal
    min_credits: Decimal
    max_credits: Decimal
    open_from: str
    open_until: str | None = None
    description: str = ""
    categories: tuple[str, ...] = ()
    min_hours_per_experience: Decimal = Decimal(0)
    min_supervisor_rating: Decimal | None = None
    required_skills: tuple[str, ...] = ()
    completed_within_days: int | None = None
    max_experiences: int | None = None
    programs: tuple[str, ...] = ()
    class_levels: tuple[str, ...] = ()
    term_credit_cap: Decimal | None = None
    lifetime_credit_cap: Decimal | None = None
    term_use_cap: int | None = None
    lifetime_use_cap: int | None = None
    reflection_required: bool = False
    reflection_min_words: int = 0
    supervisor_domain_verified: bool = False
    retired: bool = False
    #: The approval route; empty means the default (the student's advisor decides alone).
    approval: tuple[StepSpec, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def route(self) -> tuple[StepSpec, ...]:
        """The steps a request under this rule goes through, in order."""
        return route_of(self.approval)

    @property
    def course_label(self) -> str:
        return f"{self.course_subject} {self.course_number}"

    def definition(self) -> dict[str, Any]:
        """The canonical JSON form stored on a rule version (Decimals as strings)."""
        out: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            if name == "approval":
                # Left out when empty, so that a rule without a route keeps its content hash.
                if value:
                    out[name] = [step.definition() for step in value]
                continue
            if isinstance(value, Decimal):
                value = format_decimal(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out

    def content_hash(self) -> str:
        canonical = json.dumps(self.definition(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    @classmethod
    def from_definition(cls, definition: dict[str, Any]) -> RuleSpec:
        """Rebuild a spec from a stored definition (trusted: it was validated on load)."""
        values: dict[str, Any] = {}
        for name in _FIELDS:
            if name not in definition:
                continue
            value = definition[name]
            kind = _KINDS[name]
            if kind == "route":
                value = tuple(StepSpec.from_definition(step) for step in value)
            elif value is not None and kind in ("dec", "dec?"):
                value = Decimal(value)
            elif isinstance(value, list):
                value = tuple(value)
            values[name] = value
        return cls(**values)


#: field → kind, in the order the README documents them.
_KINDS: dict[str, str] = {
    "code": "code",
    "name": "text",
    "description": "text?",
    "course_subject": "text",
    "course_number": "text",
    "course_title": "text",
    "grading_basis": "basis",
    "hours_per_credit": "dec",
    "credit_increment": "dec",
    "min_credits": "dec",
    "max_credits": "dec",
    "categories": "list",
    "min_hours_per_experience": "dec",
    "min_supervisor_rating": "dec?",
    "required_skills": "list",
    "completed_within_days": "int?",
    "max_experiences": "int?",
    "programs": "list",
    "class_levels": "levels",
    "term_credit_cap": "dec?",
    "lifetime_credit_cap": "dec?",
    "term_use_cap": "int?",
    "lifetime_use_cap": "int?",
    "reflection_required": "bool",
    "reflection_min_words": "int",
    "supervisor_domain_verified": "bool",
    "open_from": "term",
    "open_until": "term?",
    "retired": "bool",
    "approval": "route",
}
_FIELDS = tuple(_KINDS)
_REQUIRED = (
    "code",
    "name",
    "course_subject",
    "course_number",
    "course_title",
    "grading_basis",
    "hours_per_credit",
    "min_credits",
    "max_credits",
    "open_from",
)
#: YAML spellings accepted for nested blocks: `course: {subject, number, title}`.
_COURSE_KEYS = {"subject": "course_subject", "number": "course_number", "title": "course_title"}


def _to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            return None
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        return None
    return result if result.is_finite() else None


def _is_multiple(value: Decimal, step: Decimal) -> bool:
    return (value / step) == (value / step).to_integral_value()


def parse_rules_text(text: str, calendar: Calendar = DEFAULT_CALENDAR) -> list[RuleSpec]:
    """Parse and validate a whole rules file; raise `RuleFileError` listing every problem."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise RuleFileError([f"the file is not valid YAML{where}: {problem}"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RuleFileError(["the file must be a mapping with a list under `rules:`"])
    unknown_top = sorted(set(document) - {"rules"})
    problems = [f"{key}: unknown top-level key (only `rules` is read)" for key in unknown_top]
    specs: list[RuleSpec] = []
    seen: dict[str, int] = {}
    if not document["rules"]:
        problems.append("rules: the list is empty")
    for index, raw in enumerate(document["rules"]):
        path = f"rules[{index}]"
        spec, rule_problems = _validate_rule(raw, path, calendar)
        problems.extend(rule_problems)
        if spec is not None:
            if spec.code in seen:
                problems.append(f"{path}.code: {spec.code} is already defined by rules[{seen[spec.code]}]")
            seen.setdefault(spec.code, index)
            specs.append(spec)
    if problems:
        raise RuleFileError(problems)
    return specs


def _flatten(raw: dict[Any, Any], path: str, problems: list[str]) -> dict[str, Any]:
    """The rule's settings with `course: {subject, number, title}` spelt flat; unknown keys noted."""
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "course":
            if not isinstance(value, dict):
                problems.append(f"{path}.course: must be a mapping with subject, number and title")
                continue
            for sub, sub_value in value.items():
                if sub not in _COURSE_KEYS:
                    problems.append(f"{path}.course.{sub}: unknown key (use subject, number, title)")
                else:
                    flat[_COURSE_KEYS[sub]] = sub_value
        elif key not in _KINDS:
            problems.append(f"{path}.{key}: unknown key")
        else:
            flat[key] = value
    return flat


def _shown(name: str) -> str:
    return f"course.{name.removeprefix('course_')}" if name.startswith("course_") else name


def _checked_values(flat: dict[str, Any], path: str, calendar: Calendar, problems: list[str]) -> dict[str, Any]:
    """Each setting checked against its kind; a missing required one noted."""
    for name in _REQUIRED:
        if flat.get(name) in (None, ""):
            problems.append(f"{path}.{_shown(name)}: is required")
    values: dict[str, Any] = {}
    for name, value in flat.items():
        if value is None:
            if _KINDS[name].endswith("?"):
                values[name] = None
            continue
        result, problem = _check_value(name, _KINDS[name], value, calendar)
        if problem:
            problems.append(f"{path}.{_shown(name)}: {problem}")
        else:
            values[name] = result
    return values


def _cross_checks(values: dict[str, Any], path: str, calendar: Calendar) -> list[str]:
    """Checks between settings: credit steps, min ≤ max, rating scale, reflection, open terms."""
    problems = []
    step = values["credit_increment"]
    for name in ("min_credits", "max_credits"):
        if not _is_multiple(values[name], step):
            problems.append(f"{path}.{name}: must be a multiple of credit_increment ({format_decimal(step)})")
    if values["max_credits"] < values["min_credits"]:
        problems.append(f"{path}.max_credits: must not be less than min_credits")
    if values.get("min_supervisor_rating") is not None and not (
        Decimal(1) <= values["min_supervisor_rating"] <= Decimal(5)
    ):
        problems.append(f"{path}.min_supervisor_rating: must be between 1 and 5")
    if values.get("reflection_min_words") and not values.get("reflection_required"):
        problems.append(f"{path}.reflection_min_words: set reflection_required: true to ask for a reflection")
    if values.get("open_until") and calendar.term_key(values["open_until"]) < calendar.term_key(values["open_from"]):
        problems.append(f"{path}.open_until: must not be before open_from")
    return problems


def _validate_rule(raw: Any, path: str, calendar: Calendar) -> tuple[RuleSpec | None, list[str]]:
    if not isinstance(raw, dict):
        return None, [f"{path}: must be a mapping of rule settings"]
    problems: list[str] = []
    values = _checked_values(_flatten(raw, path, problems), path, calendar, problems)
    if problems:
        return None, problems
    values.setdefault("credit_increment", Decimal(1))
    problems = _cross_checks(values, path, calendar)
    if problems:
        return None, problems
    return RuleSpec(**values), []


Checked = tuple[Any, str | None]


def _check_code(name: str, value: Any, calendar: Calendar) -> Checked:
    if not isinstance(value, str) or not _CODE.match(value):
        return None, "must be 2–60 capital letters, digits, - or _ (e.g. INTR-295)"
    return value, None


#: Rule text that may run over several lines; every other text field is one line of plain text.
_FREE_TEXT = frozenset({"description"})


def _check_text(name: str, value: Any, calendar: Calendar) -> Checked:
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        return None, "must be text"
    problem = (free_text_problem if name in _FREE_TEXT else single_line_problem)(str(value))
    if problem:
        return None, problem
    return str(value).strip(), None


def _check_basis(name: str, value: Any, calendar: Calendar) -> Checked:
    if value not in GRADING_BASES:
        return None, f"must be one of {', '.join(GRADING_BASES)}"
    return value, None


def _check_decimal(name: str, value: Any, calendar: Calendar) -> Checked:
    number = _to_decimal(value)
    positive_only = name in ("hours_per_credit", "credit_increment", "min_credits", "max_credits")
    if number is None or (positive_only and number <= 0) or number < 0:
        return None, "must be a positive number" if positive_only else "must be a number, 0 or more"
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        return None, "must have at most two decimal places"
    if name.endswith("_cap") and number <= 0:
        return None, "must be a positive number"
    return number, None


def _check_int(name: str, value: Any, calendar: Calendar) -> Checked:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None, "must be a whole number, 0 or more"
    if name in ("max_experiences", "term_use_cap", "lifetime_use_cap") and value < 1:
        return None, "must be a whole number, 1 or more"
    return value, None


def _check_bool(name: str, value: Any, calendar: Calendar) -> Checked:
    if not isinstance(value, bool):
        return None, "must be true or false"
    return value, None


def _check_list(name: str, value: Any, calendar: Calendar) -> Checked:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None, "must be a list of names"
    return tuple(v.strip() for v in value), None


def _check_levels(name: str, value: Any, calendar: Calendar) -> Checked:
    items, problem = _check_list(name, value, calendar)
    if problem:
        return None, problem
    wrong = [v for v in items if v not in CLASS_LEVELS]
    if wrong:
        return None, f"{', '.join(wrong)} is not a class level ({', '.join(CLASS_LEVELS)})"
    return items, None


def _check_term(name: str, value: Any, calendar: Calendar) -> Checked:
    try:
        calendar.term_key(str(value))
    except TermError as exc:
        return None, f"must be a term code: {exc}"
    return str(value), None


def _check_route(name: str, value: Any, calendar: Calendar) -> Checked:
    route, problems = parse_route(value, "")
    # parse_route's paths start with "" here: _validate_rule prefixes "rules[i].approval".
    return route, "; ".join(p.removeprefix(": ") for p in problems) if problems else None


_CHECKS = {
    "route": _check_route,
    "code": _check_code,
    "text": _check_text,
    "basis": _check_basis,
    "dec": _check_decimal,
    "int": _check_int,
    "bool": _check_bool,
    "list": _check_list,
    "levels": _check_levels,
    "term": _check_term,
}


def _check_value(name: str, kind: str, value: Any, calendar: Calendar) -> Checked:
    return _CHECKS[kind.rstrip("?")](name, value, calendar)
