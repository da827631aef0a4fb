"""A student requests a transcript, downloads it, and anyone checks it: in Chromium, with axe."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.credits.models import AwardStatus
from careercenter.db import utcnow
from careercenter.extensions import db
from careercenter.internships.models import Experience, ExperienceState
from careercenter.sso.models import Person, Role
from careercenter.transcripts.models import Transcript
from careercenter.transcripts.signing import make_dev_signing_cert
from tests.factories import build_award, build_rule
from tests.peers.browser import check_accessibility
from tests.peers.live_server import LiveServer

pytestmark = pytest.mark.e2e


def _seed(app: Any) -> None:
    with app.app_context():
        make_dev_signing_cert(app.instance_path, app.config["INSTITUTION_NAME"])
        student = Person(
            campus_id="S8001", email="grace.lee@students.example.edu", display_name="Grace Lee", is_demo=True
        )
        student.set_roles({Role.STUDENT})
        registrar = Person(campus_id="R8001", email="tom.b@example.edu", display_name="Tom Brennan", is_demo=True)
        registrar.set_roles({Role.REGISTRAR})
        db.session.add_all([student, registrar])
        db.session.flush()
        today = date.today()
        exp = Experience(
            student_id=student.id,
            employer="Riverbend Community Health Cooperative",
            title="Patient-intake survey analysis",
            start_date=today - timedelta(days=40),
            end_date=today - timedelta(days=20),
            hours=Decimal("30"),
            skills=["data analysis", "communication"],
            supervisor_name="Jordan Rivera",
            supervisor_title="Research Director",
            supervisor_email="jordan@riverbend.example.org",
            state=ExperienceState.VERIFIED,
            verified_hours=Decimal("28.5"),
            verified_at=utcnow(),
            skill_ratings={"data analysis": 5, "communication": 4},
            attested_name="Jordan Rivera",
        )
        db.session.add(exp)
        db.session.flush()
        rule = build_rule(db.session, "intr-295", title="Micro-internship practicum")
        build_award(db.session, student, [exp], rule, status=AwardStatus.POSTED, credits=Decimal("0.5"))
        db.session.commit()


def test_request_download_and_verify(committed_db: Any, page: Any, tmp_path: Path) -> None:
    app = committed_db
    _seed(app)
    with LiveServer(app) as server:
        page.goto(f"{server.url}/dev/login")
        check_accessibility(page)
        page.get_by_role("button", name="Sign in as Grace Lee").click()
        check_accessibility(page)

        page.get_by_role("link", name="My transcripts").first.click()
        page.wait_for_url(re.compile(r"/transcripts$"))
        check_accessibility(page)
        page.get_by_role("button", name="Request transcript").click()
        page.wait_for_url(re.compile(r"/transcripts/\d+$"))
        check_accessibility(page)
        body = page.locator("main").inner_text()
        assert "Riverbend Community Health Cooperative" in body
        assert "INTR 295 Micro-internship practicum" in body

        with page.expect_download() as info:
            page.get_by_role("link", name="Download the signed PDF").click()
        downloaded = Path(info.value.path()).read_bytes()
        with app.app_context():
            transcript = db.session.execute(sa.select(Transcript)).scalar_one()
            stored, code = transcript.pdf, transcript.verification_code
        assert downloaded == stored
        pdf_path = tmp_path / "transcript.pdf"
        pdf_path.write_bytes(downloaded)

        # The list shows it, with the accessible version beside the download.
        page.get_by_role("link", name="My transcripts").first.click()
        check_accessibility(page)
        assert page.get_by_role("link", name=re.compile("Accessible version")).count() == 1

        # Anyone, signed out, checks it.
        page.context.clear_cookies()
        page.goto(f"{server.url}/verify")
        check_accessibility(page)
        page.get_by_label("Verification code", exact=True).fill(transcript.display_code.lower())
        page.get_by_role("button", name="Check code").click()
        page.wait_for_url(re.compile(rf"/verify/{code}$"))
        check_accessibility(page)
        verdict = page.locator(".verdict").inner_text()
        assert "Authentic" in verdict
        assert "Grace Lee" in page.locator("main").inner_text()

        page.goto(f"{server.url}/verify")
        page.get_by_label("Transcript PDF", exact=True).set_input_files(str(pdf_path))
        page.get_by_role("button", name="Check file").click()
        check_accessibility(page)
        assert "This exact file was issued here" in page.locator("main").inner_text()

        altered = bytearray(downloaded)
        altered[len(altered) // 2] ^= 0x20
        bad_path = tmp_path / "altered.pdf"
        bad_path.write_bytes(bytes(altered))
        page.goto(f"{server.url}/verify")
        page.get_by_label("Transcript PDF", exact=True).set_input_files(str(bad_path))
        page.get_by_role("button", name="Check file").click()
        check_accessibility(page)
        assert "This file was not issued here" in page.locator("main").inner_text()

        page.goto(f"{server.url}/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        check_accessibility(page)
        assert "Unknown" in page.locator(".verdict").inner_text()

        # Registrar staff revoke it: the reason is required, then the public page says revoked.
        page.goto(f"{server.url}/dev/login")
        page.get_by_role("button", name="Sign in as Tom Brennan").click()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Transcripts", exact=True).click()
        check_accessibility(page)
        page.get_by_role("link", name=re.compile("Transcript of Grace Lee")).click()
        check_accessibility(page)
        page.get_by_role("button", name="Revoke transcript").click()
        check_accessibility(page)
        assert page.locator("#reason-error").is_visible()
        page.get_by_label("Reason for revoking").fill("The credit award was posted to the wrong term")
        page.get_by_role("button", name="Revoke transcript").click()
        page.get_by_role("dialog").get_by_role("button", name="Yes, revoke the transcript").click()
        page.wait_for_load_state()
        check_accessibility(page)
        page.context.clear_cookies()
        page.goto(f"{server.url}/verify/{code}")
        check_accessibility(page)
        verdict = page.locator(".verdict").inner_text()
        assert "Revoked" in verdict and "posted to the wrong term" in verdict
