"""SAML and CAS sign-in in a real browser (Chromium), as a new user would: the sign-in page with
the campus's labels, the IdP's / CAS server's own login form, back to the role's home page.

The service runs at http://localhost:<port> and the IdP at http://127.0.0.1:<port>, so the IdP's
POST to the ACS is cross-site, as in real life: the browser does not send the SameSite=Lax
session cookie with it, and sign-in must work all the same (state is kept server-side).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from careercenter.extensions import db
from careercenter.sso.models import Person, Role
from tests.peers.browser import check_accessibility
from tests.peers.cas_server import CasServer
from tests.peers.live_server import LiveServer
from tests.sso_cas.conftest import CAS_USERS
from tests.sso_saml.conftest import ROLE_MAP, _register, saml_config

pytestmark = pytest.mark.e2e

LABELS = [
    {"method": "saml", "label": "Campus sign-in (Shibboleth)"},
    {"method": "cas", "label": "Medical School (CAS)"},
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def browser_cas() -> Iterator[CasServer]:
    server = CasServer(CAS_USERS, service_pattern=r"^http://localhost:\d+/cas/callback$").start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture()
def site(committed_db: Any, make_app: Any, saml_idp: Any, saml_sp_keys: Any, browser_cas: CasServer) -> Iterator[str]:
    port = _free_port()
    base = f"http://localhost:{port}"
    app = make_app(
        **saml_config(
            saml_idp,
            saml_sp_keys,
            PUBLIC_URL=base,
            WTF_CSRF_ENABLED=True,
            DEV_LOGIN=False,
            CAS_SERVER_URL=browser_cas.url,
            LOGIN_METHODS=LABELS,
            LDAP_ROLE_MAP=ROLE_MAP,
        )
    )
    with app.app_context():
        for campus_id, email, name, role in (
            ("S1001", "alice@example.edu", "Alice Student", Role.STUDENT),
            ("F2001", "bob@example.edu", "Bob Advisor", Role.ADVISOR),
        ):
            person = Person(campus_id=campus_id, email=email, display_name=name)
            person.set_roles({role})
            db.session.add(person)
        db.session.commit()
        db.session.remove()
    _register(app, saml_idp)
    server = LiveServer(app, port=port)
    try:
        yield base
    finally:
        server.stop()


def test_saml_sign_in_and_out_in_a_browser(site: str, saml_idp: Any, page: Any) -> None:
    page.goto(f"{site}/login")
    check_accessibility(page)
    page.get_by_role("link", name="Campus sign-in (Shibboleth)").click()
    page.wait_for_url(f"{saml_idp.base_url}/sso/redirect?**")
    page.get_by_label("Login").fill("bob")
    page.get_by_label("Password").fill("secret")
    page.get_by_role("button", name="Sign in").click()
    # The IdP's page posts the response to our ACS (cross-site) and we land on the role's home.
    page.wait_for_url(f"{site}/advisor")
    assert "Signed in as Bob Advisor." in page.content()
    check_accessibility(page)
    page.get_by_role("button", name="Sign out").click()
    # Single logout at the IdP, then back to our front page.
    page.wait_for_url(f"{site}/")
    assert page.get_by_role("button", name="Sign out").count() == 0
    page.goto(f"{site}/advisor")
    assert page.url.startswith(f"{site}/login")


def test_cas_sign_in_in_a_browser(site: str, browser_cas: CasServer, page: Any) -> None:
    page.goto(f"{site}/login?next=/me")
    page.get_by_role("link", name="Medical School (CAS)").click()
    page.wait_for_url(f"{browser_cas.url}/login?**")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("secret")
    page.get_by_role("button", name="Login").click()
    page.wait_for_url(f"{site}/me")
    assert "Alice Student" in page.content()
    check_accessibility(page)


def test_refusal_page_in_a_browser(site: str, browser_cas: CasServer, page: Any) -> None:
    page.goto(f"{site}/cas/login")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("secret")
    page.get_by_role("button", name="Login").click()
    page.wait_for_url(f"{site}/cas/callback?**")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign-in refused"
    check_accessibility(page)
