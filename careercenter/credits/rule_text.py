"""A rule in plain words: what it asks, one sentence each, for students, advisors and registrar staff."""

from __future__ import annotations

from careercenter.credits.rules import RuleSpec
from careercenter.formatting import all_of, format_decimal, plural


def _basics(spec: RuleSpec) -> list[str]:
    num = format_decimal
    credits = (
        f"{num(spec.min_credits)} credits"
        if spec.min_credits == spec.max_credits
        else f"{num(spec.min_credits)} to {num(spec.max_credits)} credits"
    )
    return [
        f"{credits}, {spec.grading_basis}: {num(spec.hours_per_credit)} verified hours per credit, "
        f"in steps of {num(spec.credit_increment)} credit.",
        f"Open from {spec.open_from}" + (f" to {spec.open_until}." if spec.open_until else " on."),
        f"Combines up to {spec.max_experiences} micro-internships."
        if spec.max_experiences
        else "Combines any number of micro-internships.",
    ]


def _per_experience(spec: RuleSpec) -> list[str]:
    out = []
    if spec.categories:
        out.append(f"Each micro-internship must be in: {', '.join(spec.categories)}.")
    if spec.min_hours_per_experience > 0:
        out.append(
            f"Each micro-internship needs at least {format_decimal(spec.min_hours_per_experience)} verified hours."
        )
    if spec.min_supervisor_rating is not None:
        out.append(
            "Each supervisor's average skill rating must be at least "
            f"{format_decimal(spec.min_supervisor_rating)} of 5."
        )
    if spec.required_skills:
        out.append(f"A supervisor must have rated: {all_of(spec.required_skills)}.")
    if spec.supervisor_domain_verified:
        out.append("Each supervisor must sign from a verified web domain of their employer.")
    if spec.completed_within_days is not None:
        out.append(f"Work must have ended within {spec.completed_within_days} days before the request.")
    return out


def _who(spec: RuleSpec) -> list[str]:
    out = []
    if spec.programs:
        out.append(f"Open to students in: {', '.join(spec.programs)}.")
    if spec.class_levels:
        out.append(f"Open to: {', '.join(spec.class_levels)} students.")
    return out


def _caps(spec: RuleSpec) -> list[str]:
    caps = []
    if spec.term_credit_cap is not None:
        caps.append(f"{format_decimal(spec.term_credit_cap)} credits per term")
    if spec.lifetime_credit_cap is not None:
        caps.append(f"{format_decimal(spec.lifetime_credit_cap)} credits in all")
    if spec.term_use_cap is not None:
        caps.append(f"{plural(spec.term_use_cap, 'award')} per term")
    if spec.lifetime_use_cap is not None:
        caps.append(f"{plural(spec.lifetime_use_cap, 'award')} in all")
    return [f"At most {', '.join(caps)}."] if caps else []


def requirements(spec: RuleSpec) -> list[str]:
    """What a rule asks, one plain sentence each (for students, advisors and registrar staff)."""
    out = _basics(spec) + _per_experience(spec) + _who(spec) + _caps(spec)
    if spec.reflection_required:
        words = f" of at least {spec.reflection_min_words} words" if spec.reflection_min_words else ""
        out.append(f"Needs a written reflection{words}.")
    out.append("Decided by: " + " → ".join(f"{step.label} ({step.who})" for step in spec.route) + ".")
    return out
