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
                value = _dec_str(value)
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


def _dec_str(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


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


def _validate_rule(raw: Any, path: str, calendar: Calendar) -> tuple[RuleSpec | None, list[str]]:
    if not isinstance(raw, dict):
        return None, [f"{path}: must be a mapping of rule settings"]
    problems: list[str] = []
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
    for name in _REQUIRED:
        if flat.get(name) in (None, ""):
            shown = f"course.{name.removeprefix('course_')}" if name.startswith("course_") else name
            problems.append(f"{path}.{shown}: is required")
    values: dict[str, Any] = {}
    for name, value in flat.items():
        if value is None:
            if not _KINDS[name].endswith("?"):
                continue
            values[name] = None
            continue
        shown = f"course.{name.removeprefix('course_')}" if name.startswith("course_") else name
        result, problem = _check_value(name, _KINDS[name], value, calendar)
        if problem:
            problems.append(f"{path}.{shown}: {problem}")
        else:
            values[name] = result
    if problems:
        return None, problems
    values.setdefault("credit_increment", Decimal(1))
    step = values["credit_increment"]
    for name in ("min_credits", "max_credits"):
        if not _is_multiple(values[name], step):
            problems.append(f"{path}.{name}: must be a multiple of credit_increment ({_dec_str(step)})")
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
    if problems:
        return None, problems
    return RuleSpec(**values), []


def _check_value(name: str, kind: str, value: Any, calendar: Calendar) -> tuple[Any, str | None]:
    base = kind.rstrip("?")
    if base == "route":
        route, problems = parse_route(value, "")
        # parse_route's paths start with "" here: _validate_rule prefixes "rules[i].approval".
        return route, "; ".join(p.removeprefix(": ") for p in problems) if problems else None
    if base == "code":
        if not isinstance(value, str) or not _CODE.match(value):
            return None, "must be 2–60 capital letters, digits, - or _ (e.g. INTR-295)"
        return value, None
    if base in ("text",):
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
            return None, "must be text"
        return str(value).strip(), None
    if base == "basis":
        if value not in GRADING_BASES:
            return None, f"must be one of {', '.join(GRADING_BASES)}"
        return value, None
    if base == "dec":
        number = _to_decimal(value)
        positive_only = name in ("hours_per_credit", "credit_increment", "min_credits", "max_credits")
        if number is None or (positive_only and number <= 0) or number < 0:
            return None, "must be a positive number" if positive_only else "must be a number, 0 or more"
        if number.as_tuple().exponent < -2:  # type: ignore[operator]
            return None, "must have at most two decimal places"
        if name.endswith("_cap") and number <= 0:
            return None, "must be a positive number"
        return number, None
    if base == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return None, "must be a whole number, 0 or more"
        if name in ("max_experiences", "term_use_cap", "lifetime_use_cap") and value < 1:
            return None, "must be a whole number, 1 or more"
        return value, None
    if base == "bool":
        if not isinstance(value, bool):
            return None, "must be true or false"
        return value, None
    if base in ("list", "levels"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            return None, "must be a list of names"
        items = tuple(v.strip() for v in value)
        if base == "levels":
            wrong = [v for v in items if v not in CLASS_LEVELS]
            if wrong:
                return None, f"{', '.join(wrong)} is not a class level ({', '.join(CLASS_LEVELS)})"
        return items, None
    if base == "term":
        try:
            calendar.term_key(str(value))
        except TermError as exc:
            return None, f"must be a term code: {exc}"
        return str(value), None
    raise AssertionError(kind)  # pragma: no cover


def requirements(spec: RuleSpec) -> list[str]:
    """What a rule asks, one plain sentence each (for students, advisors and registrar staff)."""

    def num(value: Decimal) -> str:
        return _dec_str(value)

    credits = (
        f"{num(spec.min_credits)} credits"
        if spec.min_credits == spec.max_credits
        else f"{num(spec.min_credits)} to {num(spec.max_credits)} credits"
    )
    out = [
        f"{credits}, {spec.grading_basis}: {num(spec.hours_per_credit)} verified hours per credit, "
        f"in steps of {num(spec.credit_increment)} credit.",
        f"Open from {spec.open_from}" + (f" to {spec.open_until}." if spec.open_until else " on."),
    ]
    if spec.max_experiences:
        out.append(f"Combines up to {spec.max_experiences} micro-internships.")
    else:
        out.append("Combines any number of micro-internships.")
    if spec.categories:
        out.append(f"Each micro-internship must be in: {', '.join(spec.categories)}.")
    if spec.min_hours_per_experience > 0:
        out.append(f"Each micro-internship needs at least {num(spec.min_hours_per_experience)} verified hours.")
    if spec.min_supervisor_rating is not None:
        out.append(f"Each supervisor's average skill rating must be at least {num(spec.min_supervisor_rating)} of 5.")
    if spec.required_skills:
        out.append(f"A supervisor must have rated: {', '.join(spec.required_skills)}.")
    if spec.completed_within_days is not None:
        out.append(f"Work must have ended within {spec.completed_within_days} days before the request.")
    if spec.programs:
        out.append(f"Open to students in: {', '.join(spec.programs)}.")
    if spec.class_levels:
        out.append(f"Open to: {', '.join(spec.class_levels)} students.")
    caps = []
    if spec.term_credit_cap is not None:
        caps.append(f"{num(spec.term_credit_cap)} credits per term")
    if spec.lifetime_credit_cap is not None:
        caps.append(f"{num(spec.lifetime_credit_cap)} credits in all")
    if spec.term_use_cap is not None:
        caps.append(f"{spec.term_use_cap} award(s) per term")
    if spec.lifetime_use_cap is not None:
        caps.append(f"{spec.lifetime_use_cap} award(s) in all")
    if caps:
        out.append(f"At most {', '.join(caps)}.")
    if spec.reflection_required:
        words = f" of at least {spec.reflection_min_words} words" if spec.reflection_min_words else ""
        out.append(f"Needs a written reflection{words}.")
    out.append("Decided by: " + " → ".join(f"{step.label} ({step.who})" for step in spec.route) + ".")
    return out
