"""The SAML service provider's settings (`CAREERCENTER_SAML_*`), checked at start-up, and the
python3-saml settings dictionary they make. Below `saml_metadata` and `saml`: imports neither."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careercenter.config import ConfigError

#: employeeNumber: the usual place for a registrar's id; campuses may name another attribute.
OID_EMPLOYEE_NUMBER = "urn:oid:2.16.840.1.113730.3.1.3"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@dataclass(frozen=True)
class SamlSettings:
    """The SP's own settings (from `CAREERCENTER_SAML_*`), checked at start-up."""

    idp_metadata: str
    idp_entity_id: str | None
    #: PEM of the key that signs the metadata (a federation's, e.g. InCommon's); None: unchecked.
    idp_metadata_cert: str | None
    sp_entity_id: str
    sp_key: str
    sp_cert: str
    public_url: str
    campus_id_attribute: str
    want_assertions_encrypted: bool
    sign_authn_requests: bool
    timeout: float

    @property
    def acs_url(self) -> str:
        return f"{self.public_url}/saml/acs"

    @property
    def sls_url(self) -> str:
        return f"{self.public_url}/saml/sls"

    @property
    def metadata_is_url(self) -> bool:
        return self.idp_metadata.startswith(("https://", "http://"))


def _pem(value: str, what: str, prefix: str = "SAML_SP_") -> str:
    """A PEM given inline or as a file path."""
    if "-----BEGIN" in value:
        return value
    path = Path(value)
    if not path.is_file():
        raise ConfigError(
            f"CAREERCENTER_{prefix}{what} must be a PEM file path (or the PEM itself): {value!r} is not a file"
        )
    return path.read_text()


def saml_settings(config: Mapping[str, Any]) -> SamlSettings | None:
    """The SP settings, or None when `CAREERCENTER_SAML_IDP_METADATA` is not set."""
    source = config.get("SAML_IDP_METADATA")
    if not source:
        return None
    if not config.get("SAML_SP_KEY") or not config.get("SAML_SP_CERT"):
        raise ConfigError(
            "CAREERCENTER_SAML_SP_KEY and CAREERCENTER_SAML_SP_CERT are required with CAREERCENTER_SAML_IDP_METADATA "
            "(make a pair with: openssl req -x509 -newkey rsa:3072 -nodes -days 3650 "
            "-keyout sp.key -out sp.crt -subj /CN=careers)"
        )
    if config.get("IS_PRODUCTION") and str(source).startswith("http://"):
        raise ConfigError("CAREERCENTER_SAML_IDP_METADATA must be an https:// URL or a file in production")
    if not str(source).startswith(("https://", "http://")) and not Path(source).is_file():
        raise ConfigError(f"CAREERCENTER_SAML_IDP_METADATA is neither a URL nor a file: {source!r}")
    public_url = str(config["PUBLIC_URL"]).rstrip("/")
    return SamlSettings(
        idp_metadata=str(source),
        idp_entity_id=config.get("SAML_IDP_ENTITY_ID") or None,
        idp_metadata_cert=_pem(str(config["SAML_IDP_METADATA_CERT"]), "IDP_METADATA_CERT", prefix="SAML_")
        if config.get("SAML_IDP_METADATA_CERT")
        else None,
        sp_entity_id=config.get("SAML_SP_ENTITY_ID") or f"{public_url}/saml/metadata",
        sp_key=_pem(str(config["SAML_SP_KEY"]), "KEY"),
        sp_cert=_pem(str(config["SAML_SP_CERT"]), "CERT"),
        public_url=public_url,
        campus_id_attribute=config.get("SAML_CAMPUS_ID_ATTRIBUTE") or OID_EMPLOYEE_NUMBER,
        want_assertions_encrypted=bool(config.get("SAML_WANT_ASSERTIONS_ENCRYPTED")),
        sign_authn_requests=bool(config.get("SAML_SIGN_AUTHN_REQUESTS")),
        timeout=float(config.get("SAML_TIMEOUT") or 10),
    )


def onelogin_settings(settings: SamlSettings, idp: Mapping[str, Any] | None) -> dict[str, Any]:
    """python3-saml's settings dictionary: strict, SHA-256, signatures required."""
    sp: dict[str, Any] = {
        "entityId": settings.sp_entity_id,
        "assertionConsumerService": {"url": settings.acs_url, "binding": BINDING_POST},
        "singleLogoutService": {"url": settings.sls_url, "binding": BINDING_REDIRECT},
        "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
        "x509cert": settings.sp_cert,
        "privateKey": settings.sp_key,
    }
    return {
        "strict": True,
        "debug": False,
        "sp": sp,
        "idp": dict(idp or {"entityId": "", "singleSignOnService": {"url": "", "binding": BINDING_REDIRECT}}),
        "security": {
            "authnRequestsSigned": settings.sign_authn_requests,
            "logoutRequestSigned": True,
            "logoutResponseSigned": True,
            "signMetadata": False,
            "wantMessagesSigned": False,
            "wantAssertionsSigned": False,
            "wantAssertionsEncrypted": settings.want_assertions_encrypted,
            "wantNameIdEncrypted": False,
            "wantAttributeStatement": True,
            "requestedAuthnContext": False,
            "signatureAlgorithm": RSA_SHA256,
            "digestAlgorithm": SHA256,
            "rejectDeprecatedAlgorithm": True,
            "rejectUnsolicitedResponsesWithInResponseTo": True,
            "wantXMLValidation": True,
        },
    }
