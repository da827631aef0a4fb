"""Signed IdP metadata (as a federation such as InCommon publishes it), checked against the
federation's certificate: a good signature lets people sign in; anything else turns SAML off
with a clear 503 until the operator looks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.metadata import OneLogin_Saml2_Metadata

from tests.peers.saml_idp import make_keypair
from tests.sso_saml.conftest import _register, saml_config, start


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return make_keypair(tmp_path_factory.mktemp("federation"), "federation", "Test Federation Signer")


def _signed(idp: Any, keys: Any, *, valid_until: str | None = None, sha1: bool = False) -> str:
    xml = idp.metadata_path.read_text()
    if valid_until:
        xml = re.sub(r"(<(?:\w+:)?EntityDescriptor )", rf'\1validUntil="{valid_until}" ', xml, count=1)
    algorithms = (C.RSA_SHA1, C.SHA1) if sha1 else (C.RSA_SHA256, C.SHA256)
    signed = OneLogin_Saml2_Metadata.sign_metadata(xml, keys.key_pem, keys.cert_pem, *algorithms)
    return signed.decode() if isinstance(signed, bytes) else signed


def _app(make_app: Any, idp: Any, sp_keys: Any, tmp_path: Path, xml: str, cert: Any) -> Any:
    path = tmp_path / "signed-idp.xml"
    path.write_text(xml)
    return make_app(**saml_config(idp, sp_keys, SAML_IDP_METADATA=str(path), SAML_IDP_METADATA_CERT=str(cert)))


def test_signed_metadata_lets_people_in(
    make_app: Any, saml_idp: Any, saml_sp_keys: Any, federation: Any, tmp_path: Path, campus_people: Any
) -> None:
    app = _app(make_app, saml_idp, saml_sp_keys, tmp_path, _signed(saml_idp, federation), federation.cert_path)
    _register(app, saml_idp)
    client = app.test_client()
    post = saml_idp.sign_in(start(client), "alice")
    assert client.post("/saml/acs", data=post.form()).headers["Location"] == "/student"


REASONS = {
    "unsigned": "0 signatures on the root element",
    "other_signer": "the signature does not verify",
    "tampered": "the signature does not verify",
    "sha1": "SHA-1 signature",
    "expired": "expired (validUntil 2020-01-01T00:00:00Z)",
}


@pytest.mark.parametrize("case", sorted(REASONS))
def test_untrusted_metadata_turns_saml_off(
    make_app: Any,
    saml_idp: Any,
    saml_sp_keys: Any,
    federation: Any,
    tmp_path: Path,
    session: Any,
    caplog: Any,
    case: str,
) -> None:
    if case == "unsigned":
        xml = saml_idp.metadata_path.read_text()
    elif case == "other_signer":
        xml = _signed(saml_idp, make_keypair(tmp_path / "rogue", "rogue", "Test Federation Signer"))
    elif case == "tampered":
        # Someone swaps the sign-on endpoint for their own after the federation signed.
        xml = _signed(saml_idp, federation).replace(f"{saml_idp.base_url}/sso/redirect", "https://evil.example.com/sso")
    elif case == "sha1":
        xml = _signed(saml_idp, federation, sha1=True)
    else:
        xml = _signed(saml_idp, federation, valid_until="2020-01-01T00:00:00Z")
    app = _app(make_app, saml_idp, saml_sp_keys, tmp_path, xml, federation.cert_path)
    response = app.test_client().get("/saml/login")
    assert response.status_code == 503
    assert "could not be trusted" in response.get_data(as_text=True)
    assert f"metadata refused: {REASONS[case]}" in caplog.text
