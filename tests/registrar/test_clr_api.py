"""`GET /api/v1/students/{campus_id}/clr`: the CLR 2.0 for registrar systems, behind the same
OAuth2 bearer tokens and scopes as the rest of the API, disclosure-logged."""

from __future__ import annotations

from typing import Any

from careercenter.audit.service import disclosures_for
from careercenter.internships.models import ExperienceState


def test_clr_with_a_read_token(
    client: Any, session: Any, make_student: Any, make_experience: Any, make_api_client: Any, get_token: Any
) -> None:
    student = make_student(name="Noah Williams", campus_id="S1004")
    make_experience(student, state=ExperienceState.VERIFIED, employer="Bluebird Robotics")
    session.commit()
    made = make_api_client("credits:read", name="Banner nightly sync")
    token = get_token(made)["access_token"]
    response = client.get("/api/v1/students/S1004/clr", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json(force=True)
    assert "ClrCredential" in body["type"]
    assert body["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["achievement"]["name"]
    entry = disclosures_for(session, student.id)[0]
    assert entry.party_type == "api_client" and entry.party_label == "Banner nightly sync"


def test_clr_refusals_are_problem_json(
    client: Any, session: Any, make_student: Any, make_experience: Any, bearer: Any, login: Any
) -> None:
    student = make_student(campus_id="S2001")
    make_experience(student, state=ExperienceState.VERIFIED)
    session.commit()
    anonymous = client.get("/api/v1/students/S2001/clr")
    assert anonymous.status_code == 401 and anonymous.mimetype == "application/problem+json"
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    write_only = client.get("/api/v1/students/S2001/clr", headers=bearer("credits:write"))
    assert write_only.status_code == 403 and "credits:read" in write_only.get_json()["detail"]
    unknown = client.get("/api/v1/students/NOPE/clr", headers=bearer("credits:read"))
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    # A signed-in person's browser session is not an API credential.
    login(student)
    assert client.get("/api/v1/students/S2001/clr").status_code == 401
    assert disclosures_for(session, student.id) == []
