"""The whole sign-off flow in a real browser (Debian chromium through Playwright), with the
axe-core accessibility check on every page: the student adds a micro-internship and asks for
sign-off, the supervisor opens the emailed link (from the dev mailbox) and signs, the student
sees it verified with the feedback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.extensions import db
from careercenter.internships.models import Experience, ExperienceState, SignoffRequest
from careercenter.notify.models import OutboxMessage
from careercenter.sso.models import Person, Role
from tests.peers.browser import check_accessibility
from tests.peers.live_server import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture()
def live(committed_db: Any, make_app: Any) -> Iterator[tuple[Any, LiveServer]]:
    # Its own app with CSRF on, as in production; same database as `committed_db`.
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        maya = Person(
            campus_id="S1001",
            email="maya.okafor@students.example.edu",
            display_name="Maya Okafor",
            program="Computer Science",
            is_demo=True,
        )
        maya.set_roles({Role.STUDENT})
        db.session.add(maya)
        db.session.commit()
    server = LiveServer(app)
    app.config["PUBLIC_URL"] = server.url  # links in mail point at the live server
    try:
        yield app, server
    finally:
        server.stop()


def test_student_asks_supervisor_signs_student_sees_feedback(live: Any, page: Any, browser: Any) -> None:
    app, server = live
    today = date.today()

    # The student signs in (development login) and lands on their home page.
    page.goto(f"{server.url}/dev/login")
    check_accessibility(page)
    page.get_by_role("button", name="Sign in as Maya Okafor").click()
    page.wait_for_url(f"{server.url}/student")
    check_accessibility(page)

    # Adds a micro-internship; first with their own address as the supervisor's.
    page.get_by_role("link", name="Add a micro-internship").first.click()
    page.wait_for_url(f"{server.url}/experiences/new")
    check_accessibility(page)
    page.get_by_label("Employer", exact=True).fill("Cedar Valley Credit Union")
    page.get_by_label("Project title", exact=True).fill("Member marketing analytics")
    page.get_by_label("Description").fill("Segmented two years of email-campaign results.")
    page.get_by_label("Category or field").select_option("Other")  # the rules' categories, plus Other
    page.get_by_label("Start date", exact=True).fill((today - timedelta(days=21)).isoformat())
    page.get_by_label("End date", exact=True).fill((today - timedelta(days=7)).isoformat())
    page.get_by_label("Hours", exact=True).fill("15")
    page.get_by_label("Communication").check()
    page.get_by_label("Problem solving").check()
    page.get_by_label("Supervisor name", exact=True).fill("Renee Castillo")
    page.get_by_label("Supervisor title").fill("Marketing Director")
    page.get_by_label("Supervisor email", exact=True).fill("maya.okafor@students.example.edu")
    page.get_by_role("button", name="Save draft").click()
    error = page.locator("#supervisor_email-error")
    assert error.inner_text() == "Enter your supervisor's email address, not your own."
    check_accessibility(page)
    page.get_by_label("Supervisor email", exact=True).fill("rcastillo@cedarvalley.example.com")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(f"{server.url}/experiences/*")
    assert "Saved as a draft" in page.inner_text("main")
    check_accessibility(page)

    # Asks for sign-off.
    page.get_by_role("button", name="Ask Renee Castillo to sign off").click()
    assert "A sign-off link is on its way to rcastillo@cedarvalley.example.com" in page.inner_text("main")
    assert "Waiting for sign-off" in page.inner_text("main")
    check_accessibility(page)
    page.get_by_role("link", name="Micro-internships", exact=True).click()
    assert "awaiting signoff" in page.inner_text("main")
    check_accessibility(page)

    # The supervisor (another browser, no account) opens the mail in the dev mailbox, then its link.
    supervisor_context = browser.new_context()
    supervisor = supervisor_context.new_page()
    try:
        supervisor.goto(f"{server.url}/dev/mailbox")
        check_accessibility(supervisor)
        supervisor.get_by_role(
            "link", name="Please confirm Maya Okafor's micro-internship at Cedar Valley Credit Union"
        ).click()
        check_accessibility(supervisor)
        body = supervisor.locator("pre.mail-body").inner_text()
        assert "Dear Renee Castillo" in body and "Member marketing analytics" in body
        with supervisor.expect_navigation() as navigation:
            supervisor.get_by_role("link", name=f"{server.url}/signoff/", exact=False).click()
        response = navigation.value
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert "Confirm Maya Okafor's micro-internship" in supervisor.inner_text("h1")
        check_accessibility(supervisor)
        with app.app_context():  # opening the link changed nothing
            assert db.session.execute(sa.select(SignoffRequest.used_at)).scalar_one() is None
        supervisor.get_by_label("Hours worked").fill("14")
        supervisor.get_by_role("group", name="Communication").get_by_label("5").check()
        supervisor.get_by_role("group", name="Problem solving").get_by_label("4").check()
        supervisor.get_by_label("Feedback for the student").fill(
            "Maya found the pattern in our campaign data that we had missed for a year."
        )
        supervisor.get_by_label("I am willing to be a reference for this student").check()
        supervisor.get_by_label("I confirm that the information I give here is accurate").check()
        supervisor.get_by_label("Your full name").first.fill("Renee Castillo")
        supervisor.get_by_role("button", name="Confirm and sign").click()
        assert supervisor.inner_text("h1") == "Thank you"
        check_accessibility(supervisor)
        # The link is spent.
        supervisor.go_back()
        supervisor.reload()
        assert supervisor.inner_text("h1") == "This link cannot be used"
        check_accessibility(supervisor)
    finally:
        supervisor_context.close()

    # The student sees it verified, with the ratings and the feedback.
    page.reload()
    assert "verified" in page.inner_text("main")
    check_accessibility(page)
    page.get_by_role("link", name="Member marketing analytics").click()
    main = page.inner_text("main")
    assert "Verified by Renee Castillo" in main
    assert "14.00 hours" in main
    assert "Maya found the pattern in our campaign data that we had missed for a year." in main
    check_accessibility(page)
    with app.app_context():
        experience = db.session.execute(sa.select(Experience)).scalar_one()
        assert experience.state is ExperienceState.VERIFIED
        assert experience.skill_ratings == {"Communication": 5, "Problem solving": 4}
        request = db.session.execute(sa.select(SignoffRequest)).scalar_one()
        assert request.ip_address == "127.0.0.1" and "Chrome" in (request.user_agent or "")
        kinds = db.session.execute(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id)).scalars().all()
        assert kinds == ["signoff.request", "signoff.confirmed"]


def test_staff_pages_import_and_outbox(live: Any, page: Any, tmp_path: Any) -> None:
    app, server = live
    with app.test_request_context():
        from careercenter.notify.models import OutboxState
        from careercenter.notify.service import queue_message

        karen = Person(campus_id="R3001", email="karen@example.edu", display_name="Karen Mbeki", is_demo=True)
        karen.set_roles({Role.REGISTRAR})
        db.session.add(karen)
        failed = queue_message(db.session, to="gone@example.com", subject="Sign-off", text="x", kind="test")
        failed.state = OutboxState.FAILED
        failed.last_error = "recipient refused: gone@example.com: 550 No such user"
        db.session.commit()
    start, end = date.today() - timedelta(days=20), date.today() - timedelta(days=10)
    export = tmp_path / "parker-dewey.csv"
    export.write_text(
        "source,external_id,student_campus_id,employer,project_title,start_date,end_date,hours,"
        "supervisor_name,supervisor_email\n"
        f"Parker Dewey,PD-1,S1001,Summit Logistics,Warehouse slotting,{start},{end},15,G Souza,gs@summit.example.com\n"
        f"Parker Dewey,PD-2,S1001,Summit Logistics,Second project,{end},{start},15,G Souza,gs@summit.example.com\n"
    )
    page.goto(f"{server.url}/dev/login")
    page.get_by_role("button", name="Sign in as Karen Mbeki").click()
    check_accessibility(page)
    page.get_by_role("link", name="Import micro-internships").click()
    check_accessibility(page)
    page.get_by_label("Export file (CSV or JSON)").set_input_files(str(export))
    page.get_by_role("button", name="Import").click()
    report = page.inner_text("main")
    assert "Imported 1, already there 0, rejected 1" in report
    assert "end_date: The end date is before the start date." in report
    check_accessibility(page)
    page.get_by_role("link", name="Outbox").click()
    assert "550 No such user" in page.inner_text("main")
    check_accessibility(page)
    page.get_by_role("button", name="Queue again the message to gone@example.com").click()
    assert "is queued again" in page.inner_text("main")
    check_accessibility(page)


def test_every_internship_page_of_the_demo_is_accessible(committed_db: Any, make_app: Any, page: Any) -> None:
    """The demo campus: every state's pages, the edit page of a disputed record, the sign-off
    page with errors beside the fields."""
    from careercenter.demo import seed_demo
    from tests.internships.helpers import LINK

    app = make_app(WTF_CSRF_ENABLED=True, PUBLIC_URL="http://careers.test")
    with app.test_request_context():
        seed_demo(db.session)
        db.session.commit()
        awaiting = db.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "signoff.request").order_by(OutboxMessage.id.desc())
        ).scalars()
        live_tokens = []
        for message in awaiting:
            [token] = LINK.findall(message.body_text)
            live_tokens.append(token)
    with LiveServer(app) as server:
        for name in ("Liam Chen", "Maya Okafor"):
            page.goto(f"{server.url}/dev/login")
            page.get_by_role("button", name=f"Sign in as {name}").click()
            check_accessibility(page)  # the student home with its panel
            page.goto(f"{server.url}/experiences")
            check_accessibility(page)
            links = [a.get_attribute("href") for a in page.locator("main table a").all()]
            assert links
            for href in links:
                page.goto(f"{server.url}{href}")
                check_accessibility(page)
                correct = page.get_by_role("link", name="Correct it")
                if correct.count():
                    correct.click()
                    assert "Your supervisor disputed this" in page.inner_text("main")
                    check_accessibility(page)
            page.get_by_role("button", name="Sign out").click()
        # The sign-off page, then the same page with every error shown.
        for token in live_tokens:
            response = page.goto(f"{server.url}/signoff/{token}")
            if response.status == 200:
                break
        check_accessibility(page)
        page.get_by_label("Hours worked").fill("0")
        page.get_by_role("button", name="Confirm and sign").click()
        assert page.locator("#signoff-attested-error").inner_text() == "Tick the box to confirm that this is accurate."
        check_accessibility(page)
