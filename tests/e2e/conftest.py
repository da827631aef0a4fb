"""Browser tests: the app served for real (CSRF on, as in production) on committed data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.peers.live_server import LiveServer


@pytest.fixture()
def live_server(committed_db: Any, make_app: Any) -> Iterator[LiveServer]:
    """A live server of an app on the test database, with CSRF protection on."""
    app = make_app(WTF_CSRF_ENABLED=True)
    server = LiveServer(app)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def sign_in(page: Any, live_server: LiveServer) -> Any:
    """Sign the browser in as a demo person through the development login page."""

    def do(display_name: str) -> None:
        page.goto(f"{live_server.url}/dev/login")
        page.get_by_role("button", name=f"Sign in as {display_name}").click()
        page.wait_for_load_state()

    return do
