"""Evaluation forms as data: the questions a supervisor answers, checked and read here.

A form is a mapping (from a forms file, see README "Evaluation forms"):

```yaml
forms:
  - code: NACE
    name: Career readiness evaluation
    default: true            # the form for experiences no other form claims
    rules: [INTR-295]        # applies to experiences that could count toward these rules
    programs: []             # … or to students in these programs
    min_ratings: 1           # at least this many ratings, when the ratings are optional
    questions:
      - {key: communication, kind: rating, competency: communication, required: false}
      - {key: would_rehire, kind: yes_no, label: "Would you take this student again?"}
      - {key: tools, kind: text, label: "Which tools did the student use?", required: false}
```

`kind` is `rating` (1–5 with a description of each level: `anchors`, five lines), `yes_no` or
`text` (short text, at most 500 characters). A rating aligned to a `competency` is stored as
the supervisor's rating of that competency (what the rules' `min_supervisor_rating` and
`required_skills` read); every other answer is kept with the form version. Pure: no database.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from careercenter.employers.competencies import Competency, default_competencies

KINDS = ("rating", "yes_no", "text")
TEXT_LIMIT = 500
DEFAULT_ANCHORS = (
    "1 – Not yet: needed close direction throughout.",
    "2 – Developing: showed it sometimes, with help.",
    "3 – Competent: what you would expect of a new professional.",
    "4 – Strong: showed it consistently and on their own.",
    "5 – Exceptional: a model for others on the team.",
)
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


class FormFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    label: str
    required: bool = True
    competency: Competency | None = None
    anchors: tuple[str, ...] = DEFAULT_ANCHORS
    help: str = ""

    @property
    def field(self) -> str:
        return f"q_{self.key}"


@dataclass(frozen=True)
class FormSpec:
    """One evaluation form as data (the stored definition of an `EvaluationForm` version)."""

    code: str
    name: str
    questions: tuple[Question, ...]
    rules: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    default: bool = False
    min_ratings: int = 0

    @property
    def competencies(self) -> list[Competency]:
        return [q.competency for q in self.questions if q.competency is not None]

    def definition(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "rules": list(self.rules),
            "programs": list(self.programs),
            "default": self.default,
            "min_ratings": self.min_ratings,
            "questions": [
                {
                    "key": q.key,
                    "kind": q.kind,
                    "label": q.label,
                    "required": q.required,
                    "competency": q.competency.to_dict() if q.competency else None,
                    "anchors": list(q.anchors) if q.kind == "rating" else [],
                    "help": q.help,
                }
                for q in self.questions
            ],
        }

    def content_hash(self) -> str:
        text = json.dumps(self.definition(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    @classmethod
    def from_definition(cls, data: dict[str, Any]) -> FormSpec:
        questions = tuple(
            Question(
                key=q["key"],
                kind=q["kind"],
                label=q["label"],
                required=bool(q.get("required", True)),
                competency=Competency.from_dict(q["competency"]) if q.get("competency") else None,
                anchors=tuple(q.get("anchors") or DEFAULT_ANCHORS),
                help=q.get("help", ""),
            )
            for q in data["questions"]
        )
        return cls(
            code=data["code"],
            name=data["name"],
            questions=questions,
            rules=tuple(data.get("rules", ())),
            programs=tuple(data.get("programs", ())),
            default=bool(data.get("default", False)),
            min_ratings=int(data.get("min_ratings", 0)),
        )


def nace_form(base_url: str = "http://localhost:5000", *, rules: tuple[str, ...] = ()) -> FormSpec:
    """The default form: the NACE competencies plus time management and problem solving."""
    questions = tuple(
        Question(
            key=c.code.replace("-", "_"), kind="rating", label=c.name, required=False, competency=c, help=c.description
        )
        for c in default_competencies(base_url)
    )
    return FormSpec(
        code="NACE",
        name="Career readiness evaluation (NACE competencies)",
        questions=questions,
        rules=rules,
        default=True,
        min_ratings=1,
    )


# -- reading a forms file ------------------------------------------------------------------------


def _question(raw: Any, path: str, competencies: dict[str, Competency], problems: list[str]) -> Question | None:
    if not isinstance(raw, dict):
        problems.append(f"{path}: must be a mapping")
        return None
    key, kind = str(raw.get("key", "")), raw.get("kind")
    if not _KEY.match(key):
        problems.append(f"{path}.key: must be lower-case letters, digits, - or _")
    if kind not in KINDS:
        problems.append(f"{path}.kind: must be one of {', '.join(KINDS)}")
    competency = None
    if raw.get("competency") is not None:
        competency = competencies.get(str(raw["competency"]))
        if competency is None:
            problems.append(f"{path}.competency: {raw['competency']} is not a known competency")
        elif kind != "rating":
            problems.append(f"{path}.competency: only a rating can be aligned to a competency")
    anchors = raw.get("anchors", list(DEFAULT_ANCHORS))
    if kind == "rating" and (not isinstance(anchors, list) or len(anchors) != 5):
        problems.append(f"{path}.anchors: give five descriptions, one for each level 1–5")
    label = str(raw.get("label") or (competency.name if competency else "")).strip()
    if not label:
        problems.append(f"{path}.label: is required")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        problems.append(f"{path}.required: must be true or false")
    if problems:
        return None
    return Question(
        key=key,
        kind=str(kind),
        label=label,
        required=bool(required),
        competency=competency,
        anchors=tuple(str(a) for a in anchors) if kind == "rating" else (),
        help=str(raw.get("help") or (competency.description if competency else "")),
    )


def parse_form(raw: Any, path: str, competencies: dict[str, Competency]) -> tuple[FormSpec | None, list[str]]:
    """One form of a forms file, checked; (spec, []) or (None, problems)."""
    if not isinstance(raw, dict):
        return None, [f"{path}: must be a mapping"]
    problems: list[str] = []
    code = str(raw.get("code", ""))
    if not re.match(r"^[A-Z0-9][A-Z0-9_-]{1,59}$", code):
        problems.append(f"{path}.code: must be 2–60 capital letters, digits, - or _")
    if not str(raw.get("name", "")).strip():
        problems.append(f"{path}.name: is required")
    questions = []
    for index, item in enumerate(raw.get("questions") or []):
        own: list[str] = []
        question = _question(item, f"{path}.questions[{index}]", competencies, own)
        problems.extend(own)
        if question is not None:
            questions.append(question)
    if not raw.get("questions"):
        problems.append(f"{path}.questions: list at least one question")
    if len({q.key for q in questions}) != len(questions):
        problems.append(f"{path}.questions: each key must be used once")
    if problems:
        return None, problems
    return (
        FormSpec(
            code=code,
            name=str(raw["name"]).strip(),
            questions=tuple(questions),
            rules=tuple(str(r) for r in raw.get("rules") or ()),
            programs=tuple(str(p) for p in raw.get("programs") or ()),
            default=bool(raw.get("default", False)),
            min_ratings=int(raw.get("min_ratings", 0)),
        ),
        [],
    )


# -- answers ------------------------------------------------------------------------------------


def answer_errors(form: FormSpec, answers: dict[str, str | None]) -> dict[str, str]:
    """Check a supervisor's answers (raw strings by question key); {field: message}."""
    errors: dict[str, str] = {}
    rated = 0
    for q in form.questions:
        raw = (answers.get(q.key) or "").strip()
        if q.kind == "rating":
            if raw in {"1", "2", "3", "4", "5"}:
                rated += 1
            elif raw or q.required:
                errors[q.field] = f"Rate {q.label} from 1 to 5."
        elif q.kind == "yes_no":
            if raw not in {"yes", "no"} and (raw or q.required):
                errors[q.field] = f"Answer yes or no: {q.label}"
        elif len(raw) > TEXT_LIMIT:
            errors[q.field] = f"Keep this under {TEXT_LIMIT} characters."
        elif q.required and not raw:
            errors[q.field] = f"Answer: {q.label}"
    if rated < form.min_ratings and not errors:
        first = next(q for q in form.questions if q.kind == "rating")
        errors[first.field] = f"Rate at least {form.min_ratings} of the skills from 1 to 5."
    return errors


def split_answers(form: FormSpec, answers: dict[str, str | None]) -> tuple[dict[str, int], dict[str, Any]]:
    """(ratings by competency name, every other answer by question key) from checked answers."""
    ratings: dict[str, int] = {}
    others: dict[str, Any] = {}
    for q in form.questions:
        raw = (answers.get(q.key) or "").strip()
        if not raw:
            continue
        if q.kind == "rating" and q.competency is not None:
            ratings[q.competency.name] = int(raw)
        elif q.kind == "rating":
            others[q.key] = int(raw)
        else:
            others[q.key] = raw
    return ratings, others
