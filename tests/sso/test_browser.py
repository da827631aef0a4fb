"""Sign-in in a real browser (Chromium): the real provider, the real directory, axe on every page."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.peers.browser import check_accessibility
from tests.peers.ldap import CampusDirectory
from tests.peers.live_server import LiveServer
from tests.peers.oidc import OidcClient
from tests.sso.conftest import directory_config
from tests.sso.test_oidc import ACCOUNTS

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def serve(committed_db: Any, make_app: Any) -> Iterator[Any]:
    servers: list[LiveServer] = []

    def start(**config: Any) -> str:
        port = config.pop("port")
        app = make_app(PUBLIC_URL=f"http://127.0.0.1:{port}", WTF_CSRF_ENABLED=True, **config)
        servers.append(LiveServer(app, port=port))
        return servers[-1].url

    yield start
    for server in servers:
        server.stop()


def test_oidc_sign_in_and_out_in_a_browser(
    serve: Any, oidc_provider_factory: Any, campus: CampusDirectory, page: Any
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    op = oidc_provider_factory(
        client=OidcClient(redirect_uris=[f"{base}/auth/callback"], post_logout_redirect_uris=[f"{base}/"]),
        accounts=ACCOUNTS,
    )
    try:
        serve(
            port=port,
            **directory_config(
                campus,
                OIDC_ISSUER=op.issuer,
                OIDC_CLIENT_ID=op.client.client_id,
                OIDC_CLIENT_SECRET=op.client.client_secret,
            ),
        )
        page.goto(f"{base}/login")  # the only method: straight to the provider
        assert page.url.startswith(f"{op.issuer}/interaction/")
        check_accessibility(page)  # the provider's page, but part of the person's way in
        page.get_by_label("Login").fill("dana")
        page.get_by_label("Password").fill("secret")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/advisor")
        assert "Signed in as Dana Whitfield." in page.content()
        check_accessibility(page)
        # Sign out: a form POST whose redirect goes to the provider (CSP form-action allows it).
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{op.issuer}/**")
        check_accessibility(page)
        page.get_by_role("button", name="Yes, sign me out").click()
        page.wait_for_url(f"{base}/**")
        assert "You have signed out." in page.content()
        assert page.get_by_role("button", name="Sign out").count() == 0
        check_accessibility(page)
    finally:
        op.close()


def test_directory_form_in_a_browser(serve: Any, campus: CampusDirectory, page: Any) -> None:
    port = _free_port()
    base = serve(port=port, **directory_config(campus))
    page.goto(f"{base}/login")
    check_accessibility(page)
    page.get_by_label("Username").fill("maya")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("#password-error").inner_text() == "The username or password is not correct."
    check_accessibility(page)
    page.get_by_label("Username").fill("vic")
    page.get_by_label("Password").fill("secret")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sign-in refused"
    check_accessibility(page)
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill("maya")
    page.get_by_label("Password").fill("secret")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/student")
    check_accessibility(page)
