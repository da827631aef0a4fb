"""Issuing, snapshots, codes, revocation and the rescinded-award signal."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter import signals
from careercenter.audit.models import AuditEvent
from careercenter.audit.service import Actor
from careercenter.credits.models import AwardStatus
from careercenter.errors import Conflict, ValidationFailed
from careercenter.internships.models import ExperienceState
from careercenter.notify.models import OutboxMessage
from careercenter.transcripts import service, signing
from careercenter.transcripts.models import Transcript, TranscriptState


def test_snapshot_states_verified_work_and_shown_awards_only(
    make_student: Any, verified_experience: Any, make_experience: Any, make_award: Any, issue: Any
) -> None:
    student = make_student(name="Liam Chen", campus_id="S9001")
    exp = verified_experience(student, employer="Northwind", title="Inventory model", hours=Decimal("15.5"))
    make_experience(student, employer="Draft Corp", state=ExperienceState.DRAFT)
    make_experience(student, employer="Waiting Ltd", state=ExperienceState.AWAITING_SIGNOFF)
    posted = make_award(student, experiences=[exp], credits="1", status=AwardStatus.POSTED, number="295")
    pending = make_award(student, [], credits="0.5", status=AwardStatus.PENDING, number="296")
    make_award(student, [], credits="2", status=AwardStatus.REJECTED_BY_REGISTRAR, number="297")
    make_award(student, [], credits="3", status=AwardStatus.RESCINDED, number="298")

    transcript = issue(student)
    snap = transcript.snapshot
    assert snap["student"] == {"name": "Liam Chen", "campus_id": "S9001", "program": "Computer Science"}
    assert [e["employer"] for e in snap["experiences"]] == ["Northwind"]
    assert snap["experiences"][0]["hours"] == "15.5"
    assert snap["experiences"][0]["supervisor_title"] == "Analytics Lead"
    assert snap["experiences"][0]["signed_off_on"] == exp.verified_at.date().isoformat()
    assert {s["skill"]: s["rating"] for s in snap["experiences"][0]["skills"]} == {
        "communication": 4,
        "problem solving": 4,
    }
    assert [(a["id"], a["status"]) for a in snap["awards"]] == [(posted.id, "posted"), (pending.id, "pending")]
    assert snap["totals"] == {"experiences": 1, "hours": "15.5", "credits": "1.5", "credits_posted": "1"}
    assert transcript.pdf_sha256 == hashlib.sha256(transcript.pdf).hexdigest()
    assert transcript.pdf.startswith(b"%PDF-")
    event = transcript_event(transcript, "transcript.issued")
    assert event.data["awards"] == [posted.id, pending.id]


def transcript_event(transcript: Transcript, action: str) -> AuditEvent:
    from careercenter.extensions import db

    return db.session.execute(
        sa.select(AuditEvent).where(
            AuditEvent.action == action,
            AuditEvent.subject_type == "transcripts",
            AuditEvent.subject_id == str(transcript.id),
        )
    ).scalar_one()


def test_no_verified_work_no_transcript(make_student: Any, make_experience: Any, issue: Any, session: Any) -> None:
    student = make_student()
    make_experience(student, state=ExperienceState.AWAITING_SIGNOFF)
    with pytest.raises(Conflict, match="no verified micro-internship"):
        issue(student)
    assert session.execute(sa.select(sa.func.count()).select_from(Transcript)).scalar_one() == 0


def test_codes_are_random_long_and_normalised(make_student: Any, verified_experience: Any, issue: Any) -> None:
    codes = {service.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 32 and service.normalise_code(c) == c for c in codes)  # 32 × 5 bits = 160 bits
    student = make_student()
    verified_experience(student)
    first, second = issue(student), issue(student)
    assert first.verification_code != second.verification_code
    printed = first.display_code.lower().replace("-", " - ")
    assert service.normalise_code(printed) == first.verification_code
    assert service.normalise_code("not a code") is None
    assert service.normalise_code("A" * 31) is None


def test_revoke_needs_a_reason_and_happens_once(
    make_student: Any, make_person: Any, verified_experience: Any, issue: Any, session: Any
) -> None:
    from careercenter.sso.models import Role

    student = make_student(email="revoked.student@example.edu")
    registrar = make_person(Role.REGISTRAR)
    verified_experience(student)
    transcript = issue(student)
    with pytest.raises(ValidationFailed):
        service.revoke_transcript(session, transcript, reason="  no ", actor=Actor.person(registrar))
    assert transcript.state is TranscriptState.ISSUED and transcript.revoked_at is None

    seen = []

    def receiver(sender: Any, **kw: Any) -> None:
        seen.append(kw)

    signals.transcript_revoked.connect(receiver)
    try:
        service.revoke_transcript(
            session, transcript, reason="Issued in error", actor=Actor.person(registrar), revoked_by=registrar
        )
    finally:
        signals.transcript_revoked.disconnect(receiver)
    assert transcript.state is TranscriptState.REVOKED
    assert transcript.revocation_reason == "Issued in error"
    assert transcript.revoked_by_id == registrar.id
    assert seen and seen[0]["transcript"] is transcript and seen[0]["reason"] == "Issued in error"
    event = transcript_event(transcript, "transcript.revoked")
    assert event.data == {"from": "issued", "to": "revoked", "reason": "Issued in error"}
    assert event.actor_id == str(registrar.id)
    mail = session.execute(sa.select(OutboxMessage).where(OutboxMessage.kind == "transcript.revoked")).scalar_one()
    assert mail.to_address == "revoked.student@example.edu"
    assert "Issued in error" in mail.body_text

    with pytest.raises(Conflict, match="already revoked"):
        service.revoke_transcript(session, transcript, reason="Twice over", actor=Actor.person(registrar))
    assert transcript.revocation_reason == "Issued in error"


def test_rescinding_an_award_revokes_the_transcripts_that_showed_it(
    make_student: Any, verified_experience: Any, make_award: Any, issue: Any, session: Any
) -> None:
    student = make_student()
    exp = verified_experience(student)
    other_student = make_student()
    verified_experience(other_student)
    before = issue(student)  # issued before the award existed: does not show it
    award = make_award(student, experiences=[exp], number="295", status=AwardStatus.POSTED)
    showing = [issue(student), issue(student)]
    unrelated = issue(other_student)

    award.status = AwardStatus.RESCINDED
    signals.award_rescinded.send(
        None, session=session, award=award, actor=Actor.system("registrar"), reason="Posted to the wrong term"
    )
    for transcript in showing:
        assert transcript.state is TranscriptState.REVOKED
        assert "INTR 295 (2026FA) shown on this transcript was rescinded" in transcript.revocation_reason
        assert "Posted to the wrong term" in transcript.revocation_reason
    assert before.state is TranscriptState.ISSUED
    assert unrelated.state is TranscriptState.ISSUED


def test_the_key_is_loaded_once_per_process(
    app: Any, make_student: Any, verified_experience: Any, issue: Any, monkeypatch: Any
) -> None:
    signing.forget_signer(app)
    loads = []
    real_load = signing._load
    monkeypatch.setattr(signing, "_load", lambda a: loads.append(1) or real_load(a))

    def no_reparse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("pyHanko parsed the private key again")

    # pyHanko's SimpleSigner re-parses the key on every signature; ours must not.
    monkeypatch.setattr("pyhanko.sign.signers.pdf_cms.serialization.load_der_private_key", no_reparse)
    student = make_student()
    verified_experience(student)
    issue(student)
    issue(student)
    issue(student)
    assert len(loads) == 1
    assert signing.get_signer(app) is signing.get_signer(app)


def test_missing_key_says_what_to_do(make_app: Any, tmp_path: Any) -> None:
    app = make_app(SIGNING_KEY=str(tmp_path / "nope.pem"), SIGNING_CERT=str(tmp_path / "nope.crt"))
    with pytest.raises(signing.SigningUnavailable, match="not found"):
        signing.get_signer(app)
    half = make_app(SIGNING_KEY=str(tmp_path / "nope.pem"))
    with pytest.raises(signing.SigningUnavailable, match="both"):
        signing.get_signer(half)


def test_configured_key_must_match_the_certificate(make_app: Any, tmp_path: Any, signing_pair: Any) -> None:
    other_key, _other_cert, _ = signing.make_dev_signing_cert(str(tmp_path / "other"), "Other U")
    _key, cert = signing_pair
    app = make_app(SIGNING_KEY=str(other_key), SIGNING_CERT=str(cert))
    with pytest.raises(signing.SigningUnavailable, match="does not belong"):
        signing.get_signer(app)


def test_signing_works_inside_a_running_event_loop(make_student: Any, verified_experience: Any, issue: Any) -> None:
    """pyHanko's sync API uses asyncio.run(); a caller already inside a loop must still get a PDF."""
    import asyncio

    student = make_student()
    verified_experience(student)

    async def inside() -> Transcript:
        return issue(student)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        transcript = asyncio.run(inside())
    else:  # a loop already runs in this thread (Playwright's, after the browser tests)
        transcript = issue(student)
    assert transcript.pdf.startswith(b"%PDF-") and b"/ByteRange" in transcript.pdf


def test_a_logo_that_is_not_an_image_is_a_setup_error(
    app: Any, make_student: Any, verified_experience: Any, issue: Any, tmp_path: Any, session: Any
) -> None:
    from careercenter.transcripts.render import LogoUnavailable

    bad = tmp_path / "logo.png"
    bad.write_text("not an image")
    student = make_student()
    verified_experience(student)
    app.config["LOGO"] = str(bad)
    try:
        with pytest.raises(LogoUnavailable, match="CAREERCENTER_LOGO"):
            issue(student)
    finally:
        app.config.pop("LOGO")
    assert session.execute(sa.select(sa.func.count()).select_from(Transcript)).scalar_one() == 0


def test_the_ferpa_export_lists_transcripts(
    make_student: Any, verified_experience: Any, issue: Any, session: Any
) -> None:
    from careercenter.audit.export import export_student

    student = make_student()
    verified_experience(student)
    transcript = issue(student)
    [row] = export_student(session, student)["transcripts"]
    assert row["verification_code"] == transcript.verification_code
    assert row["state"] == "issued" and row["snapshot"] == transcript.snapshot
    assert row["pdf"] is None  # the PDF itself is downloaded, not inlined
