"""Issue 22 in Chromium: "Preparing your transcript…" polls with JavaScript and shows the
transcript in place, without a reload; without JavaScript its meta refresh reloads the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from careercenter.extensions import db
from careercenter.jobs import service as jobs
from careercenter.jobs.models import Job, JobState
from careercenter.sso.models import Person, Role
from careercenter.transcripts.models import Transcript
from careercenter.transcripts.signing import make_dev_signing_cert
from tests.factories import verified_experience
from tests.peers.browser import check_accessibility
from tests.peers.live_server import LiveServer

pytestmark = pytest.mark.e2e

STUDENT = "Noor Haddad"
PREPARING = re.compile(r"/transcripts/requests/\d+$")


@pytest.fixture()
def worker_app(committed_db: Any, make_app: Any) -> Flask:
    """The app as production runs it: a request queues the transcript job, a worker runs it."""
    app = make_app(WTF_CSRF_ENABLED=True, JOBS_INLINE=False)
    with app.app_context():
        make_dev_signing_cert(app.instance_path, app.config["INSTITUTION_NAME"])
        student = Person(campus_id="S8220", email="noor.h@students.example.edu", display_name=STUDENT, is_demo=True)
        student.set_roles({Role.STUDENT})
        db.session.add(student)
        db.session.flush()
        verified_experience(db.session, student)
        db.session.commit()
    return app


@pytest.fixture()
def server(worker_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(worker_app) as live:
        yield live


def _request_transcript(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/dev/login")
    page.get_by_role("button", name=f"Sign in as {STUDENT}").click()
    page.wait_for_load_state()
    page.goto(f"{server.url}/transcripts")
    page.get_by_role("button", name="Request transcript").click()
    page.wait_for_url(PREPARING)
    assert page.get_by_role("heading", level=1).inner_text() == "Preparing your transcript…"


def _run_the_worker(app: Flask) -> None:
    with app.app_context():
        assert jobs.run_due(db.session, app) == {"done": 1, "retrying": 0, "failed": 0}
        db.session.remove()


def _the_transcript(app: Flask) -> tuple[int, bytes, str]:
    """The one transcript made: its id, PDF and display code."""
    with app.app_context():
        transcript = db.session.execute(sa.select(Transcript)).scalar_one()
        made = transcript.id, transcript.pdf, transcript.display_code
        db.session.remove()
        return made


def test_the_page_polls_and_shows_the_transcript_in_place(page: Any, server: LiveServer, worker_app: Flask) -> None:
    _request_transcript(page, server)
    check_accessibility(page)
    # With JavaScript the meta refresh stays inert (inside <noscript>): only the script asks.
    assert page.locator("head meta[http-equiv='refresh']").count() == 0
    live = page.locator("[data-poll-live]")
    assert live.get_attribute("aria-live") == "polite"
    before = live.inner_text()
    page.evaluate("window.__sameDocument = 'yes'")
    with page.expect_response(re.compile(r"/transcripts/requests/\d+\.json$")) as polled:
        pass
    assert polled.value.json()["state"] == "queued"

    _run_the_worker(worker_app)
    download = page.get_by_role("link", name="Download the signed PDF")
    download.wait_for(timeout=20_000)
    assert page.evaluate("window.__sameDocument") == "yes"  # no navigation: the same document
    assert PREPARING.search(page.url)
    assert page.get_by_role("heading", level=1).inner_text() == "Your transcript is ready"
    assert live.inner_text() != before and "Your transcript is ready" in live.inner_text()
    assert page.title().startswith("Your transcript is ready · ")
    check_accessibility(page)

    transcript_id, pdf, display_code = _the_transcript(worker_app)
    assert download.get_attribute("href") == f"/transcripts/{transcript_id}/pdf"
    with page.expect_download() as info:
        download.click()
    assert Path(info.value.path()).read_bytes() == pdf
    page.get_by_role("link", name="Open the accessible version").click()
    page.wait_for_url(re.compile(rf"/transcripts/{transcript_id}$"))
    assert display_code in page.locator("main").inner_text()


def test_a_request_given_up_on_says_so_in_place(page: Any, server: LiveServer, worker_app: Flask) -> None:
    _request_transcript(page, server)
    page.evaluate("window.__sameDocument = 'yes'")
    with worker_app.app_context():
        job = db.session.execute(sa.select(Job)).scalar_one()
        job.state = JobState.FAILED  # as a worker leaves it after the last failed attempt
        db.session.commit()
        db.session.remove()
    heading = page.get_by_role("heading", level=1, name="Your transcript could not be prepared")
    heading.wait_for(timeout=20_000)
    assert page.evaluate("window.__sameDocument") == "yes"
    assert "the career center has been told" in page.locator("[data-poll-live]").inner_text()
    assert page.get_by_role("link", name="request it again").get_attribute("href") == "/transcripts"
    check_accessibility(page)


def test_without_javascript_the_meta_refresh_reloads_until_ready(
    browser: Any, server: LiveServer, worker_app: Flask
) -> None:
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        _request_transcript(page, server)
        refresh = page.locator("head meta[http-equiv='refresh']")
        assert refresh.count() == 1 and refresh.get_attribute("content") == "2"
        _run_the_worker(worker_app)
        page.wait_for_url(re.compile(r"/transcripts/\d+$"), timeout=15_000)  # the refresh found it ready
        transcript_id, _pdf, display_code = _the_transcript(worker_app)
        assert page.url.endswith(f"/transcripts/{transcript_id}")
        assert display_code in page.locator("main").inner_text()
    finally:
        context.close()
