"""The registrar API's bodies, once: pydantic models that make the award JSON, the CSV columns
and the OpenAPI components (`openapi.py` takes its `components.schemas` from `component_schemas`).

Every value is already in its wire form (decimal strings with two places, RFC 3339 times), so
`model_dump(mode="json")` is exactly what the API sent before the models existed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from careercenter.credits.approval_models import ApprovalDecision, award_trail
from careercenter.credits.models import CreditAward
from careercenter.formatting import format_decimal
from careercenter.validation import schema_pattern

#: The longest SIS reference and posting note a posting may carry.
MAX_SIS_REFERENCE = 120
MAX_NOTE = 2000

DecimalString = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", examples=["1.50"])]
DateTime = Annotated[str, Field(json_schema_extra={"format": "date-time"}, examples=["2026-09-01T14:30:00.000000Z"])]
NullableDateTime = Annotated[str | None, Field(json_schema_extra={"format": "date-time"})]
Date = Annotated[str, Field(json_schema_extra={"format": "date"})]
Status = Literal["pending", "posted", "rejected_by_registrar", "rescinded"]


def rfc3339(value: datetime | None) -> str | None:
    """`2026-11-26T01:22:45.123456Z` (UTC, microseconds), or None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Student(_Closed):
    campus_id: str
    name: str
    email: str


class Course(_Closed):
    subject: str = Field(examples=["INTR"])
    number: str = Field(examples=["295"])
    title: str


class RuleRef(_Closed):
    code: str
    version: int = Field(ge=1)


class Statement(_Closed):
    statement: str = Field(description="The student's statement of disagreement (FERPA, 34 CFR 99.21).")
    added_on: Date


class Experience(_Closed):
    id: int
    employer: str
    title: str
    hours: DecimalString = Field(description="Verified hours as a decimal string.")
    start_date: Date
    end_date: Date
    verified_at: NullableDateTime
    statements_of_disagreement: list[Statement] = Field(
        default_factory=list,
        description="Statements of disagreement the student added after a denied amendment request; "
        "disclose them with the record.",
    )


class Approval(_Closed):
    """One decision of the approval route that made the award."""

    step: str = Field(description="The step's label in the rule's route.", examples=["Department chair"])
    decision: Literal["approved", "returned", "denied"]
    decided_by: str | None = Field(description="Who decided (a name).")
    decided_at: DateTime
    on_behalf_of: str | None = Field(description="The away approver a delegate decided for (a name).")

    @classmethod
    def of(cls, decision: ApprovalDecision) -> Approval:
        return cls.model_construct(
            step=decision.step_label,
            decision=decision.decision.value,
            decided_by=decision.decided_by.display_name if decision.decided_by else None,
            decided_at=rfc3339(decision.decided_at),
            on_behalf_of=decision.on_behalf_of.display_name if decision.on_behalf_of else None,
        )


def approvals_summary(approvals: list[Approval]) -> str:
    """The trail in one CSV cell: "Advisor review: approved by Raj Patel 2026-12-01T…Z; …"."""
    parts = []
    for a in approvals:
        who = a.decided_by or "a former approver"
        if a.on_behalf_of:
            who += f" (for {a.on_behalf_of})"
        parts.append(f"{a.step}: {a.decision} by {who} {a.decided_at}")
    return "; ".join(parts)


class Award(_Closed):
    id: int
    student: Student
    course: Course
    credits: DecimalString = Field(description="Decimal credits as a string, two places.")
    grading_basis: str = Field(examples=["P/NP"])
    term: str = Field(examples=["2026FA"])
    rule: RuleRef
    experiences: list[Experience]
    approved_by: str | None = Field(description="The last approver's name.")
    approved_at: DateTime
    approvals: list[Approval] = Field(
        description="The decisions of the approval route that made the award, in route order."
    )
    status: Status
    sis_reference: str | None
    posted_at: NullableDateTime
    updated_at: DateTime

    @classmethod
    def of(cls, award: CreditAward, statements: Mapping[int, list[dict[str, str]]] | None = None) -> Award:
        """The award as the API shows it.

        Built without validation (`model_construct`: twice as fast on a 1000-award page); every
        value is already in its wire form, and the API tests check each answer against the
        schema these models publish.
        """
        rule = award.rule
        return cls.model_construct(
            id=award.id,
            student=Student.model_construct(
                campus_id=award.student.campus_id, name=award.student.display_name, email=award.student.email
            ),
            course=Course.model_construct(
                subject=rule.course_subject, number=rule.course_number, title=rule.course_title
            ),
            credits=format_decimal(award.credits, places=2),
            grading_basis=award.grading_basis,
            term=award.term,
            rule=RuleRef.model_construct(code=rule.code, version=rule.version),
            experiences=[
                Experience.model_construct(
                    id=e.id,
                    employer=e.employer,
                    title=e.title,
                    hours=format_decimal(e.verified_hours if e.verified_hours is not None else e.hours, places=2),
                    start_date=e.start_date.isoformat(),
                    end_date=e.end_date.isoformat(),
                    verified_at=rfc3339(e.verified_at),
                    statements_of_disagreement=[
                        Statement.model_construct(**st) for st in (statements or {}).get(e.id, [])
                    ],
                )
                for e in award.request.experiences
            ],
            approved_by=award.approved_by.display_name if award.approved_by else None,
            approved_at=rfc3339(award.approved_at),
            approvals=[Approval.of(d) for d in award_trail(award)],
            status=award.status.value,
            sis_reference=award.sis_reference,
            posted_at=rfc3339(award.posted_at),
            updated_at=rfc3339(award.updated_at),
        )


