"""`flask doctor` lines for SAML and CAS, against the real IdP and CAS server, healthy and down."""

from __future__ import annotations

from typing import Any

from careercenter.doctor import run_checks
from tests.sso_saml.conftest import saml_config


def _statuses(app: Any) -> dict[str, tuple[str, str]]:
    return {r.name: (r.status, r.detail) for r in run_checks(app)}


def test_healthy(make_app: Any, saml_idp: Any, saml_sp_keys: Any, cas_server: Any) -> None:
    app = make_app(
        **saml_config(saml_idp, saml_sp_keys, SAML_IDP_METADATA=saml_idp.metadata_url), CAS_SERVER_URL=cas_server.url
    )
    result = _statuses(app)
    assert result["saml"] == (
        "OK",
        f"IdP {saml_idp.entity_id} with single logout; register http://careers.test/saml/metadata there",
    )
    assert result["saml sp key"][0] == "OK"
    assert result["cas"][0] == "OK" and "http://careers.test/cas/callback" in result["cas"][1]
    assert result["oidc"][0] == "OK"


def test_unconfigured(make_app: Any) -> None:
    result = _statuses(make_app())
    assert result["saml"] == ("OK", "not configured (CAREERCENTER_SAML_IDP_METADATA)")
    assert result["cas"] == ("OK", "not configured (CAREERCENTER_CAS_SERVER_URL)")


def test_down(make_app: Any, saml_idp: Any, saml_sp_keys: Any) -> None:
    app = make_app(
        **saml_config(saml_idp, saml_sp_keys, SAML_IDP_METADATA="http://127.0.0.1:9/idp/metadata"),
        CAS_SERVER_URL="http://127.0.0.1:9/cas",
    )
    result = _statuses(app)
    assert result["saml"][0] == "FAIL" and "cannot be reached" in result["saml"][1]
    assert result["cas"][0] == "FAIL" and "unreachable" in result["cas"][1]
