"""In a real browser, on the demo: a CSCI-397 request goes advisor → chair → registrar, each
approver finds the email of their step in the dev mailbox, the award reaches the registrar API
only after the registrar's approval with its three-step trail; a delegate decides for an away
approver; the overdue step is escalated. Every page passes the axe-core check."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from careercenter.extensions import db
from careercenter.registrar import service as registrar_service
from tests.peers.browser import check_accessibility
from tests.peers.live_server import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture()
def live_server(committed_db: Any, make_app: Any) -> Iterator[LiveServer]:
    """As tests/e2e/conftest.py's, with the registrar feed showing awards at once (no settle window)."""
    server = LiveServer(make_app(WTF_CSRF_ENABLED=True, REGISTRAR_SQLITE_SETTLE_SECONDS=0))
    try:
        yield server
    finally:
        server.stop()


def _sign_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/dev/login")
    page.get_by_role("button", name=f"Sign in as {name}").click()
    page.wait_for_load_state()


def _sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def _awards(base: str, client_id: str, secret: str) -> list[dict[str, Any]]:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token_request = urllib.request.Request(
        f"{base}/oauth/token",
        data=b"grant_type=client_credentials",
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(token_request, timeout=10) as answer:  # noqa: S310 - the live test server
        token = json.load(answer)["access_token"]
    # Kenji's awards (the demo's generated reports history holds hundreds of others).
    listing = urllib.request.Request(
        f"{base}/api/v1/students/S1009/credit-awards", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(listing, timeout=10) as answer:  # noqa: S310
        return json.load(answer)["data"]


def _mailbox_has(page: Any, base: str, subject: str) -> None:
    page.goto(f"{base}/dev/mailbox")
    assert subject in page.content(), subject


def _decide_kenji(page: Any, base: str, who: str, step: str) -> None:
    _sign_in(page, base, who)
    page.goto(f"{base}/approvals")
    check_accessibility(page)
    page.get_by_label("Student name or campus id").fill("Kenji")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "1 request waiting" in page.content()
    page.get_by_role("link", name="Kenji Sato").click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert f"Your decision: {step}" in page.content()
    page.get_by_label("Comment").fill(f"{step}: approved.")
    page.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_url(f"{base}/approvals")
    check_accessibility(page)
    _sign_out(page)


def test_csci_397_goes_advisor_chair_registrar_with_delegate_and_escalation(
    committed_db: Any, live_server: LiveServer, page: Any
) -> None:
    from careercenter.demo import seed_demo

    with committed_db.test_request_context():
        seed_demo(db.session, history=False)
        api = registrar_service.create_client(db.session, "E2E SIS", "credits:read")
        client_id, secret = api.client.client_id, api.secret
        db.session.commit()
        db.session.remove()
    base = live_server.url
    kenji = [a for a in _awards(base, client_id, secret) if a["student"]["name"] == "Kenji Sato"]
    assert kenji == []

    _decide_kenji(page, base, "Dana Whitfield", "Advisor review")
    _mailbox_has(page, base, "Credit request waiting for you: CSCI 397, Kenji Sato")  # to Helen Zhou, the chair
    _mailbox_has(page, base, "Credit request step passed: CSCI 397")  # to Kenji
    _decide_kenji(page, base, "Helen Zhou", "Department chair")
    assert [a for a in _awards(base, client_id, secret) if a["student"]["name"] == "Kenji Sato"] == []
    _decide_kenji(page, base, "Karen Mbeki", "Registrar check")
    [award] = [a for a in _awards(base, client_id, secret) if a["student"]["name"] == "Kenji Sato"]
    assert [(a["step"], a["decided_by"]) for a in award["approvals"]] == [
        ("Advisor review", "Dana Whitfield"),
        ("Department chair", "Helen Zhou"),
        ("Registrar check", "Karen Mbeki"),
    ]
    _mailbox_has(page, base, "Credit request approved: CSCI 397")

    # Raj is away: Dana decides his step on Liam's BUS-390 request, and is named so.
    _sign_in(page, base, "Dana Whitfield")
    page.goto(f"{base}/approvals?rule=BUS-390")
    page.get_by_role("link", name="Liam Chen").click()
    page.wait_for_load_state()
    assert "Your decision: Advisor review (for Raj Patel)" in page.content()
    page.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_url(f"{base}/approvals")
    page.goto(f"{base}/approvals?tab=decided")
    check_accessibility(page)
    assert "Advisor review (for Raj Patel)" in page.content()
    page.get_by_role("link", name="Liam Chen").first.click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert "by Dana Whitfield (for Raj Patel)" in page.get_by_role("region", name="Approval route").inner_text()
    page.goto(f"{base}/me/away")
    check_accessibility(page)
    _sign_out(page)

    # Arjun's chair step is overdue: escalated, so registrar staff see it too.
    _sign_in(page, base, "Karen Mbeki")
    page.goto(f"{base}/approvals?step=Department+chair")
    check_accessibility(page)
    table = page.locator("table").inner_text()
    assert "Arjun Mehta" in table and "overdue, escalated" in table
    page.get_by_role("link", name="record").first.click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert "Student record" in page.title()
