"""The rule evaluation: a pure function from a rule, a student, experiences and earlier awards
to an `Evaluation` — eligible or not, the credits, and one line per check in plain words.

No database access here: `credits.requests` gathers the facts (`StudentFacts`, `ExperienceFacts`,
`PriorAward`) and stores the result with the request. Property-based tests guard the invariants:
credits never exceed the caps or what the hours allow; adding a qualifying experience never
lowers the credits; the order of experiences does not matter; an ineligible result always names
a failed check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from careercenter.credits.rules import RuleSpec
from careercenter.credits.terms import DEFAULT_CALENDAR, Calendar
from careercenter.employers.competencies import legacy_name
from careercenter.formatting import all_of, format_decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class StudentFacts:
    program: str | None
    class_level: str | None


@dataclass(frozen=True)
class ExperienceFacts:
    """What the evaluation needs of one micro-internship."""

    id: int
    label: str
    is_verified: bool
    verified_hours: Decimal
    category: str
    end_date: date
    skill_ratings: dict[str, int] = field(default_factory=dict)
    #: e.g. "credit request 12 (approved)" when another approved or pending request counts it.
    counted_in: str | None = None
    #: The supervisor's address domain, its badge ("personal address", "new domain", …), and
    #: whether it is a verified domain of the experience's employer (careercenter/employers).
    supervisor_domain: str = ""
    supervisor_badge: str = ""
    supervisor_domain_verified: bool = False

    @property
    def average_rating(self) -> Decimal | None:
        if not self.skill_ratings:
            return None
        total = sum((Decimal(v) for v in self.skill_ratings.values()), ZERO)
        return (total / len(self.skill_ratings)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class PriorAward:
    """An earlier award that still counts (pending or posted) under any version of a rule code."""

    rule_code: str
    term: str
    credits: Decimal


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool
    text: str


@dataclass(frozen=True)
class Evaluation:
    eligible: bool
    credits: Decimal
    total_hours: Decimal
    term: str
    checks: tuple[Check, ...]

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "credits": str(self.credits),
            "total_hours": str(self.total_hours),
            "term": self.term,
            "checks": [{"code": c.code, "passed": c.passed, "text": c.text} for c in self.checks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        return cls(
            eligible=bool(data["eligible"]),
            credits=Decimal(data["credits"]),
            total_hours=Decimal(data["total_hours"]),
            term=data["term"],
            checks=tuple(Check(c["code"], bool(c["passed"]), c["text"]) for c in data["checks"]),
        )


def credit_words(value: Decimal | int) -> str:
    """1 → "1 credit", 1.5 → "1.5 credits"."""
    return f"{format_decimal(value)} credit{'' if Decimal(value) == 1 else 's'}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _names(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _round_down(value: Decimal, step: Decimal) -> Decimal:
    if value <= 0:
        return ZERO
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def word_count(text: str) -> int:
    return len(text.split())


def evaluate(
    rule: RuleSpec,
    student: StudentFacts,
    experiences: Sequence[ExperienceFacts],
    prior_awards: Sequence[PriorAward],
    today: date,
    *,
    reflection: str = "",
    calendar: Calendar = DEFAULT_CALENDAR,
) -> Evaluation:
    """Evaluate a would-be request under `rule` on `today`. Pure: same input, same output."""
    # Order must not matter: work on the experiences sorted by id.
    exps = sorted(experiences, key=lambda e: e.id)
    term = calendar.term_for(today)
    checks: list[Check] = []

    def add(code: str, passed: bool, text: str) -> None:
        checks.append(Check(code, passed, text))

    # -- who may use the rule, and when ---------------------------------------------------
    term_key = calendar.term_key(term)
    opens = calendar.term_key(rule.open_from)
    closes = calendar.term_key(rule.open_until) if rule.open_until else None
    window = f"from {rule.open_from}" + (f" to {rule.open_until}" if rule.open_until else " on")
    if rule.retired:
        add("term_open", False, f"{rule.course_label} is retired and takes no new requests.")
    else:
        is_open = term_key >= opens and (closes is None or term_key <= closes)
        add(
            "term_open",
            is_open,
            f"Open {window}; this request falls in {term}."
            + ("" if is_open else f" {rule.course_label} is not open in {term}."),
        )
    if rule.programs:
        ok = student.program in rule.programs
        add(
            "program",
            ok,
            f"Open to students in {_names(rule.programs)}; "
            f"the student's program is {student.program or 'not recorded'}.",
        )
    if rule.class_levels:
        ok = student.class_level in rule.class_levels
        add(
            "class_level",
            ok,
            f"Open to {_names(rule.class_levels)} students; the student is {student.class_level or 'not recorded'}.",
        )

    # -- which experiences count ------------------------------------------------------------
    n = len(exps)
    if n == 0:
        add("experiences", False, "Needs at least one verified micro-internship; none was chosen.")
    if rule.max_experiences is not None and n:
        ok = n <= rule.max_experiences
        add(
            "combine",
            ok,
            f"Combines at most {_plural(rule.max_experiences, 'micro-internship')}; this request has {n}.",
        )
    if n:
        _per_experience(rule, exps, today, add)

    # -- hours and credits --------------------------------------------------------------------
    total = sum((e.verified_hours for e in exps), ZERO)
    needed = rule.min_credits * rule.hours_per_credit
    add(
        "hours",
        total >= needed,
        f"Needs at least {format_decimal(needed)} verified hours; "
        f"found {format_decimal(total)} hours in {_plural(n, 'micro-internship')}.",
    )
    from_hours = _round_down(total / rule.hours_per_credit, rule.credit_increment)
    credits = min(from_hours, rule.max_credits)
    earlier = [a for a in prior_awards if a.rule_code == rule.code]
    this_term = [a for a in earlier if a.term == term]
    credits = _caps(rule, credits, term, earlier, this_term, add)

    # -- the reflection -------------------------------------------------------------------------
    if rule.reflection_required:
        words = word_count(reflection)
        minimum = max(rule.reflection_min_words, 1)
        add(
            "reflection",
            words >= minimum,
            f"Needs a written reflection of at least {_plural(minimum, 'word')}; it has {_plural(words, 'word')}.",
        )

    if credits < rule.min_credits and all(c.passed for c in checks):
        # Caps or hours leave less than the minimum: say so explicitly.
        add(
            "min_credits",
            False,
            f"{rule.course_label} grants at least {credit_words(rule.min_credits)}; "
            f"only {format_decimal(credits)} possible.",
        )
    eligible = all(c.passed for c in checks)
    return Evaluation(
        eligible=eligible,
        credits=credits if eligible else ZERO,
        total_hours=total,
        term=term,
        checks=tuple(checks),
    )


def _per_experience(rule: RuleSpec, exps: Sequence[ExperienceFacts], today: date, add: Any) -> None:
    unverified = [e.label for e in exps if not e.is_verified]
    add(
        "verified",
        not unverified,
        "Every micro-internship must be signed off by its supervisor; "
        + (f"not signed off: {'; '.join(unverified)}." if unverified else f"all {len(exps)} are."),
    )
    counted = [f"{e.label} is already counted in {e.counted_in}" for e in exps if e.counted_in]
    add(
        "not_counted_before",
        not counted,
        "A micro-internship counts toward one credit request only; "
        + (f"{'; '.join(counted)}." if counted else "none of these is counted elsewhere."),
    )
    if rule.categories:
        wrong = [f"{e.label} is {e.category or 'uncategorised'}" for e in exps if e.category not in rule.categories]
        add(
            "category",
            not wrong,
            f"Each micro-internship must be in {_names(rule.categories)}; "
            + (f"{'; '.join(wrong)}." if wrong else f"all {len(exps)} are."),
        )
    if rule.min_hours_per_experience > 0:
        short = [
            f"{e.label} has {format_decimal(e.verified_hours)}"
            for e in exps
            if e.verified_hours < rule.min_hours_per_experience
        ]
        add(
            "min_hours_each",
            not short,
            f"Each micro-internship needs at least {format_decimal(rule.min_hours_per_experience)} verified hours; "
            + (f"{'; '.join(short)}." if short else f"all {len(exps)} do."),
        )
    if rule.min_supervisor_rating is not None:
        low = []
        for e in exps:
            avg = e.average_rating
            if avg is None:
                low.append(f"{e.label} has no ratings")
            elif avg < rule.min_supervisor_rating:
                low.append(f"{e.label} averages {format_decimal(avg)}")
        add(
            "min_rating",
            not low,
            "Each supervisor's average skill rating must be at least "
            f"{format_decimal(rule.min_supervisor_rating)} of 5; "
            + (f"{'; '.join(low)}." if low else f"all {len(exps)} are."),
        )
    if rule.required_skills:
        # Old skill names ("technical skill") name the default form's competencies ("Technology").
        rated = {legacy_name(skill).lower() for e in exps for skill in e.skill_ratings}
        missing = [s for s in rule.required_skills if legacy_name(s).lower() not in rated]
        add(
            "required_skills",
            not missing,
            f"A supervisor must have rated {all_of(rule.required_skills)}; "
            + (f"no rating for {all_of(missing)}." if missing else "all were rated."),
        )
    if rule.supervisor_domain_verified:
        _supervisor_domains(exps, add)
    if rule.completed_within_days is not None:
        earliest = today - timedelta(days=rule.completed_within_days)
        outside = [
            f"{e.label} ended {e.end_date.isoformat()}" for e in exps if e.end_date < earliest or e.end_date > today
        ]
        add(
            "completed_within",
            not outside,
            f"Each micro-internship must have ended within {_plural(rule.completed_within_days, 'day')} before "
            f"the request (on or after {earliest.isoformat()}); "
            + (f"{'; '.join(outside)}." if outside else f"all {len(exps)} did."),
        )


def _supervisor_domains(exps: Sequence[ExperienceFacts], add: Any) -> None:
    unverified = [
        f"{e.label} was signed from {e.supervisor_domain or 'no address'} ({e.supervisor_badge or 'new domain'})"
        for e in exps
        if not e.supervisor_domain_verified
    ]
    add(
        "supervisor_domain_verified",
        not unverified,
        "Each supervisor must sign from a verified domain of their employer; "
        + (f"{'; '.join(unverified)}." if unverified else f"all {len(exps)} did."),
    )


def _caps(
    rule: RuleSpec,
    credits: Decimal,
    term: str,
    earlier: Sequence[PriorAward],
    this_term: Sequence[PriorAward],
    add: Any,
) -> Decimal:
    step = rule.credit_increment
    if rule.term_credit_cap is not None:
        used = sum((a.credits for a in this_term), ZERO)
        left = _round_down(max(rule.term_credit_cap - used, ZERO), step)
        add(
            "term_credit_cap",
            left >= rule.min_credits,
            f"At most {credit_words(rule.term_credit_cap)} of {rule.course_label} per term; "
            f"{format_decimal(used)} already awarded in {term}, so {format_decimal(left)} can be granted.",
        )
        credits = min(credits, left)
    if rule.lifetime_credit_cap is not None:
        used = sum((a.credits for a in earlier), ZERO)
        left = _round_down(max(rule.lifetime_credit_cap - used, ZERO), step)
        add(
            "lifetime_credit_cap",
            left >= rule.min_credits,
            f"At most {credit_words(rule.lifetime_credit_cap)} of {rule.course_label} in all; "
            f"{format_decimal(used)} already awarded, so {format_decimal(left)} can be granted.",
        )
        credits = min(credits, left)
    if rule.term_use_cap is not None:
        uses = len(this_term)
        add(
            "term_use_cap",
            uses < rule.term_use_cap,
            f"{rule.course_label} may be awarded {_plural(rule.term_use_cap, 'time')} per term; "
            f"awarded {_plural(uses, 'time')} in {term}.",
        )
    if rule.lifetime_use_cap is not None:
        uses = len(earlier)
        add(
            "lifetime_use_cap",
            uses < rule.lifetime_use_cap,
            f"{rule.course_label} may be awarded {_plural(rule.lifetime_use_cap, 'time')} in all; "
            f"awarded {_plural(uses, 'time')} so far.",
        )
    return credits


def could_count(rule: RuleSpec, category: str, program: str | None, class_level: str | None) -> bool:
    """Whether an experience in `category` could count toward `rule` for such a student
    (the category, program and class-level limits only; hours and ratings come later)."""
    if rule.retired:
        return False
    if rule.categories and category not in rule.categories:
        return False
    if rule.programs and program not in rule.programs:
        return False
    return not (rule.class_levels and class_level not in rule.class_levels)
