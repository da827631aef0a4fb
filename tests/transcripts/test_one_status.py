"""One status per record, not per document (issue 18): revoking a transcript changes that
document only; a withdrawn record is revoked everywhere; an authentic transcript never lists one
of its records as revoked; superseded transcripts verify as authentic as issued."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from careercenter.audit.models import AuditEvent
from careercenter.audit.service import Actor
from careercenter.credentials import issuance as credentials_issuance
from careercenter.credentials import status as credential_status
from careercenter.credentials import statuslist
from careercenter.credentials.models import CredentialState
from careercenter.credits.awards import rescind_award
from careercenter.credits.models import AwardStatus
from careercenter.notify.models import OutboxMessage
from careercenter.transcripts import service, supersede
from careercenter.transcripts.models import Transcript, TranscriptState


def assert_invariant(client: Any, session: Any) -> None:
    """Every authentic transcript lists only active records."""
    for transcript in session.execute(sa.select(Transcript)).scalars():
        body = client.get(f"/verify/{transcript.verification_code}.json").get_json()
        if body["status"] == "authentic":
            assert [c for c in body["credentials"] if c["status"] == "revoked"] == [], body["credentials"]


def test_revoking_a_transcript_changes_that_document_only(
    app: Any, client: Any, session: Any, make_student: Any, verified_experience: Any, issue: Any
) -> None:
    student = make_student(name="Maya Okafor")
    experience = verified_experience(student, employer="Lakeside Credit Union", title="Member survey analysis")
    credential = credentials_issuance.issue_for_experience(session, experience, app.config)
    old = issue(student)
    current = supersede.reissue(
        session, student, service.settings_from_app(app), actor=Actor.system("t"), issued_by=None
    )
    session.commit()
    assert old.state is TranscriptState.SUPERSEDED and old.superseded_by_id == current.id
    service.revoke_transcript(session, old, reason="Lost in the mail to an employer.", actor=Actor.system("test"))
    session.commit()
    after = client.get(f"/verify/{old.verification_code}.json").get_json()
    assert after["status"] == "revoked"
    session.refresh(credential)
    assert credential.state is CredentialState.ISSUED  # the record stands
    body = client.get(f"/verify/{current.verification_code}.json").get_json()
    assert body["status"] == "authentic"
    assert body["credentials"] == [
        {"record": "experience", "label": "Lakeside Credit Union: Member survey analysis", "status": "issued"}
    ]
    page = client.get(f"/verify/{current.verification_code}").get_data(as_text=True)
    assert "in force" in page and "changes that document only" in page
    assert_invariant(client, session)


def test_a_rescinded_award_is_revoked_everywhere_and_a_reissue_is_offered(
    app: Any, client: Any, session: Any, make_award: Any, issue: Any, make_person: Any
) -> None:
    from careercenter.sso.models import Role

    award = make_award(status=AwardStatus.POSTED)
    student = award.student
    credential = credentials_issuance.issue_for_award(session, award, app.config)
    transcript = issue(student)
    session.commit()
    registrar = make_person(Role.REGISTRAR)
    rescind_award(session, award, Actor.person(registrar), "posted to the wrong student")
    session.commit()
    assert transcript.state is TranscriptState.REVOKED
    assert credential.state is CredentialState.REVOKED
    offers = supersede.open_offers(session, student.id)
    assert [o.cause for o in offers] == ["award_rescinded"]
    assert session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "transcript.reissue_offered")
    ).scalar_one()
    new = supersede.reissue(session, student, service.settings_from_app(app), actor=Actor.system("t"), issued_by=None)
    session.commit()
    assert new.snapshot["awards"] == []  # the reissue leaves the rescinded award out
    assert supersede.open_offers(session, student.id) == []
    assert_invariant(client, session)


def test_superseded_verifies_as_authentic_as_issued_without_the_new_code(
    app: Any, client: Any, session: Any, make_student: Any, verified_experience: Any, issue: Any, login: Any
) -> None:
    student = make_student(name="Liam Chen")
    verified_experience(student)
    old = issue(student)
    session.commit()
    login(student)
    page = client.get(f"/transcripts/{old.id}").get_data(as_text=True)
    assert "Reissue the transcript" in page
    response = client.post(f"/transcripts/{old.id}/reissue")
    assert response.status_code == 302
    session.expire_all()
    new = session.get(Transcript, old.id).superseded_by
    assert new is not None and new.state is TranscriptState.ISSUED
    body = client.get(f"/verify/{old.verification_code}.json").get_json()
    assert body["status"] == "superseded" and body["superseded_at"]
    html = client.get(f"/verify/{old.verification_code}").get_data(as_text=True)
    on = datetime.fromisoformat(body["superseded_at"])
    assert "authentic as issued" in html and f"superseded on {on.day} {on:%b %Y}" in html  # "6 Dec 2026"
    assert new.verification_code not in html and new.verification_code not in str(body)
    event = session.execute(sa.select(AuditEvent).where(AuditEvent.action == "transcript.superseded")).scalar_one()
    assert event.subject_id == str(old.id)


def test_migration_reinstates_credentials_revoked_only_by_a_transcript(
    app: Any, client: Any, session: Any, make_student: Any, verified_experience: Any, make_award: Any, issue: Any
) -> None:
    """What the old design left behind: credentials revoked because a transcript was."""
    student = make_student()
    kept = verified_experience(student, employer="Kept Co")
    award = make_award(student, [kept], status=AwardStatus.POSTED)
    clr = credentials_issuance.clr_for(session, student, app.config)
    rows = [
        credentials_issuance.issue_for_experience(session, kept, app.config),
        credentials_issuance.issue_for_award(session, award, app.config),
    ]
    transcript = issue(student)
    credential_status.revoke_records(
        session,
        experience_ids=[kept.id],
        award_ids=[award.id],
        actor=Actor.system("old design"),
        reason=f"transcript {transcript.id} revoked: issued in error",
    )
    rescinded = make_award(student, status=AwardStatus.POSTED)
    gone = credentials_issuance.issue_for_award(session, rescinded, app.config)
    credential_status.revoke_records(
        session,
        experience_ids=[],
        award_ids=[rescinded.id],
        actor=None,
        reason=f"transcript {transcript.id} revoked: x",
    )
    rescinded.status = AwardStatus.RESCINDED  # the record itself is withdrawn: it stays revoked
    session.flush()
    assert clr.state is CredentialState.REVOKED
    changed = credential_status.reinstate_transcript_only_revocations(session)
    session.commit()
    assert {c.id for c in changed} >= {rows[0].id, rows[1].id}
    assert all(r.state is CredentialState.ISSUED and r.revoked_at is None for r in rows)
    assert gone.state is CredentialState.REVOKED
    events = session.execute(sa.select(AuditEvent).where(AuditEvent.action == "credential.reinstated")).scalars().all()
    assert len(events) == len(changed)
    # The status list bits flip back (read as a verifier would).
    for row in rows:
        status = row.document["credentialStatus"]
        path = "/" + status["statusListCredential"].split("/", 3)[3]
        listed = client.get(path).get_json()
        assert not statuslist.bit_is_set(listed["credentialSubject"]["encodedList"], int(status["statusListIndex"]))
    assert statuslist.bit_is_set(
        client.get("/" + gone.document["credentialStatus"]["statusListCredential"].split("/", 3)[3]).get_json()[
            "credentialSubject"
        ]["encodedList"],
        int(gone.document["credentialStatus"]["statusListIndex"]),
    )


def test_a_name_change_in_the_directory_offers_a_reissue(
    app: Any,
    client: Any,
    session: Any,
    make_student: Any,
    verified_experience: Any,
    issue: Any,
    login: Any,
    monkeypatch: Any,
) -> None:
    """Sign-in and `flask directory sync` both refresh people through `apply_entry`."""
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)  # the reissue is made in the request
    from careercenter.sso.entry import DirectoryEntry
    from careercenter.sso.models import Role
    from careercenter.sso.service import apply_entry

    student = make_student(name="Sofía Ramírez")
    verified_experience(student)
    issue(student)
    session.commit()
    login(student)  # before the directory vouches for them (no longer on the development login)
    entry = DirectoryEntry(
        dn=f"uid={student.campus_id}",
        username=student.campus_id.lower(),
        display_name="Sofía Ramírez-Vega",
        email=student.email,
        campus_id=student.campus_id,
        program=student.program,
        class_level=None,
    )
    apply_entry(session, entry, {Role.STUDENT})
    session.commit()
    [offer] = supersede.open_offers(session, student.id)
    assert offer.cause == "name_change" and "Sofía Ramírez to Sofía Ramírez-Vega" in offer.reason
    mail = session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "transcript.reissue_offered")
    ).scalar_one()
    assert mail.to_address == student.email
    apply_entry(session, entry, {Role.STUDENT})  # nothing changed: no second offer
    assert len(supersede.open_offers(session, student.id)) == 1
    home = client.get("/student").get_data(as_text=True)
    assert "A new transcript is offered" in home
    assert client.post("/transcripts").status_code == 302  # the reissue
    assert supersede.open_offers(session, student.id) == []


def test_the_front_page_leads_a_verifier_to_verify(client: Any) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Checking a transcript?" in page and 'href="/verify"' in page
