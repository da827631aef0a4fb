"""In a real browser: a student requests credit combining two verified micro-internships, the
advisor approves it, the student sees the award. Every page passes the axe-core check."""

from __future__ import annotations

import re
from typing import Any

import pytest

from careercenter.extensions import db
from careercenter.sso.models import AdvisorAssignment, ClassLevel, Person, Role
from tests.credits.helpers import load_test_rules
from tests.factories import verified_experience
from tests.peers.browser import check_accessibility
from tests.peers.live_server import LiveServer

pytestmark = pytest.mark.e2e


def _person(campus_id: str, name: str, role: Role, **kw: Any) -> Person:
    person = Person(campus_id=campus_id, email=f"{campus_id}@example.edu", display_name=name, is_demo=True, **kw)
    person.set_roles({role})
    db.session.add(person)
    return person


def _sign_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/dev/login")
    check_accessibility(page)
    page.get_by_role("button", name=f"Sign in as {name}").click()
    page.wait_for_load_state()


def _sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_student_requests_credit_advisor_approves_student_sees_award(
    committed_db: Any, live_server: LiveServer, page: Any
) -> None:
    with committed_db.test_request_context():
        maya = _person("S9001", "Maya Okafor", Role.STUDENT, program="Computer Science", class_level=ClassLevel.JUNIOR)
        dana = _person("F9001", "Dana Whitfield", Role.ADVISOR)
        db.session.flush()
        db.session.add(AdvisorAssignment(advisor_id=dana.id, student_id=maya.id))
        load_test_rules(db.session)
        verified_experience(
            db.session,
            maya,
            "30",
            employer="Cobalt Freight",
            title="Delay dashboard",
            supervisor_feedback="Delivered a week early.",
        )
        verified_experience(db.session, maya, "22.5", employer="Lumen Books", title="Inventory API")
        db.session.commit()
        db.session.remove()

    # The live server has CSRF protection on: the browser goes through real tokens.
    base = live_server.url
    _sign_in(page, base, "Maya Okafor")
    check_accessibility(page)  # the student's home, with the credit panel
    page.get_by_role("link", name="Request credit").first.click()
    page.wait_for_url(f"{base}/credits/new")
    check_accessibility(page)
    page.get_by_label("Rule").select_option("INTR-295")
    page.get_by_label("Cobalt Freight – Delay dashboard", exact=False).check()
    page.get_by_label("Lumen Books – Inventory API", exact=False).check()
    page.get_by_role("button", name="Check eligibility").click()
    page.wait_for_load_state()
    check_accessibility(page)
    evaluation = page.locator("#evaluation")
    assert "Meets the rule: 1 credit (52.5 verified hours" in evaluation.inner_text()
    assert "found 52.5 hours in 2 micro-internships" in evaluation.inner_text()
    page.get_by_role("button", name="Submit request").click()
    page.wait_for_url(f"{base}/credits/requests/*")
    check_accessibility(page)
    request_url = page.url
    assert 'was submitted: it waits at "Advisor review"' in page.content()
    _sign_out(page)

    _sign_in(page, base, "Dana Whitfield")
    check_accessibility(page)  # the advisor's home, with the queue panel
    page.get_by_role("link", name="Open your approvals").click()
    page.wait_for_url(f"{base}/approvals")
    check_accessibility(page)
    assert "1 request waiting" in page.content()
    page.get_by_role("link", name="Maya Okafor").click()
    page.wait_for_url(request_url)
    check_accessibility(page)
    assert "Delivered a week early." in page.content()
    page.get_by_label("Comment").fill("Two solid projects; approved.")
    page.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_url(f"{base}/approvals")
    check_accessibility(page)
    assert "approved" in page.locator(".flashes").inner_text()
    _sign_out(page)

    _sign_in(page, base, "Maya Okafor")
    page.get_by_role("link", name="Credit requests", exact=True).click()
    page.wait_for_url(f"{base}/credits")
    check_accessibility(page)
    page.get_by_role("link", name="INTR 295 Internship Practicum").click()
    page.wait_for_url(request_url)
    check_accessibility(page)
    award = page.get_by_role("region", name="Credit award")
    assert "1 credit in INTR 295, P/NP" in award.inner_text()
    assert "pending" in award.inner_text()
    assert "Two solid projects; approved." in page.content()


def test_demo_queue_registrar_awards_and_rescind(committed_db: Any, live_server: LiveServer, page: Any) -> None:
    from careercenter.demo import seed_demo

    with committed_db.test_request_context():
        seed_demo(db.session, history=False)
        db.session.commit()
        db.session.remove()
    base = live_server.url
    _sign_in(page, base, "Dana Whitfield")
    page.goto(f"{base}/advisor/credits")
    check_accessibility(page)
    queue = page.locator("table").inner_text()
    assert "Needs at least 45 verified hours; found 38.5 hours in 3 micro-internships." in queue
    assert "Meets the rule" in queue
    page.get_by_label("Rule").select_option("INTR-295")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_role("link", name="Grace Lee").click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert page.get_by_role("button", name="Approve").count() == 0  # ineligible: deny or return only
    page.get_by_role("button", name="Return").click()
    page.wait_for_load_state()
    check_accessibility(page)  # the error beside the comment field
    assert "Write a comment: the student needs to know why you return the request." in page.content()
    page.goto(f"{base}/credits/rules")
    check_accessibility(page)
    _sign_out(page)

    _sign_in(page, base, "Karen Mbeki")
    check_accessibility(page)  # registrar home with the awards panel
    page.get_by_role("link", name="All awards").click()
    page.wait_for_url(f"{base}/registrar/awards")
    check_accessibility(page)
    page.get_by_label("Posting status").select_option("posted")
    # The demo students' awards (the reports' generated history has hundreds more).
    page.locator("#student").fill("Maya Okafor")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert "1 award" in page.content()
    page.get_by_role("link", name=re.compile(r"^Award \d+$")).first.click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_role("button", name="Rescind award").click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert "Write the reason for rescinding this award." in page.content()
    page.get_by_label("Reason for rescinding").fill("Posted to the wrong term; re-awarded separately.")
    page.get_by_role("button", name="Rescind award").click()
    check_accessibility(page)  # the confirmation dialog is open
    page.get_by_role("dialog").get_by_role("button", name="Yes, rescind the award").click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert "rescinded" in page.locator(".flashes").inner_text()
    assert "Posted to the wrong term" in page.content()
