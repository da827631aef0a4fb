"""What a supervisor's answer must hold: the confirm form's hours, ratings and attestation,
and a dispute's reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from careercenter.employers.competencies import legacy_name
from careercenter.employers.forms_config import FormSpec, answer_errors
from careercenter.formatting import format_decimal
from careercenter.internships.experiences import TWO_PLACES, max_hours
from careercenter.internships.models import Experience
from careercenter.validation import single_line_errors


@dataclass
class SignoffInput:
    """What the supervisor answers on the confirm form, already parsed.

    `answers` holds the evaluation form's answers by question key (raw strings); `ratings`, by
    competency (or old skill) name, is read for the rating questions `answers` leaves out.
    """

    hours_worked: Decimal | None
    ratings: dict[str, int | None]
    feedback: str
    willing_reference: bool
    attested: bool
    full_name: str
    answers: dict[str, str | None] = field(default_factory=dict)


def merged_answers(form: FormSpec, data: SignoffInput) -> dict[str, str | None]:
    """The form's answers by question key, ratings given by competency name filled in."""
    out = dict(data.answers)
    by_name = {legacy_name(k).casefold(): v for k, v in data.ratings.items() if v is not None}
    for question in form.questions:
        if not out.get(question.key) and question.competency is not None:
            value = by_name.get(question.competency.name.casefold())
            if value is not None:
                out[question.key] = str(value)
    return out


def _hours_worked_problem(experience: Experience, hours: Decimal | None) -> str | None:
    if hours is None:
        return "Enter the hours worked as a number, like 15 or 7.5."
    if hours <= 0:
        return "Hours worked must be more than 0."
    if hours != hours.quantize(TWO_PLACES):
        return "Give the hours with at most two decimals."
    limit = max_hours(experience.start_date, experience.end_date)
    if hours > limit:
        return (
            f"That is more than 24 hours a day between {experience.start_date:%d %B} and "
            f"{experience.end_date:%d %B %Y} (at most {format_decimal(limit)})."
        )
    return None


def validate_signoff(experience: Experience, data: SignoffInput, form: FormSpec) -> dict[str, str]:
    """Check the supervisor's answer under `form`; return {field: message} (empty when acceptable)."""
    errors: dict[str, str] = {}
    problem = _hours_worked_problem(experience, data.hours_worked)
    if problem:
        errors["hours_worked"] = problem
    errors.update(answer_errors(form, merged_answers(form, data)))
    if not data.feedback.strip():
        errors["feedback"] = "Write a few words of feedback for the student."
    elif len(data.feedback) > 5000:
        errors["feedback"] = "Keep the feedback under 5,000 characters."
    if not data.attested:
        errors["attested"] = "Tick the box to confirm that this is accurate."
    if len(data.full_name.strip()) < 2:
        errors["full_name"] = "Type your full name to sign."
    elif len(data.full_name) > 200:
        errors["full_name"] = "Keep your name under 200 characters."
    errors.update(single_line_errors({"full_name": data.full_name}, errors, "Your name"))
    return errors


def dispute_errors(reason: str, full_name: str) -> dict[str, str]:
    """Check a dispute; return {field: message} (empty when it is acceptable)."""
    errors = {}
    if len(reason.strip()) < 5:
        errors["reason"] = "Say what is not right, so that the student can correct it."
    elif len(reason) > 5000:
        errors["reason"] = "Keep this under 5,000 characters."
    if len(full_name.strip()) < 2:
        errors["full_name"] = "Type your full name."
    errors.update(single_line_errors({"full_name": full_name}, errors, "Your name"))
    return errors