class AwardPage(_Closed):
    data: list[Award]
    next_cursor: str | None


def _csv_safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class AwardCsvRow(BaseModel):
    """One award as a CSV row: the field order is the column order."""

    id: int
    student_campus_id: str
    student_name: str
    student_email: str
    course_subject: str
    course_number: str
    course_title: str
    credits: str
    grading_basis: str
    term: str
    rule_code: str
    rule_version: int
    experience_ids: str
    experience_hours: str
    approved_by: str
    approved_at: str
    approvals: str
    status: str
    sis_reference: str
    posted_at: str
    updated_at: str

    @classmethod
    def of(cls, award: CreditAward, data: Award) -> AwardCsvRow:
        hours = sum((e.verified_hours or e.hours for e in award.request.experiences), start=0)
        return cls.model_construct(
            id=data.id,
            student_campus_id=data.student.campus_id,
            student_name=_csv_safe(data.student.name),
            student_email=data.student.email,
            course_subject=data.course.subject,
            course_number=data.course.number,
            course_title=_csv_safe(data.course.title),
            credits=data.credits,
            grading_basis=data.grading_basis,
            term=data.term,
            rule_code=data.rule.code,
            rule_version=data.rule.version,
            experience_ids=" ".join(str(e.id) for e in data.experiences),
            experience_hours=format_decimal(hours, places=2),
            approved_by=_csv_safe(data.approved_by or ""),
            approved_at=data.approved_at,
            approvals=_csv_safe(approvals_summary(data.approvals)),
            status=data.status,
            sis_reference=_csv_safe(data.sis_reference or ""),
            posted_at=data.posted_at or "",
            updated_at=data.updated_at,
        )

    def cells(self) -> list[Any]:
        return [getattr(self, name) for name in type(self).model_fields]


CSV_COLUMNS: list[str] = list(AwardCsvRow.model_fields)


# -- bodies besides the award's -------------------------------------------------------------


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str


class InvalidParam(BaseModel):
    name: str
    reason: str


class ValidationProblem(Problem):
    """RFC 9457 problem details, naming each invalid parameter."""

    invalid_params: list[InvalidParam] = Field(default=[], alias="invalid-params")


# The patterns say exactly what `service.parse_posting` accepts (issue 16): an SIS reference is one
# line of plain text (no control characters or text-direction overrides), a note any text but
# NUL, other controls and overrides; "required" ones must not be blank.
class PostedPosting(_Closed):
    status: Literal["posted"]
    sis_reference: str = Field(
        min_length=1,
        max_length=MAX_SIS_REFERENCE,
        pattern=schema_pattern(required=True),
        description="One line: no control characters or text-direction overrides.",
    )
    note: str | None = Field(default=None, max_length=MAX_NOTE, pattern=schema_pattern(multi_line=True))


class RejectedPosting(_Closed):
    status: Literal["rejected_by_registrar"]
    sis_reference: str | None = Field(default=None, max_length=MAX_SIS_REFERENCE, pattern=schema_pattern())
    note: str = Field(min_length=1, max_length=MAX_NOTE, pattern=schema_pattern(multi_line=True, required=True))


class Posting(RootModel[Annotated[PostedPosting | RejectedPosting, Field(discriminator="status")]]):
    """The registrar's answer: posted under an SIS reference, or rejected with a note."""


class TokenRequest(BaseModel):
    grant_type: Literal["client_credentials"]
    scope: str = Field(default="", examples=["credits:read credits:write"])
    client_id: str = Field(default="", description="Only with client_secret_post.")
    client_secret: str = Field(default="", description="Only with client_secret_post.")


class Token(BaseModel):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str


class OAuthError(BaseModel):
    """RFC 6749 section 5.2 error."""

    error: str
    error_description: str = ""


class _OpenApiSchema(GenerateJsonSchema):
    """JSON Schema as an OpenAPI 3.1 document writes it: no generated titles, `type: [x, "null"]`
    for a nullable value, and no defaults (an optional field is simply not required)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        out = super().model_schema(schema)
        out.pop("title", None)
        return out

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        if isinstance(inner.get("type"), str):
            return {**inner, "type": [inner["type"], "null"]}
        return super().nullable_schema(schema)

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])


#: The models that are OpenAPI components, by component name.
COMPONENTS: tuple[type[BaseModel], ...] = (
    Award,
    AwardPage,
    Posting,
    Problem,
    ValidationProblem,
    TokenRequest,
    Token,
    OAuthError,
)


def component_schemas() -> dict[str, Any]:
    """`components.schemas` of the OpenAPI document, made from the models above."""
    return json_schemas(COMPONENTS)


def json_schemas(models: tuple[type[BaseModel], ...]) -> dict[str, Any]:
    """OpenAPI 3.1 component schemas of `models` (and the models they use), by name."""
    _, top = models_json_schema(
        [(model, "validation") for model in models],
        ref_template="#/components/schemas/{model}",
        schema_generator=_OpenApiSchema,
        by_alias=True,
    )
    schemas: dict[str, Any] = top["$defs"]
    for schema in schemas.values():
        schema.pop("title", None)
    return schemas
