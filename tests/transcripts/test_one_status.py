"""One status behind the PDF and the credentials: the verification page shows both, and revoking
the transcript revokes the credentials of the records it showed."""

from __future__ import annotations

from typing import Any

from careercenter.audit.service import Actor
from careercenter.credentials import issuance as credentials_issuance
from careercenter.transcripts import service


def test_revoking_the_transcript_shows_its_credentials_revoked(
    app: Any, client: Any, session: Any, make_student: Any, verified_experience: Any, issue: Any
) -> None:
    student = make_student(name="Maya Okafor")
    experience = verified_experience(student, employer="Lakeside Credit Union", title="Member survey analysis")
    credential = credentials_issuance.issue_for_experience(session, experience, app.config)
    transcript = issue(student)
    session.commit()
    code = transcript.verification_code

    before = client.get(f"/verify/{code}.json").get_json()
    assert before["status"] == "authentic"
    assert before["credentials"] == [
        {"record": "experience", "label": "Lakeside Credit Union: Member survey analysis", "status": "issued"}
    ]
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "The same records as digital credentials" in page and "in force" in page

    service.revoke_transcript(session, transcript, reason="Issued in error: wrong term.", actor=Actor.system("test"))
    session.commit()
    after = client.get(f"/verify/{code}.json").get_json()
    assert after["status"] == "revoked"
    assert after["credentials"][0]["status"] == "revoked"
    session.refresh(credential)
    assert credential.state.value == "revoked"
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "revoked on" in page and ">revoked<" in page
