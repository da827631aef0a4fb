"""Import from a platform export: CSV and JSON, per row with a report, idempotent."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.internships.models import Experience, ExperienceState
from careercenter.sso.models import Role
from tests.internships.helpers import events

D = (date.today() - timedelta(days=30)).isoformat()
E = (date.today() - timedelta(days=20)).isoformat()
FUTURE = (date.today() + timedelta(days=5)).isoformat()

HEADER = (
    "source,external_id,student_campus_id,student_email,employer,project_title,description,category,"
    "start_date,end_date,hours,skills,supervisor_name,supervisor_title,supervisor_email"
)


def _csv(rows: list[str]) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


@pytest.fixture()
def students(make_student: Any) -> Any:
    return make_student(campus_id="S1001", email="maya@students.example.edu"), make_student(
        campus_id="S1002", email="liam@students.example.edu"
    )


def _rows() -> list[str]:
    return [
        "Parker Dewey,PD-1,S1001,,Cedar Valley Credit Union,Marketing analytics,Segmented campaigns,Marketing,"
        f"{D},{E},15,communication;problem solving,Renee Castillo,Director,renee@cedarvalley.example.com",
        f"Parker Dewey,PD-2,,LIAM@students.example.edu,Lumen Apps,UX research sprint,,UX research,{D},{E},10.5,,"
        "Priya N,,priya@lumen.example.com",
        f"Parker Dewey,PD-3,S1001,,Acme,Data cleanup,,,{E},{D},5,,Pat,,pat@acme.example.com",  # end before start
        f"Parker Dewey,PD-4,S9999,,Acme,Data cleanup,,,{D},{E},5,,Pat,,pat@acme.example.com",  # unknown student
        f"Parker Dewey,PD-5,S1001,,Acme,Data cleanup,,,{D},{E},5,,Pat,,maya@students.example.edu",  # own email
        f"Parker Dewey,,S1001,,Acme,Data cleanup,,,{D},{E},5,,Pat,,pat@acme.example.com",  # no external id
        f"Parker Dewey,PD-7,S1001,,Acme,Data cleanup,,,{D},{FUTURE},5,,Pat,,pat@acme.example.com",  # future
        f"Parker Dewey,PD-8,S1001,,Acme,Data cleanup,,,{D},{E},abc,,Pat,,not-an-email",  # two problems
    ]


def _count(session: Any) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(Experience)).scalar_one()


def test_cli_imports_good_rows_and_reports_bad_ones_by_line(
    runner: Any, session: Any, students: Any, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(_csv(_rows()))
    result = runner.invoke(args=["internships", "import", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "imported 2, already there 0, rejected 6"
    assert lines[1] == "line 4: end_date: The end date is before the start date."
    assert lines[2] == "line 5: no student S9999 in the directory"
    assert lines[3] == "line 6: supervisor_email: Enter your supervisor's email address, not your own."
    assert lines[4] == "line 7: external_id is missing"
    assert lines[5].startswith("line 8: end_date: The end date cannot be in the future")
    assert lines[6].startswith("line 9: hours: Enter the hours as a number") and "supervisor_email:" in lines[6]
    maya, liam = students
    imported = {e.external_id: e for e in session.execute(sa.select(Experience)).scalars()}
    assert set(imported) == {"PD-1", "PD-2"}
    assert imported["PD-1"].student_id == maya.id and imported["PD-2"].student_id == liam.id  # by email
    assert imported["PD-1"].source == "Parker Dewey" and imported["PD-1"].state is ExperienceState.DRAFT
    assert imported["PD-1"].skills == ["communication", "problem solving"]
    assert imported["PD-2"].hours == Decimal("10.50")
    assert len(events(session, "experience.imported")) == 2


def test_importing_the_same_file_twice_changes_nothing(
    runner: Any, session: Any, students: Any, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(_csv(_rows()[:2]))
    assert runner.invoke(args=["internships", "import", str(path)]).output.startswith("imported 2,")
    before = [(e.id, e.updated_at, e.title) for e in session.execute(sa.select(Experience)).scalars()]
    audit_before = len(events(session))
    again = runner.invoke(args=["internships", "import", str(path)])
    assert again.exit_code == 0
    assert again.output.strip() == "imported 0, already there 2, rejected 0"
    session.expire_all()
    assert [(e.id, e.updated_at, e.title) for e in session.execute(sa.select(Experience)).scalars()] == before
    assert len(events(session)) == audit_before


def test_a_fixed_file_can_be_imported_again(runner: Any, session: Any, students: Any, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    rows = _rows()[:3]
    path.write_text(_csv(rows))
    assert runner.invoke(args=["internships", "import", str(path)]).output.startswith(
        "imported 2, already there 0, rejected 1"
    )
    rows[2] = rows[2].replace(f"{E},{D}", f"{D},{E}")
    path.write_text(_csv(rows))
    result = runner.invoke(args=["internships", "import", str(path)])
    assert result.output.strip() == "imported 1, already there 2, rejected 0"
    assert _count(session) == 3


def test_json_export_with_line_numbers(runner: Any, session: Any, students: Any, tmp_path: Path) -> None:
    good = {
        "source": "Handshake",
        "external_id": "HS-77",
        "student_campus_id": "S1002",
        "employer": "Northwind Outfitters",
        "project_title": "Market sizing",
        "start_date": D,
        "end_date": E,
        "hours": 12,
        "skills": ["problem solving"],
        "supervisor_name": "Hannah Ostrowski",
        "supervisor_email": "h@northwind.example.com",
    }
    bad = {**good, "external_id": "HS-78", "hours": 0}
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"experiences": [good, bad]}, indent=2))
    result = runner.invoke(args=["internships", "import", str(path)])
    assert result.output.splitlines()[0] == "imported 1, already there 0, rejected 1"
    bad_line = path.read_text().splitlines().index("    {", 5) + 1  # where the second object starts
    assert result.output.splitlines()[1] == f"line {bad_line}: hours: Hours must be more than 0."
    [experience] = session.execute(sa.select(Experience)).scalars()
    assert experience.source == "Handshake" and experience.hours == Decimal("12.00")


def test_a_file_missing_columns_imports_nothing(runner: Any, session: Any, students: Any, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("external_id,employer\nPD-1,Acme\n")
    result = runner.invoke(args=["internships", "import", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith("nothing imported: missing column(s): source, project_title")
    path.write_bytes(b"\xff\xfe\x00bad")
    assert "not UTF-8" in runner.invoke(args=["internships", "import", str(path)]).output
    assert _count(session) == 0


def test_import_page_for_staff(client: Any, login: Any, make_person: Any, session: Any, students: Any) -> None:
    login(make_person(Role.REGISTRAR, program=None, class_level=None))
    page = client.get("/registrar/internships/import").get_data(as_text=True)
    assert "Export file (CSV or JSON)" in page and "student_campus_id" in page
    data = {"file": (io.BytesIO(_csv(_rows()[:3]).encode()), "export.csv")}
    response = client.post("/registrar/internships/import", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Imported <strong>2</strong>, already there <strong>0</strong>, rejected <strong>1</strong>" in html
    reason = "end_date: The end date is before the start date."
    assert f'<td data-label="Line">4</td><td data-label="Reason">{reason}</td>' in html
    assert _count(session) == 2
    empty = client.post("/registrar/internships/import", data={}, content_type="multipart/form-data")
    assert "Choose a CSV or JSON file." in empty.get_data(as_text=True)
