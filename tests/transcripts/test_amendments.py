"""FERPA amendment requests (issue 18): asked on the record's page, decided at
/registrar/amendments; granted → a new version, transcripts superseded, reissue offered, the old
credential revoked and a new one issued; denied → reason, right to a hearing, and a statement of
disagreement shown wherever the record is disclosed."""

from __future__ import annotations

import base64
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.amendments.models import AmendmentRequest, AmendmentState
from careercenter.audit.export import export_student
from careercenter.audit.models import AuditEvent, Disclosure
from careercenter.audit.service import Actor
from careercenter.credentials import issuance as credentials_issuance
from careercenter.credentials import proof
from careercenter.credentials.keys import issuer_keys
from careercenter.credentials.models import CredentialState, IssuedCredential
from careercenter.credits.models import AwardStatus
from careercenter.db import utcnow
from careercenter.notify.models import OutboxMessage
from careercenter.registrar import service as registrar_service
from careercenter.sso.models import Role
from careercenter.transcripts import service, supersede
from careercenter.transcripts.models import TranscriptState
from tests.transcripts.conftest import run_tool


def _ask(client: Any, experience: Any, **data: str) -> Any:
    return client.post(
        f"/experiences/{experience.id}/amendments",
        data={"what_is_wrong": "The hours are 30, not 40.", "should_say": "30 hours", **data},
    )


def test_granted_amendment_is_a_new_version_everywhere(
    app: Any,
    client: Any,
    session: Any,
    make_student: Any,
    make_person: Any,
    verified_experience: Any,
    issue: Any,
    login: Any,
) -> None:
    student = make_student(name="Maya Okafor")
    experience = verified_experience(student, employer="Lakeside Credit Union", title="Survey analysis")
    old_credential = credentials_issuance.issue_for_experience(session, experience, app.config)
    transcript = issue(student)
    session.commit()
    old_hours = str(experience.verified_hours)

    login(student)
    page = client.get(f"/experiences/{experience.id}").get_data(as_text=True)
    assert "Ask to amend this record" in page
    bad = _ask(client, experience, what_is_wrong="")
    assert bad.status_code == 422 and "There is a problem" in bad.get_data(as_text=True)
    assert session.execute(sa.select(AmendmentRequest)).first() is None
    assert _ask(client, experience).status_code == 302
    req = session.execute(sa.select(AmendmentRequest)).scalar_one()
    assert req.due_on == utcnow().date() + timedelta(days=45)  # CAREERCENTER_AMENDMENT_DAYS default
    page = client.get(f"/experiences/{experience.id}").get_data(as_text=True)
    assert "requested" in page and f"due by {req.due_on.isoformat()}" in page

    registrar = make_person(Role.REGISTRAR)
    login(registrar)
    desk = client.get("/registrar/amendments").get_data(as_text=True)
    assert "Maya Okafor" in desk and "The hours are 30, not 40." in desk
    seen = session.execute(sa.select(Disclosure).where(Disclosure.student_id == student.id)).scalars().all()
    assert [d.records for d in seen] == [f"amendment request {req.id} on micro-internship #{experience.id}"]
    prefix = f"g{req.id}-"
    wrong = client.post(
        f"/registrar/amendments/{req.id}/grant",
        data={prefix + "field": "hours", prefix + "value": "lots", prefix + "note": "Hours corrected to 30."},
    )
    assert wrong.status_code == 422 and "Hours as a number" in wrong.get_data(as_text=True)
    ok = client.post(
        f"/registrar/amendments/{req.id}/grant",
        data={prefix + "field": "hours", prefix + "value": "30", prefix + "note": "Hours corrected to 30."},
    )
    assert ok.status_code == 302
    session.expire_all()
    req = session.get(AmendmentRequest, req.id)
    assert req.state is AmendmentState.GRANTED and req.correction == {"field": "hours", "old": old_hours, "new": "30"}
    assert experience.verified_hours == Decimal("30")
    # The old value in the audit trail; the transcript superseded (authentic as issued); a reissue offered.
    amended = session.execute(sa.select(AuditEvent).where(AuditEvent.action == "experience.amended")).scalar_one()
    assert amended.data["old"] == old_hours and amended.data["version"] == 2
    assert transcript.state is TranscriptState.SUPERSEDED
    assert client.get(f"/verify/{transcript.verification_code}.json").get_json()["status"] == "superseded"
    assert [o.cause for o in supersede.open_offers(session, student.id)] == ["amendment_granted"]
    kinds = set(session.execute(sa.select(OutboxMessage.kind)).scalars())
    assert {"amendment.granted", "transcript.reissue_offered"} <= kinds
    # The old version's credential is revoked; the new version gets its own.
    assert old_credential.state is CredentialState.REVOKED
    new_credential = credentials_issuance.issue_for_experience(session, experience, app.config)
    assert new_credential.id != old_credential.id and new_credential.state is CredentialState.ISSUED
    # The reissue shows the corrected value and the amended attestation.
    new = supersede.reissue(session, student, service.settings_from_app(app), actor=Actor.system("t"), issued_by=None)
    session.commit()
    assert new.snapshot["experiences"][0]["hours"] == "30" and new.snapshot["experiences"][0]["amended_on"]
    assert transcript.superseded_by_id == new.id
    login(student)
    page = client.get(f"/experiences/{experience.id}").get_data(as_text=True)
    assert "version 2" in page and "marked amended" in page


