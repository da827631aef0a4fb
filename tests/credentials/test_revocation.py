"""One status per record: revoking a transcript or rescinding an award revokes the matching
credentials (every rendering, and the CLRs bundling them), and the status list shows the bit."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter import signals
from careercenter.audit.models import AuditEvent
from careercenter.audit.service import Actor
from careercenter.credentials import issuance, proof, statuslist, verification
from careercenter.credentials import status as credential_status
from careercenter.credentials.keys import issuer_keys
from careercenter.credentials.models import CredentialKind, CredentialState, IssuedCredential
from careercenter.credits.models import AwardStatus


def _bit(app: Any, session: Any, row: IssuedCredential) -> bool:
    """Read the bit as a verifier would: from the signed status list credential."""
    status = row.document["credentialStatus"]
    list_id = int(status["statusListCredential"].rsplit("/", 1)[-1])
    listed = credential_status.status_list_credential(session, list_id, app.config)
    keys = issuer_keys(app.config)
    proof.verify(listed, lambda vm: keys.ed25519_public() if vm.endswith(keys.multikey) else None)
    assert listed["id"] == status["statusListCredential"]
    assert listed["credentialSubject"]["statusPurpose"] == "revocation"
    return statuslist.bit_is_set(listed["credentialSubject"]["encodedList"], int(status["statusListIndex"]))


@pytest.fixture()
def record(session: Any, make_student: Any, verified_experience: Any, make_award: Any, app: Any) -> Any:
    student = make_student()
    e1 = verified_experience(student)
    e2 = verified_experience(student, employer="Bright Labs")
    award = make_award(student, [e1], status=AwardStatus.POSTED)
    clr = issuance.clr_for(session, student, app.config)
    rows = {
        "e1": issuance.issue_for_experience(session, e1, app.config),
        "e2": issuance.issue_for_experience(session, e2, app.config),
        "award": issuance.issue_for_award(session, award, app.config),
    }
    return SimpleNamespace(student=student, e1=e1, e2=e2, award=award, clr=clr, rows=rows)


def test_a_revoked_transcript_changes_no_credential(app: Any, session: Any, record: Any) -> None:
    """One status per record, not per document: revoking a transcript (lost, issued in error)
    leaves the credentials of the records it showed as they are."""
    transcript = SimpleNamespace(
        id=77,
        student_id=record.student.id,
        snapshot={"experiences": [{"id": record.e1.id}], "awards": [{"id": record.award.id}]},
    )
    signals.transcript_revoked.send(
        "transcripts", session=session, transcript=transcript, actor=Actor.system("registrar"), reason="issued in error"
    )
    assert {r.state for r in record.rows.values()} == {CredentialState.ISSUED}
    assert record.clr.state is CredentialState.ISSUED
    assert not any(_bit(app, session, r) for r in record.rows.values())


def test_withdrawn_records_are_revoked_everywhere(app: Any, session: Any, record: Any) -> None:
    rows = record.rows
    assert not any(_bit(app, session, r) for r in rows.values())
    credential_status.revoke_records(
        session,
        experience_ids=[record.e1.id],
        award_ids=[record.award.id],
        actor=Actor.system("registrar"),
        reason="sign-off annulled by an amendment",
    )
    assert rows["e1"].state is CredentialState.REVOKED
    assert rows["award"].state is CredentialState.REVOKED
    assert rows["e2"].state is CredentialState.ISSUED  # not on that transcript
    assert record.clr.state is CredentialState.REVOKED  # it bundled them
    assert _bit(app, session, rows["e1"]) and _bit(app, session, rows["award"]) and _bit(app, session, record.clr)
    assert not _bit(app, session, rows["e2"])
    # Both renderings answer "revoked", and the move was audited.
    assert verification.verify_submission(session, rows["e1"].document, app.config).outcome == verification.REVOKED
    assert verification.verify_submission(session, rows["e1"].jwt, app.config).outcome == verification.REVOKED
    clr_result = verification.verify_submission(session, record.clr.document, app.config)
    assert clr_result.outcome == verification.REVOKED
    assert sorted(n.outcome for n in clr_result.nested) == ["revoked", "revoked", "valid"]
    clr_jwt = verification.verify_submission(session, record.clr.jwt, app.config)
    assert clr_jwt.outcome == verification.REVOKED and len(clr_jwt.nested) == 3
    events = session.execute(sa.select(AuditEvent).where(AuditEvent.action == "credential.revoked")).scalars().all()
    assert {e.subject_id for e in events} == {str(rows["e1"].id), str(rows["award"].id), str(record.clr.id)}
    # A fresh CLR bundles only what is still in force.
    fresh = issuance.clr_for(session, record.student, app.config)
    assert fresh.id != record.clr.id and fresh.included == [rows["e2"].credential_id]
    # Revocation is final for the record: asking again does not issue a new credential.
    assert issuance.issue_for_experience(session, record.e1, app.config).state is CredentialState.REVOKED


def test_award_rescinded_revokes_its_credential(app: Any, session: Any, record: Any, make_person: Any) -> None:
    from careercenter.sso.models import Role

    registrar = make_person(Role.REGISTRAR)
    signals.award_rescinded.send(
        "credits", session=session, award=record.award, actor=registrar, reason="posted to the wrong student"
    )
    assert record.rows["award"].state is CredentialState.REVOKED
    assert record.rows["award"].revoked_reason == "award rescinded: posted to the wrong student"
    assert _bit(app, session, record.rows["award"])
    assert record.rows["e1"].state is CredentialState.ISSUED
    event = session.execute(
        sa.select(AuditEvent).where(
            AuditEvent.action == "credential.revoked", AuditEvent.subject_id == str(record.rows["award"].id)
        )
    ).scalar_one()
    assert event.actor_id == str(registrar.id)


def test_revoking_twice_changes_nothing(app: Any, session: Any, record: Any) -> None:
    first = credential_status.revoke_records(
        session, experience_ids=[record.e1.id], award_ids=[], actor=None, reason="a"
    )
    assert len(first) == 2  # the credential and the CLR bundling it
    again = credential_status.revoke_records(
        session, experience_ids=[record.e1.id], award_ids=[], actor=None, reason="b"
    )
    assert again == []
    assert record.rows["e1"].revoked_reason == "a"


def test_record_status_for_the_transcript_page(app: Any, session: Any, record: Any) -> None:
    credential_status.revoke_records(session, experience_ids=[record.e1.id], award_ids=[], actor=None, reason="a")
    status = credential_status.record_status(
        session, experience_ids=[record.e1.id, record.e2.id], award_ids=[record.award.id]
    )
    assert status == {
        f"experience:{record.e1.id}": "revoked",
        f"experience:{record.e2.id}": "issued",
        f"award:{record.award.id}": "issued",
    }


def test_status_indexes_are_distinct_and_lists_are_large(app: Any, session: Any, record: Any) -> None:
    rows = session.execute(sa.select(IssuedCredential)).scalars().all()
    slots = {(r.status_list_id, r.status_index) for r in rows}
    assert len(slots) == len(rows)
    listed = credential_status.status_list_credential(session, rows[0].status_list_id, app.config)
    assert len(statuslist.decode_bits(listed["credentialSubject"]["encodedList"])) * 8 >= 131072
    assert {r.kind for r in rows} == {CredentialKind.EXPERIENCE, CredentialKind.AWARD, CredentialKind.CLR}


def test_bitstring_encoding_matches_the_spec_bit_order() -> None:
    encoded = statuslist.encode_bits(131072, [0, 9, 131071])
    bits = statuslist.decode_bits(encoded)
    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01
    assert statuslist.bit_is_set(encoded, 9) and not statuslist.bit_is_set(encoded, 8)
    assert encoded == statuslist.encode_bits(131072, [131071, 9, 0])  # deterministic
    with pytest.raises(statuslist.StatusListError):
        statuslist.encode_bits(131072, [131072])
