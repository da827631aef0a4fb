"""Import finished micro-internships from a platform export (CSV or JSON).

Per row, with a report: every good row is imported, every bad row is reported with its line
number and reason and changes nothing. Idempotent on (source, external_id): a row already
imported is left as it is, so the same file imported twice changes nothing, and a file with
fixed rows can simply be imported again.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor
from careercenter.bodies import UnreadableBody, parse_json_text
from careercenter.db import utcnow
from careercenter.errors import ValidationFailed
from careercenter.internships.experiences import ExperienceInput, create_experience, parse_hours
from careercenter.internships.models import Experience
from careercenter.sso.models import Person, Role

#: The documented column set (README "Importing micro-internships").
REQUIRED_COLUMNS = (
    "source",
    "external_id",
    "employer",
    "project_title",
    "start_date",
    "end_date",
    "hours",
    "supervisor_name",
    "supervisor_email",
)
OPTIONAL_COLUMNS = (
    "employer_id",
    "student_campus_id",
    "student_email",
    "description",
    "category",
    "skills",
    "supervisor_title",
)
FIELD_LABELS = {
    "title": "project_title",
    "supervisor_email": "supervisor_email",
}


@dataclass
class ImportReport:
    created: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    #: A problem with the file as a whole (nothing was imported).
    file_error: str | None = None

    @property
    def rejected(self) -> int:
        return len(self.errors)

    def lines(self) -> list[str]:
        if self.file_error:
            return [f"nothing imported: {self.file_error}"]
        out = [f"imported {self.created}, already there {self.unchanged}, rejected {self.rejected}"]
        out.extend(f"line {line}: {reason}" for line, reason in self.errors)
        return out


class FileRejected(Exception):
    pass


def _records_csv(text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise FileRejected("the file is empty")
    header = [h.strip().lower() for h in reader.fieldnames]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise FileRejected(f"missing column(s): {', '.join(missing)}")
    if "student_campus_id" not in header and "student_email" not in header:
        raise FileRejected("needs a student_campus_id or a student_email column")
    records = []
    start = reader.line_num + 1
    for row in reader:
        records.append((start, {k: v for k, v in row.items() if k is not None}))
        start = reader.line_num + 1
    return records


def _records_json(text: str) -> list[tuple[int, dict[str, Any]]]:
    """Each object of the top-level list (or of {"experiences": [...]}) with the line it starts on."""
    decoder = json.JSONDecoder()
    try:
        document = parse_json_text(text, "the file")
    except UnreadableBody as exc:
        raise FileRejected(str(exc)) from None
    items = document.get("experiences") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise FileRejected('JSON must be a list of objects, or {"experiences": [...]}')
    # Find where each element starts, to report line numbers people can look up.
    try:
        start = text.index("[", text.index('"experiences"') if isinstance(document, dict) else 0) + 1
        lines = []
        pos = start
        for _ in items:
            while text[pos] in " \t\r\n,":
                pos += 1
            lines.append(text.count("\n", 0, pos) + 1)
            _, pos = decoder.raw_decode(text, pos)
    except (ValueError, IndexError):  # the list is not where a plain reading finds it (escaped key)
        raise FileRejected('JSON must be a list of objects, or {"experiences": [...]}') from None
    return list(zip(lines, items, strict=True))


#: In a file a date is written one way: said beside every date error of an import.
FILE_DATE_HINT = " (in a file: YYYY-MM-DD, like 2026-03-02)"
_DATES = {"start_date", "end_date"}


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def _student(session: Session, record: dict[str, Any]) -> Person | None:
    campus_id = str(record.get("student_campus_id") or "").strip()
    email = str(record.get("student_email") or "").strip().lower()
    query = sa.select(Person).where(Person.is_active.is_(True))
    if campus_id:
        person = session.execute(query.where(Person.campus_id == campus_id)).scalar_one_or_none()
    elif email:
        person = session.execute(query.where(sa.func.lower(Person.email) == email)).scalar_one_or_none()
    else:
        return None
    return person if person is not None and person.has_role(Role.STUDENT) else None


def _skills(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [s.strip() for s in str(value or "").replace(",", ";").split(";") if s.strip()]


def _import_record(session: Session, record: dict[str, Any], actor: Actor, today: date) -> str:
    """Import one record; return "created" or "unchanged"; raise ValueError with the reason."""
    if not isinstance(record, dict):
        raise ValueError("not an object")
    record = {str(k).strip().lower(): v for k, v in record.items()}
    source = str(record.get("source") or "").strip()
    external_id = str(record.get("external_id") or "").strip()
    if not source or source.lower() == "manual":
        raise ValueError("source is missing (the platform's name, e.g. Parker Dewey)")
    if not external_id:
        raise ValueError("external_id is missing")
    if len(source) > 60 or len(external_id) > 120:
        raise ValueError("source or external_id is too long")
    existing = session.execute(
        sa.select(Experience.id).where(Experience.source == source, Experience.external_id == external_id)
    ).first()
    if existing:
        return "unchanged"
    student = _student(session, record)
    if student is None:
        who = record.get("student_campus_id") or record.get("student_email") or "(none given)"
        raise ValueError(f"no student {who!s} in the directory")
    hours_raw = record.get("hours")
    data = ExperienceInput(
        employer=str(record.get("employer") or ""),
        title=str(record.get("project_title") or ""),
        description=str(record.get("description") or ""),
        category=str(record.get("category") or ""),
        start_date=_date(record.get("start_date")),
        end_date=_date(record.get("end_date")),
        hours=parse_hours(hours_raw) if hours_raw not in (None, "") else None,
        skills=_skills(record.get("skills")),
        supervisor_name=str(record.get("supervisor_name") or ""),
        supervisor_title=str(record.get("supervisor_title") or ""),
        supervisor_email=str(record.get("supervisor_email") or ""),
        employer_platform_id=str(record.get("employer_id") or ""),
    )
    try:
        with session.begin_nested():
            create_experience(session, student, data, actor, today=today, source=source, external_id=external_id)
    except ValidationFailed as exc:
        raise ValueError(
            "; ".join(
                f"{FIELD_LABELS.get(k, k)}: {v}{FILE_DATE_HINT if k in _DATES and v.startswith('Enter') else ''}"
                for k, v in exc.errors.items()
            )
        ) from None
    return "created"


def import_file(session: Session, content: bytes, *, filename: str, actor: Actor) -> ImportReport:
    """Import every good record of an export; report each bad one with its line number."""
    report = ImportReport()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.file_error = "the file is not UTF-8 text"
        return report
    is_json = filename.lower().endswith(".json") or text.lstrip()[:1] in ("[", "{")
    try:
        records = _records_json(text) if is_json else _records_csv(text)
    except (FileRejected, csv.Error) as exc:
        report.file_error = str(exc)
        return report
    today = utcnow().date()
    for line, record in records:
        try:
            outcome = _import_record(session, record, actor, today)
        except ValueError as exc:
            report.errors.append((line, str(exc)))
            continue
        if outcome == "created":
            report.created += 1
        else:
            report.unchanged += 1
    session.flush()
    return report
