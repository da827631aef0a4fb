"""SAML fixtures: a real pysaml2 IdP process, an SP key pair, an app configured for both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from careercenter.sso.models import Role
from tests.peers.saml_idp import KeyPair, SamlIdp, make_keypair

PUBLIC_URL = "http://careers.test"
ADVISORS = "cn=career-advisors,ou=groups,dc=example,dc=edu"
REGISTRAR = "cn=registrar-staff,ou=groups,dc=example,dc=edu"
#: Without a directory, released affiliations and groups (isMemberOf) map to roles.
ROLE_MAP = {"student": "student", ADVISORS: "advisor", REGISTRAR: "registrar"}

#: The IdP's people, with the attributes a Shibboleth IdP releases (friendly names here;
#: they travel as urn:oid names).
IDP_USERS: dict[str, dict[str, Any]] = {
    "alice": {
        "eduPersonPrincipalName": "alice@example.edu",
        "mail": "alice@example.edu",
        "displayName": "Alice Student",
        "eduPersonAffiliation": ["student", "member"],
        "employeeNumber": "S1001",
    },
    "bob": {
        "eduPersonPrincipalName": "bob@example.edu",
        "mail": "bob@example.edu",
        "displayName": "Bob Advisor",
        "eduPersonAffiliation": ["faculty", "member"],
        "isMemberOf": [ADVISORS],
        "employeeNumber": "F2001",
    },
    "carol": {
        "eduPersonPrincipalName": "carol@example.edu",
        "mail": "Carol@Example.edu",
        "displayName": "Carol Registrar",
        "eduPersonAffiliation": ["staff"],
        "isMemberOf": [REGISTRAR],
        "employeeNumber": "E3001",
    },
    "dave": {
        "eduPersonPrincipalName": "dave@example.edu",
        "mail": "dave@example.edu",
        "displayName": "Dave Newcomer",
        "eduPersonAffiliation": ["student"],
        "employeeNumber": "S1004",
    },
    # People of the campus directory in tests/sso/conftest.py (ePPN local part = their uid).
    "maya": {
        "eduPersonPrincipalName": "maya@example.edu",
        "mail": "maya.okafor@students.example.edu",
        "displayName": "Maya O.",
        "eduPersonAffiliation": ["student"],
        "employeeNumber": "S1001",
    },
    "dana": {
        "eduPersonPrincipalName": "dana@example.edu",
        "mail": "dana.whitfield@example.edu",
        "displayName": "Dana W.",
        "eduPersonAffiliation": ["faculty"],
        "employeeNumber": "F2001",
    },
    "mallory": {
        "eduPersonPrincipalName": "mallory@example.edu",
        "mail": "mallory@example.edu",
        "displayName": "Mallory Visitor",
        "eduPersonAffiliation": ["affiliate"],
        "employeeNumber": "S6666",
    },
}


@pytest.fixture(scope="session")
def saml_sp_keys(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return make_keypair(tmp_path_factory.mktemp("saml-sp"), "sp", "careers.test")


@pytest.fixture(scope="session")
def saml_idp() -> Iterator[SamlIdp]:
    idp = SamlIdp(IDP_USERS).start()
    try:
        yield idp
    finally:
        idp.close()


def saml_config(idp: SamlIdp, keys: KeyPair, **extra: Any) -> dict[str, Any]:
    config = {
        "PUBLIC_URL": PUBLIC_URL,
        "SAML_IDP_METADATA": str(idp.metadata_path),
        "SAML_SP_KEY": str(keys.key_path),
        "SAML_SP_CERT": str(keys.cert_path),
        "LDAP_ROLE_MAP": dict(ROLE_MAP),
    }
    config.update(extra)
    return config


@pytest.fixture()
def saml_app(make_app: Any, saml_idp: SamlIdp, saml_sp_keys: KeyPair, session: Any) -> Flask:
    """An app with SAML on (the development login too, as in every test app)."""
    app = make_app(**saml_config(saml_idp, saml_sp_keys))
    _register(app, saml_idp)
    return app


def _register(app: Flask, idp: SamlIdp) -> None:
    metadata = app.test_client().get("/saml/metadata")
    assert metadata.status_code == 200, metadata.data
    idp.register_sp(metadata.get_data(as_text=True))


@pytest.fixture()
def campus_people(make_person: Any) -> dict[str, Any]:
    """The people the IdP knows, as the career center knows them (by campus id / email)."""
    return {
        "alice": make_person(Role.STUDENT, campus_id="S1001", email="alice@example.edu", name="A. Student"),
        "bob": make_person(Role.ADVISOR, campus_id="F2001", email="bob.old@example.edu", name="Bob Advisor"),
        "carol": make_person(Role.REGISTRAR, campus_id="E3001", email="carol@example.edu", name="Carol Registrar"),
    }


def start(client: Any, next_path: str | None = None) -> str:
    """GET /saml/login; return the IdP URL the SP redirects to."""
    url = "/saml/login" + (f"?next={next_path}" if next_path else "")
    response = client.get(url)
    assert response.status_code == 302, response.data
    return response.headers["Location"]


def metadata_file(tmp: Path, xml: str) -> Path:
    path = tmp / "idp.xml"
    path.write_text(xml)
    return path
