"""FERPA inspection: everything held about one student, by CLI and by the registrar page."""

from __future__ import annotations

import json
from typing import Any

from careercenter.audit.service import disclose_to_person, disclosures_for
from careercenter.internships.models import ExperienceState, SignoffRequest
from careercenter.sso.models import Role


def _student_with_records(session: Any, make_student: Any, make_advisor: Any, make_experience: Any) -> Any:
    from datetime import timedelta

    from careercenter.db import utcnow

    student = make_student(name="Aisha Khan", campus_id="S1005")
    advisor = make_advisor([student], name="Elena Petrova")
    verified = make_experience(student, state=ExperienceState.VERIFIED, employer="Northwind Health")
    waiting = make_experience(student, state=ExperienceState.AWAITING_SIGNOFF, employer="Bluebird Robotics")
    session.add(
        SignoffRequest(
            experience_id=waiting.id,
            token_hash="a" * 64,
            supervisor_email=waiting.supervisor_email,
            expires_at=utcnow() + timedelta(days=14),
        )
    )
    disclose_to_person(session, advisor, student, "credit request #3", "reviewing a credit request")
    other = make_student()
    make_experience(other, employer="Someone Else Inc")
    session.commit()
    return student, verified


def test_cli_export_holds_every_section_and_no_secret(
    runner: Any, session: Any, make_student: Any, make_advisor: Any, make_experience: Any
) -> None:
    student, verified = _student_with_records(session, make_student, make_advisor, make_experience)
    result = runner.invoke(args=["students", "export", "S1005"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["profile"]["campus_id"] == "S1005" and document["profile"]["roles"] == ["student"]
    assert document["profile"]["advisors"][0]["name"] == "Elena Petrova"
    employers = {e["employer"] for e in document["experiences"]}
    assert employers == {"Northwind Health", "Bluebird Robotics"}  # nobody else's
    assert document["experiences"][0]["hours"] == "20.00"
    assert len(document["signoff_requests"]) == 1 and "token_hash" not in document["signoff_requests"][0]
    assert "a" * 64 not in result.output
    assert any(d["records"] == "credit request #3" for d in document["disclosures"])
    # The export itself is a disclosure.
    assert disclosures_for(session, student.id)[0].records == "complete record export"


def test_cli_export_unknown_student_is_one_line(runner: Any) -> None:
    result = runner.invoke(args=["students", "export", "NOPE"])
    assert result.exit_code == 1
    assert result.output.strip() == "no student with campus id 'NOPE'"


def test_registrar_downloads_the_export_and_it_is_logged(
    client: Any, session: Any, login: Any, make_person: Any, make_student: Any, make_advisor: Any, make_experience: Any
) -> None:
    student, _ = _student_with_records(session, make_student, make_advisor, make_experience)
    staff = make_person(Role.REGISTRAR, name="Karen Mbeki")
    login(staff)
    response = client.get("/registrar/students/S1005/export.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="student-S1005.json"'
    assert response.get_json()["profile"]["display_name"] == "Aisha Khan"
    entry = disclosures_for(session, student.id)[0]
    assert entry.party_label == "Karen Mbeki (registrar)" and entry.records == "complete record export"
