"""Maya makes a share link in Chromium (CSRF on), the recipient opens it signed out; both
pages pass axe (WCAG 2.1 A/AA), and the view shows up on her /me/shares. The wallet page too."""

from __future__ import annotations

from typing import Any

import pytest

from careercenter.demo import seed_demo
from careercenter.extensions import db
from tests.peers.browser import check_accessibility

pytestmark = pytest.mark.e2e


def test_student_shares_and_recipient_views(
    committed_db: Any, live_server: Any, page: Any, sign_in: Any, browser: Any
) -> None:
    with committed_db.app_context():
        seed_demo(db.session, history=False)
        db.session.commit()
        db.session.remove()
    sign_in("Maya Okafor")
    page.goto(f"{live_server.url}/me/shares")
    check_accessibility(page)
    page.get_by_label("Recipient").fill("Contoso Hiring Team")
    page.get_by_label("Purpose of the disclosure").fill("Graduate trainee application")
    page.get_by_role("checkbox").first.check()
    page.get_by_label("Sign: type your full name").fill("Someone Else")
    page.get_by_role("button", name="Sign and make the link").click()
    assert page.get_by_role("alert").get_by_text("Type your name exactly").is_visible()
    check_accessibility(page)
    page.get_by_role("checkbox").first.check()
    page.get_by_label("Sign: type your full name").fill("Maya Okafor")
    page.get_by_role("button", name="Sign and make the link").click()
    link = page.get_by_label("Link").input_value()
    check_accessibility(page)

    recipient = browser.new_context()
    try:
        other = recipient.new_page()
        other.goto(link.replace("http://careers.test", live_server.url))
        assert other.get_by_role("heading", name="Records shared by Maya Okafor").is_visible()
        assert other.get_by_text("Graduate trainee application").first.is_visible()
        check_accessibility(other)
    finally:
        recipient.close()
    page.goto(f"{live_server.url}/me/shares")
    row = page.get_by_role("row").filter(has_text="Contoso Hiring Team")
    assert " UTC" in row.inner_text() and "live" in row.inner_text()


def test_wallet_page_is_accessible(committed_db: Any, live_server: Any, page: Any, sign_in: Any) -> None:
    with committed_db.app_context():
        seed_demo(db.session, history=False)
        db.session.commit()
        db.session.remove()
    sign_in("Maya Okafor")
    page.goto(f"{live_server.url}/me/credentials")
    check_accessibility(page)
    from playwright.sync_api import expect

    page.get_by_role("button", name="Add my whole record to a wallet").click()
    expect(page.get_by_role("img", name="QR code of the wallet link below")).to_be_visible()
    assert page.get_by_role("link", name="Open in my wallet").get_attribute("href").startswith("https://lcw.app/")
    check_accessibility(page)
