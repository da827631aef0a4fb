"""The front page, sign-in and each role's home page in a real browser, checked with axe."""

from __future__ import annotations

from typing import Any

import pytest

from careercenter.demo import seed_demo
from careercenter.extensions import db
from tests.peers.browser import check_accessibility


@pytest.fixture()
def demo_campus(live_server: Any, make_app: Any) -> None:
    app = make_app()
    with app.app_context():
        seed_demo(db.session)
        db.session.commit()


def test_front_page_and_sign_in_are_accessible(page: Any, live_server: Any, demo_campus: None) -> None:
    page.goto(live_server.url + "/")
    check_accessibility(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Micro-internships, made into academic records"
    page.get_by_role("link", name="Sign in").first.click()
    check_accessibility(page)
    page.get_by_role("link", name="Choose a demo person").click()
    check_accessibility(page)
    assert page.get_by_role("button", name="Sign in as Maya Okafor").is_visible()


def test_skip_link_is_first_and_reaches_main(page: Any, live_server: Any, demo_campus: None) -> None:
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("Maya Okafor", "My records"),
        ("Dana Whitfield", "Advising"),
        ("Karen Mbeki", "Registrar"),
        ("Alex Morgan", "Administration"),
    ],
)
def test_each_role_home_in_the_browser(
    page: Any, live_server: Any, demo_campus: None, sign_in: Any, name: str, heading: str
) -> None:
    sign_in(name)
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert f"Signed in as {name}" in page.content()
    check_accessibility(page)
    # Signing out is a real CSRF-protected form post.
    page.get_by_role("button", name="Sign out").click()
    # the click starts a navigation; read the page once the answer has arrived (the content
    # read at once was sometimes the empty document between the two pages)
    page.get_by_text("You have signed out.").wait_for()
    assert "You have signed out." in page.content()
    check_accessibility(page)
