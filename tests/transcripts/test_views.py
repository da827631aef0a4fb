"""The pages: request, list, download, the HTML twin, registrar staff, public verification."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.models import Disclosure
from careercenter.credits.models import AwardStatus
from careercenter.dates import format_date
from careercenter.extensions import limiter
from careercenter.sso.models import Role
from careercenter.transcripts.models import Transcript, TranscriptState


@pytest.fixture()
def people(make_student: Any, make_person: Any, make_advisor: Any, verified_experience: Any, make_award: Any) -> Any:
    student = make_student(name="Sofía Ramírez", campus_id="S5003", email="sofia@students.example.edu")
    exp = verified_experience(student, employer="Harbor Light Media", title="Podcast launch plan")
    make_award(student, experiences=[exp], number="295", status=AwardStatus.PENDING)
    registrar = make_person(Role.REGISTRAR, name="Karen Registrar", program=None, class_level=None)
    advisor = make_advisor([student])
    return {"student": student, "registrar": registrar, "advisor": advisor}


def _transcripts(session: Any, student_id: int) -> list[Transcript]:
    return list(session.execute(sa.select(Transcript).where(Transcript.student_id == student_id)).scalars())


def test_student_requests_lists_and_downloads_the_same_bytes(
    client: Any, login: Any, people: Any, session: Any, signing_pair: Any
) -> None:
    student = people["student"]
    login(student)
    page = client.get("/transcripts")
    assert b"Request transcript" in page.data
    response = client.post("/transcripts")
    assert response.status_code == 302
    [transcript] = _transcripts(session, student.id)
    assert response.headers["Location"] == f"/transcripts/{transcript.id}"

    twin = client.get(f"/transcripts/{transcript.id}").get_data(as_text=True)
    assert "Harbor Light Media" in twin and "Podcast launch plan" in twin
    assert "INTR 295" in twin and "Awaiting posting" in twin
    assert transcript.display_code in twin

    listing = client.get("/transcripts").get_data(as_text=True)
    assert transcript.display_code in listing
    assert f"/transcripts/{transcript.id}/pdf" in listing

    first = client.get(f"/transcripts/{transcript.id}/pdf")
    second = client.get(f"/transcripts/{transcript.id}/pdf")
    assert first.mimetype == "application/pdf"
    assert "attachment" in first.headers["Content-Disposition"]
    assert first.data == second.data == transcript.pdf
    assert hashlib.sha256(first.data).hexdigest() == transcript.pdf_sha256
    # The student reading their own records is no disclosure.
    assert session.execute(sa.select(sa.func.count()).select_from(Disclosure)).scalar_one() == 0


def test_the_home_panel_counts_transcripts_without_loading_them(
    client: Any, login: Any, people: Any, session: Any, issue: Any
) -> None:
    from datetime import timedelta

    student = people["student"]
    made = [issue(student) for _ in range(3)]
    for days, transcript in zip((9, 5, 2), made, strict=True):  # the last made is the newest
        transcript.issued_at = transcript.issued_at - timedelta(days=days)
    session.commit()
    login(student)
    selects: list[str] = []
    engine = session.get_bind().engine
    listen = lambda *a: selects.append(a[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        html = client.get("/student").get_data(as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    assert f"You have 3 transcripts; the newest was issued {format_date(made[2].issued_at)}." in html
    assert not [s for s in selects if "transcripts.snapshot" in s], "the panel loaded whole transcripts"


def test_request_without_verified_work_explains_and_makes_nothing(
    client: Any, login: Any, make_student: Any, session: Any, signing_pair: Any
) -> None:
    student = make_student()
    login(student)
    assert b"Request transcript" not in client.get("/transcripts").data
    response = client.post("/transcripts", follow_redirects=True)
    assert "no verified micro-internship yet" in response.get_data(as_text=True)
    assert _transcripts(session, student.id) == []


def test_registrar_download_is_disclosed_advisor_is_refused(
    client: Any, login: Any, people: Any, issue: Any, session: Any
) -> None:
    transcript = issue(people["student"])
    login(people["advisor"])
    assert client.get(f"/transcripts/{transcript.id}/pdf").status_code == 403
    login(people["registrar"])
    response = client.get(f"/transcripts/{transcript.id}/pdf")
    assert response.status_code == 200 and response.data == transcript.pdf
    [entry] = session.execute(sa.select(Disclosure)).scalars().all()
    assert entry.student_id == people["student"].id
    assert entry.party_id == str(people["registrar"].id)
    assert transcript.display_code in entry.records and "PDF" in entry.records
    assert client.get(f"/transcripts/{transcript.id}").status_code == 200
    entries = session.execute(sa.select(Disclosure).order_by(Disclosure.id)).scalars().all()
    assert len(entries) == 2 and "(HTML)" in entries[1].records


def test_registrar_makes_a_transcript_for_a_student(
    client: Any, login: Any, people: Any, session: Any, signing_pair: Any, make_student: Any
) -> None:
    login(people["registrar"])
    bad = client.post("/registrar/transcripts", data={"campus_id": "NOPE-1"})
    assert bad.status_code == 422
    assert "No student has this campus ID." in bad.get_data(as_text=True)
    empty = make_student(campus_id="S0000")
    nothing = client.post("/registrar/transcripts", data={"campus_id": "S0000"})
    assert nothing.status_code == 409
    assert "no verified micro-internship yet" in nothing.get_data(as_text=True)
    assert _transcripts(session, empty.id) == []

    response = client.post("/registrar/transcripts", data={"campus_id": " S5003 "})
    assert response.status_code == 302
    [transcript] = _transcripts(session, people["student"].id)
    assert transcript.issued_by_id == people["registrar"].id
    desk = client.get("/registrar/transcripts?q=S5003").get_data(as_text=True)
    assert "Sofía Ramírez" in desk


def test_revoke_form_needs_a_reason_then_verification_says_revoked(
    client: Any, login: Any, people: Any, issue: Any, session: Any
) -> None:
    transcript = issue(people["student"])
    login(people["registrar"])
    page = client.get(f"/transcripts/{transcript.id}").get_data(as_text=True)
    assert "Reason for revoking" in page
    assert "does <strong>not</strong> affect" in page and "reissue" in page  # replaced → reissue instead
    assert 'name="confirm"' not in page  # one confirmation: the dialog, or the page below
    bad = client.post(f"/transcripts/{transcript.id}/revoke", data={"reason": ""})
    assert bad.status_code == 422
    assert 'id="reason-error"' in bad.get_data(as_text=True)
    session.refresh(transcript)
    assert transcript.state is TranscriptState.ISSUED

    # Without JavaScript the first post asks first (changing nothing); the confirmed one revokes.
    ask = client.post(f"/transcripts/{transcript.id}/revoke", data={"reason": "Hours were misreported"})
    asked = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "Revoke this transcript?" in asked
    assert 'name="confirmed" value="yes"' in asked
    assert 'name="reason" value="Hours were misreported"' in asked  # the reason is posted again
    session.refresh(transcript)
    assert transcript.state is TranscriptState.ISSUED
    ok = client.post(
        f"/transcripts/{transcript.id}/revoke",
        data={"reason": "Hours were misreported", "confirmed": "yes"},
    )
    assert ok.status_code == 302
    session.refresh(transcript)
    assert transcript.state is TranscriptState.REVOKED

    again = client.post(
        f"/transcripts/{transcript.id}/revoke", data={"reason": "Once more, please", "confirmed": "yes"}
    )
    assert again.status_code == 409

    client.post("/logout")
    verify = client.get(f"/verify/{transcript.verification_code}").get_data(as_text=True)
    assert "Revoked" in verify
    assert f"revoked on {format_date(transcript.revoked_at)}" in verify
    assert "Hours were misreported" in verify
    data = client.get(f"/verify/{transcript.verification_code}.json").get_json()
    assert data["status"] == "revoked"
    assert data["revocation_reason"] == "Hours were misreported"


def test_public_verification_shows_what_was_stated_and_nothing_more(
    client: Any, people: Any, issue: Any, make_experience: Any, verified_experience: Any
) -> None:
    student = people["student"]
    transcript = issue(student)
    # Work verified after issue is not on this transcript and must not show on its page.
    verified_experience(student, employer="Later Employer Inc", title="Later project")
    page = client.get(f"/verify/{transcript.verification_code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Authentic" in html
    assert "Sofía Ramírez" in html and "S5003" in html and "Harbor Light Media" in html
    assert "Later Employer Inc" not in html
    assert "sofia@students.example.edu" not in html  # not on the transcript, so not here
    assert "pat@acme.example.com" not in html

    # The printed form of the code (groups, lower case) finds it too, through the form.
    form = client.get("/verify", query_string={"code": transcript.display_code.lower()})
    assert form.status_code == 302
    assert form.headers["Location"] == f"/verify/{transcript.verification_code}"

    data = client.get(f"/verify/{transcript.verification_code}.json").get_json()
    assert data["status"] == "authentic"
    assert data["transcript"] == transcript.snapshot
    assert data["pdf_sha256"] == transcript.pdf_sha256
    assert set(data) == {
        "status",
        "code",
        "issued_at",
        "superseded_at",
        "revoked_at",
        "revocation_reason",
        "pdf_sha256",
        "transcript",
        "credentials",  # the status of the same records' credentials: one status behind both
    }


def test_unknown_codes(client: Any) -> None:
    page = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert page.status_code == 404 and "Unknown" in page.get_data(as_text=True)
    assert client.get("/verify/not-a-code.json").get_json() == {"status": "unknown", "code": "not-a-code"}
    bad = client.get("/verify", query_string={"code": "12345"})
    assert bad.status_code == 422
    assert 'id="code-error"' in bad.get_data(as_text=True)


def test_upload_check_exact_file_altered_file_and_bad_uploads(app: Any, client: Any, people: Any, issue: Any) -> None:
    transcript = issue(people["student"])

    def upload(data: bytes, name: str = "t.pdf") -> Any:
        return client.post("/verify", data={"pdf": (io.BytesIO(data), name)}, content_type="multipart/form-data")

    ok = upload(transcript.pdf)
    html = ok.get_data(as_text=True)
    assert ok.status_code == 200
    assert "This exact file was issued here" in html and transcript.display_code in html
    assert "Sofía Ramírez" in html

    altered = bytearray(transcript.pdf)
    altered[len(altered) // 3] ^= 0x01
    refused = upload(bytes(altered))
    assert "This file was not issued here" in refused.get_data(as_text=True)

    not_pdf = upload(b"GIF89a not a pdf at all", "t.pdf")
    assert not_pdf.status_code == 415
    assert "This is not a PDF file." in not_pdf.get_data(as_text=True)
    missing = client.post("/verify", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert "Choose the PDF file to check." in missing.get_data(as_text=True)

    app.config["VERIFY_UPLOAD_MAX_BYTES"] = 1024
    try:
        big = upload(b"%PDF-1.4\n" + b"0" * 2048)
    finally:
        app.config.pop("VERIFY_UPLOAD_MAX_BYTES")
    assert big.status_code == 413
    assert "larger than" in big.get_data(as_text=True)


def test_revoked_upload_says_revoked(client: Any, people: Any, issue: Any, session: Any) -> None:
    from careercenter.audit.service import Actor
    from careercenter.transcripts import service

    transcript = issue(people["student"])
    service.revoke_transcript(session, transcript, reason="Superseded by a corrected one", actor=Actor.system())
    html = client.post(
        "/verify", data={"pdf": (io.BytesIO(transcript.pdf), "t.pdf")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "This exact file was issued here" in html
    assert "Superseded by a corrected one" in html


def test_verification_is_rate_limited(make_app: Any, _db_transaction: Any) -> None:
    was_enabled = limiter.enabled
    try:
        limited = make_app(RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="3 per minute")
        c = limited.test_client()
        statuses = [c.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.json").status_code for _ in range(4)]
        assert statuses == [404, 404, 404, 429]
    finally:
        # One Limiter serves every app in the process: put it back for the other tests.
        limiter.enabled = was_enabled
        limiter.reset()


def test_cli_makes_the_dev_signing_pair(make_app: Any, tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("CAREERCENTER_INSTANCE_PATH", str(tmp_path / "inst"))
    app = make_app()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["transcripts", "make-dev-signing-cert"])
    assert first.exit_code == 0, first.output
    assert "made development signing pair" in first.output
    key = tmp_path / "inst" / "signing" / "key.pem"
    assert key.is_file() and (key.stat().st_mode & 0o777) == 0o600
    assert "SHA-256 fingerprint:" in first.output
    again = runner.invoke(args=["transcripts", "make-dev-signing-cert"])
    assert "kept the existing" in again.output
    prod = make_app(
        ENV_NAME="production",
        SECRET_KEY="p" + "rod-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        DEV_LOGIN=False,
        ALLOW_SQLITE=True,
        PUBLIC_URL="https://careers.test",
    )
    refused = prod.test_cli_runner().invoke(args=["transcripts", "make-dev-signing-cert"])
    assert refused.exit_code != 0 and "refusing in production" in refused.output


def test_verification_page_costs_two_queries(client: Any, people: Any, issue: Any, session: Any) -> None:
    """The public page reads the transcript row (the snapshot) and the credentials' status for the
    records it lists, never the PDF or the live records."""
    transcript = issue(people["student"])
    session.commit()  # (a savepoint inside the test's transaction)
    url = f"/verify/{transcript.verification_code}"
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, "\n".join(selects)
    assert "pdf," not in selects[0] and "transcripts.pdf " not in selects[0]
    assert "issued_credentials" in selects[1]


def test_flask_doctor_finds_the_dev_pair(make_app: Any, tmp_path: Any, monkeypatch: Any) -> None:
    from careercenter.doctor import check_signing

    monkeypatch.setenv("CAREERCENTER_INSTANCE_PATH", str(tmp_path / "inst"))
    app = make_app()
    assert app.test_cli_runner().invoke(args=["transcripts", "make-dev-signing-cert"]).exit_code == 0
    [result] = list(check_signing(app, {}))
    assert result.status == "OK", result


def test_without_a_usable_key_people_get_a_plain_message_and_nothing_is_made(
    app: Any, client: Any, login: Any, people: Any, session: Any, tmp_path: Any, caplog: Any
) -> None:
    from careercenter.transcripts.signing import forget_signer

    forget_signer(app)
    app.config.update(SIGNING_KEY=str(tmp_path / "missing.pem"), SIGNING_CERT=str(tmp_path / "missing.crt"))
    try:
        login(people["student"])
        page = client.post("/transcripts", follow_redirects=True).get_data(as_text=True)
        login(people["registrar"])
        desk = client.post("/registrar/transcripts", data={"campus_id": "S5003"})
    finally:
        app.config.pop("SIGNING_KEY")
        app.config.pop("SIGNING_CERT")
        forget_signer(app)
    assert "Transcripts cannot be issued right now" in page
    assert desk.status_code == 503 and "Transcripts cannot be issued right now" in desk.get_data(as_text=True)
    assert _transcripts(session, people["student"].id) == []
    assert "signing key or certificate file not found" in caplog.text  # the operator's log says what to fix
