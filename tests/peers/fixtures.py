"""pytest plugin with the real peers as fixtures.

Load it with ``pytest_plugins = ["tests.peers.fixtures"]`` in the top-level ``conftest.py``.
Session-scoped peers are shared by all tests: a test that changes one (stops it, switches a
mode, adds entries) puts it back, e.g. ``with slapd.outage(): ...``, ``smtp_server.reset()``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

from tests.peers.ldap import CampusDirectory
from tests.peers.oidc import OidcClient, OidcProvider
from tests.peers.smtp import SmtpServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = "/usr/bin/chromium"

OidcProviderFactory = Callable[..., OidcProvider]


@pytest.fixture(scope="session")
def slapd() -> Iterator[CampusDirectory]:
    """A running directory with the suffix, ou=people, ou=groups and cn=reader."""
    directory = CampusDirectory()
    directory.start()
    try:
        directory.add_base()
        yield directory
    finally:
        directory.close()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server on 127.0.0.1 (no auth, accepting everything)."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def oidc_provider_factory() -> Iterator[OidcProviderFactory]:
    """``factory(client=OidcClient(...), accounts={...}, **OidcProvider options)`` -> started.

    Every provider made is closed at the end of the session (or earlier by ``.close()``).
    """
    made: list[OidcProvider] = []

    def factory(*, client: OidcClient, accounts: Mapping[str, Mapping[str, Any]], **options: Any) -> OidcProvider:
        provider = OidcProvider(client, accounts, **options)
        made.append(provider)
        return provider.start()

    try:
        yield factory
    finally:
        for provider in made:
            provider.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """A headless Debian chromium driven by Playwright."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/install-system-deps.sh (Debian package "
            "'chromium'); `playwright install` is not used here",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright

        from tests.peers.browser import launch_chromium
    except ImportError as exc:
        pytest.fail(f"Playwright for Python is not installed: {exc}", pytrace=False)

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context and page for one test (closed after it)."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()
