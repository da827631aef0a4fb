"""CAS fixtures: a real django-mama-cas server process and an app configured for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from careercenter.sso.models import Role
from tests.peers.cas_server import CasServer
from tests.sso_saml.conftest import ADVISORS, REGISTRAR, ROLE_MAP, saml_idp, saml_sp_keys  # noqa: F401  (for the several-methods tests)

PUBLIC_URL = "http://careers.test"
SERVICE_URL = f"{PUBLIC_URL}/cas/callback"

CAS_USERS: dict[str, dict[str, Any]] = {
    "alice": {
        "mail": "alice@example.edu",
        "displayName": "Alice Student",
        "eduPersonAffiliation": ["student", "member"],
        "employeeNumber": "S1001",
    },
    "bob": {
        "mail": "bob@example.edu",
        "displayName": "Bob Advisor",
        "eduPersonAffiliation": ["faculty"],
        "memberOf": [ADVISORS],
        "employeeNumber": "F2001",
    },
    "carol": {
        "mail": "carol@example.edu",
        "displayName": "Carol Registrar",
        "memberOf": [REGISTRAR],
        "employeeNumber": "E3001",
    },
    # People of the campus directory in tests/sso/conftest.py.
    "maya": {"mail": "maya.okafor@students.example.edu", "employeeNumber": "S1001"},
    "karen": {"mail": "karen.mbeki@example.edu", "employeeNumber": "R3001"},
    "nobody": {
        "mail": "nobody@example.edu",
        "displayName": "No Body",
        "eduPersonAffiliation": ["affiliate"],
        "employeeNumber": "X0000",
    },
}


@pytest.fixture(scope="session")
def cas_server() -> Iterator[CasServer]:
    server = CasServer(CAS_USERS).start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture()
def cas_app(make_app: Any, cas_server: CasServer, session: Any) -> Flask:
    return make_app(PUBLIC_URL=PUBLIC_URL, CAS_SERVER_URL=cas_server.url, CAS_TIMEOUT=5, LDAP_ROLE_MAP=dict(ROLE_MAP))


@pytest.fixture()
def cas_people(make_person: Any) -> dict[str, Any]:
    return {
        "alice": make_person(Role.STUDENT, campus_id="S1001", email="alice@example.edu", name="A. Student"),
        "bob": make_person(Role.ADVISOR, campus_id="F2001", email="bob@example.edu", name="Bob Advisor"),
        "carol": make_person(Role.REGISTRAR, campus_id="E3001", email="carol@example.edu", name="Carol R."),
    }


def callback_path(location: str) -> str:
    """The local part of the service URL CAS sends the browser back to."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == SERVICE_URL, location
    return f"{parts.path}?{parts.query}"
