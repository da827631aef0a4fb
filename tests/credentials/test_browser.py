"""In a real browser: a student downloads a credential and the CLR, and anyone checks one on
the verification page; every page visited passes axe."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from careercenter.db import utcnow
from careercenter.extensions import db
from careercenter.internships.models import Experience, ExperienceState
from careercenter.sso.models import Person, Role
from tests.peers.browser import check_accessibility
from tests.peers.live_server import LiveServer

pytestmark = pytest.mark.e2e


def test_student_downloads_and_a_verifier_checks(committed_db: Any, page: Any, tmp_path: Path) -> None:
    app = committed_db
    with app.app_context():
        student = Person(
            campus_id="S77001", email="ada.b@students.example.edu", display_name="Ada Brooks", is_demo=True
        )
        student.set_roles({Role.STUDENT})
        db.session.add(student)
        db.session.flush()
        db.session.add(
            Experience(
                student_id=student.id,
                employer="Harbor Logistics",
                title="Route optimisation study",
                description="Modelled delivery routes.",
                category="Operations",
                start_date=date(2026, 2, 1),
                end_date=date(2026, 2, 20),
                hours=Decimal("18"),
                verified_hours=Decimal("18"),
                skills=["problem solving"],
                skill_ratings={"problem solving": 5},
                supervisor_name="Jo Rivera",
                supervisor_title="Operations Manager",
                supervisor_email="jo@harbor.example.com",
                state=ExperienceState.VERIFIED,
                verified_at=utcnow(),
                attested_name="Jo Rivera",
            )
        )
        db.session.commit()
    server = LiveServer(app)
    try:
        page.goto(f"{server.url}/dev/login")
        page.get_by_role("button", name="Sign in as Ada Brooks").click()
        page.goto(f"{server.url}/student")
        page.get_by_role("link", name="My verifiable credentials").click()
        page.wait_for_url("**/me/credentials")
        check_accessibility(page)
        expect(page.get_by_role("cell", name="Micro-internship: Route optimisation study", exact=True)).to_be_visible()
        with page.expect_download() as caught:
            page.get_by_role("link", name="JSON of Micro-internship: Route optimisation study").click()
        saved = tmp_path / "credential.json"
        caught.value.save_as(saved)
        credential = json.loads(saved.read_text())
        assert credential["credentialSubject"]["achievement"]["name"].startswith("Route optimisation study")
        with page.expect_download() as caught_clr:
            page.get_by_role("link", name="Download my record (JSON-LD, Data Integrity proof)").click()
        clr_path = tmp_path / "clr.json"
        caught_clr.value.save_as(clr_path)
        assert "ClrCredential" in json.loads(clr_path.read_text())["type"]

        page.goto(f"{server.url}/verify/credential")
        check_accessibility(page)
        page.get_by_role("button", name="Check").click()  # nothing given
        expect(page.locator("#credential-error")).to_have_text("Paste a credential, or choose a file to upload.")
        expect(page.locator("[data-error-summary]")).to_be_focused()
        check_accessibility(page)
        page.get_by_label("Credential (JSON or JWT)").fill(saved.read_text())
        page.get_by_role("button", name="Check").click()
        expect(page.get_by_role("heading", name="Valid")).to_be_visible()
        check_accessibility(page)
        page.get_by_label("Credential (JSON or JWT)").fill("")
        page.get_by_label("…or upload the credential file (.json or .jwt)").set_input_files(str(clr_path))
        page.get_by_role("button", name="Check").click()
        expect(page.get_by_role("heading", name="Valid")).to_be_visible()
        expect(page.get_by_text("Credentials in this record")).to_be_visible()
    finally:
        server.stop()