def test_denied_amendment_statement_is_disclosed_with_the_record(
    app: Any, client: Any, session: Any, make_person: Any, make_award: Any, issue: Any, login: Any, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "REGISTRAR_SQLITE_SETTLE_SECONDS", 0)  # the feed sees the award at once
    award = make_award(status=AwardStatus.POSTED)
    student = award.student
    experience = award.request.experiences[0]
    login(student)
    assert _ask(client, experience).status_code == 302
    req = session.execute(sa.select(AmendmentRequest)).scalar_one()
    registrar = make_person(Role.REGISTRAR)
    login(registrar)
    reason = "The supervisor confirmed 20 hours in writing."
    assert client.post(f"/registrar/amendments/{req.id}/deny", data={f"d{req.id}-reason": reason}).status_code == 302
    mail = session.execute(sa.select(OutboxMessage).where(OutboxMessage.kind == "amendment.denied")).scalar_one()
    assert reason in mail.body_text and "right to a hearing" in mail.body_text

    login(student)
    page = client.get(f"/experiences/{experience.id}").get_data(as_text=True)
    assert reason in page and "right to a hearing" in page and "Add my statement" in page
    statement = "I worked 30 hours; my timesheets show it."
    assert client.post(f"/amendments/{req.id}/statement", data={"statement": statement}).status_code == 302
    assert statement in client.get(f"/experiences/{experience.id}").get_data(as_text=True)

    # The transcript: HTML twin and PDF.
    transcript = issue(student)
    session.commit()
    assert statement in client.get(f"/transcripts/{transcript.id}").get_data(as_text=True)
    text = run_tool("pdftotext", "-layout", "-", "-", input=transcript.pdf)
    assert "Statement of disagreement" in " ".join(text.split()) and "timesheets show it" in text
    # The registrar API's student record.
    made = registrar_service.create_client(session, "SIS", "credits:read")
    session.commit()
    basic = base64.b64encode(f"{made.client.client_id}:{made.secret}".encode()).decode()
    token = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    ).get_json()["access_token"]
    body = client.get(
        f"/api/v1/students/{student.campus_id}/credit-awards", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    statements = [s for a in body["data"] for e in a["experiences"] for s in e["statements_of_disagreement"]]
    assert [s["statement"] for s in statements] == [statement]
    # …and its CLR, as OB 3.0 Evidence beside the signed records (the proof still verifies).
    clr = client.get(f"/api/v1/students/{student.campus_id}/clr", headers={"Authorization": f"Bearer {token}"})
    assert clr.status_code == 200, clr.get_json()
    document = clr.get_json()
    assert [e["narrative"] for e in document["evidence"]] == [statement]
    keys = issuer_keys(app.config)
    public = lambda vm: keys.ed25519_public() if vm.endswith(keys.multikey) else None  # noqa: E731
    proof.verify(document, public)
    document["evidence"][0]["narrative"] = "I agree."  # the statement is covered by the signature
    with pytest.raises(proof.ProofError):
        proof.verify(document, public)
    # The student export.
    exported = export_student(session, student)
    assert [r["statement"] for r in exported["amendment_requests"]] == [statement]
    events = {e.action for e in session.execute(sa.select(AuditEvent)).scalars()}
    assert {"amendment.requested", "amendment.denied", "amendment.statement_added"} <= events


def test_only_the_owner_asks_and_only_once(
    client: Any, session: Any, make_student: Any, verified_experience: Any, login: Any
) -> None:
    student, other = make_student(), make_student()
    experience = verified_experience(student)
    login(other)
    assert _ask(client, experience).status_code == 404
    login(student)
    assert _ask(client, experience).status_code == 302
    again = _ask(client, experience)
    assert again.status_code == 409 and "already waiting" in again.get_data(as_text=True)
    assert len(session.execute(sa.select(AmendmentRequest)).all()) == 1
    assert session.execute(sa.select(IssuedCredential)).first() is None
