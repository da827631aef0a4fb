"""Forms: visible labels with the texts the issue names; the rules live in the service."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from careercenter.employers.forms_config import FormSpec
from careercenter.formerrors import Required
from careercenter.internships.experiences import ExperienceInput, parse_hours
from careercenter.internships.signoff_checks import SignoffInput


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class HoursField(StringField):
    """Hours as typed; parsed to a Decimal by the service's rules (never a float)."""


#: A date box the browser could not read (a date input sends year-month-day; what it shows follows
#: the browser's language, so the message names the parts, not one written form).
DATE_MESSAGE = "Enter a complete date: day, month and year."


OTHER_CATEGORY = "Other"


class ExperienceForm(FlaskForm):
    employer = StringField("Employer", validators=[Required()])
    #: The employer record picked after a search ("new": add a new employer by the typed name).
    employer_id = RadioField("Pick the employer", choices=[], validate_choice=False)
    title = StringField("Project title", validators=[Required()])
    description = TextAreaField("Description")
    category = SelectField("Category or field", choices=[], validate_choice=False)
    start_date = DateField("Start date", validators=[Required(), Optional()])
    end_date = DateField("End date", validators=[Required(), Optional()])
    hours = HoursField("Hours", validators=[Required()], render_kw={"inputmode": "decimal"})
    skills = MultiCheckboxField("Skills practised", choices=[], validate_choice=False)
    supervisor_name = StringField("Supervisor name", validators=[Required()])
    supervisor_title = StringField("Supervisor title")
    supervisor_email = EmailField("Supervisor email", validators=[Required()])

    def __init__(self, *args: Any, skills: list[str], categories: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skills.choices = [SelectChoice(s, s.capitalize()) for s in skills]
        names = list(categories or [])
        current = (getattr(kwargs.get("obj"), "category", "") or "").strip()
        if current and current not in names and current != OTHER_CATEGORY:
            names.append(current)  # an older or imported value stays choosable
        self.category.choices = [SelectChoice("", "Choose a category")] + [
            SelectChoice(c, c) for c in [*names, OTHER_CATEGORY]
        ]

    def offer_employers(self, employers: list[Any], typed: str) -> None:
        """Show the employers found for `typed` as choices, plus "add a new employer"."""
        choices = []
        for employer in employers:
            domains = ", ".join(d.domain for d in employer.domains)
            label = employer.name + (f" ({domains})" if domains else "") + (" – verified" if employer.verified else "")
            choices.append(SelectChoice(str(employer.id), label))
        choices.append(SelectChoice("new", f"Add a new employer: “{typed}”" if typed else "Add a new employer"))
        self.employer_id.choices = choices

    def to_input(self) -> ExperienceInput:
        return ExperienceInput(
            employer=self.employer.data or "",
            title=self.title.data or "",
            description=self.description.data or "",
            category=self.category.data or "",
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            hours=parse_hours(self.hours.data),
            skills=list(self.skills.data or []),
            supervisor_name=self.supervisor_name.data or "",
            supervisor_title=self.supervisor_title.data or "",
            supervisor_email=self.supervisor_email.data or "",
            employer_id=int(self.employer_id.data) if str(self.employer_id.data or "").isdigit() else None,
        )

    def parse_errors(self) -> dict[str, str]:
        """Fields the browser sent in a shape that cannot be read at all (bad dates)."""
        errors = {}
        for name in ("start_date", "end_date"):
            field = getattr(self, name)
            if field.raw_data and field.raw_data[0] and field.data is None:
                errors[name] = DATE_MESSAGE
        return errors

    def allowed_categories(self) -> list[str] | None:
        """The categories on offer (None when no rule names any: then any text is taken)."""
        values = [c.value for c in self.category.choices if c.value]
        return values if values != [OTHER_CATEGORY] else None


RATING_VALUES = [str(n) for n in range(1, 6)]


class SignoffForm(FlaskForm):
    hours_worked = HoursField("Hours worked", validators=[Required()], render_kw={"inputmode": "decimal"})
    feedback = TextAreaField("Feedback for the student", validators=[Required()])
    willing_reference = BooleanField("I am willing to be a reference for this student")
    attested = BooleanField("I confirm that the information I give here is accurate", validators=[Required()])
    full_name = StringField("Your full name", validators=[Required()])

    @classmethod
    def for_form(cls, spec: FormSpec) -> type[SignoffForm]:
        """A form class with one field per question of the evaluation form (`q_<key>`)."""
        attrs: dict[str, Any] = {}
        for q in spec.questions:
            if q.kind == "rating":
                choices = [SelectChoice(v, anchor) for v, anchor in zip(RATING_VALUES, q.anchors, strict=True)]
                attrs[q.field] = RadioField(q.label, choices=choices, validate_choice=False)
            elif q.kind == "yes_no":
                choices = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
                attrs[q.field] = RadioField(q.label, choices=choices, validate_choice=False)
            else:
                attrs[q.field] = StringField(q.label)
        attrs["evaluation"] = spec
        return type("EvaluationSignoffForm", (cls,), attrs)

    def question_fields(self) -> list[tuple[Any, Any]]:
        """(question, field) pairs in the form's order."""
        return [(q, getattr(self, q.field)) for q in self.evaluation.questions]

    def to_input(self) -> SignoffInput:
        answers = {q.key: (getattr(self, q.field).data or None) for q in self.evaluation.questions}
        return SignoffInput(
            hours_worked=parse_hours(self.hours_worked.data),
            ratings={},
            answers=answers,
            feedback=self.feedback.data or "",
            willing_reference=bool(self.willing_reference.data),
            attested=bool(self.attested.data),
            full_name=self.full_name.data or "",
        )


class DisputeForm(FlaskForm):
    reason = TextAreaField("What is not right?", validators=[Required()])
    full_name = StringField("Your full name", validators=[Required()])


class EmptyForm(FlaskForm):
    """Only the CSRF token: for the buttons that post an action."""
