"""The IdP's SAML metadata: fetched from a file or URL (with a timeout, cached an hour),
optionally checked against a federation's signing certificate, parsed for python3-saml."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from defusedxml import ElementTree as SafeET
from flask import current_app

from careercenter.db import utcnow
from careercenter.sso.errors import ProviderUnavailable
from careercenter.sso.saml_settings import SamlSettings

log = logging.getLogger(__name__)

#: How long IdP metadata fetched from a URL is reused before it is fetched again.
METADATA_TTL_SECONDS = 3600


def _fetch_metadata(settings: SamlSettings) -> str:
    if not settings.metadata_is_url:
        return Path(settings.idp_metadata).read_text()
    try:
        response = requests.get(settings.idp_metadata, timeout=settings.timeout)
        response.raise_for_status()
    except requests.RequestException as exc:
        log.warning("SAML IdP metadata unavailable: %s", type(exc).__name__)
        raise ProviderUnavailable(
            "The campus sign-in service (SAML) cannot be reached right now. Please try again in a few minutes."
        ) from None
    return response.text


def idp_data(settings: SamlSettings) -> dict[str, Any]:
    """The IdP part of python3-saml's settings, parsed from its metadata (cached for an hour)."""
    cache = current_app.extensions.setdefault("careercenter_saml_idp_cache", {})
    cached = cache.get(settings.idp_metadata)
    if cached and time.monotonic() - cached[0] < METADATA_TTL_SECONDS:
        return cached[1]
    xml = _fetch_metadata(settings)
    if settings.idp_metadata_cert:
        verify_metadata(xml, settings.idp_metadata_cert)
    idp = parse_metadata(xml, settings.idp_entity_id)
    if not idp.get("entityId") or not idp.get("singleSignOnService", {}).get("url"):
        raise ProviderUnavailable(
            "The campus sign-in service's metadata names no identity provider with an HTTP-Redirect sign-on "
            "endpoint. The service operator must check CAREERCENTER_SAML_IDP_METADATA / _IDP_ENTITY_ID."
        )
    cache[settings.idp_metadata] = (time.monotonic(), idp)
    return idp


DS = "http://www.w3.org/2000/09/xmldsig#"


def verify_metadata(xml: str, cert_pem: str) -> None:
    """Check that signed metadata (a federation aggregate, or one entity) is whole and current.

    One enveloped signature over the root element, by `cert_pem`, no SHA-1, and a `validUntil`
    (when present) in the future; anything else raises `ProviderUnavailable`.
    """
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    def untrusted(detail: str) -> ProviderUnavailable:
        log.warning("SAML IdP metadata refused: %s", detail)
        return ProviderUnavailable(
            "The campus sign-in service's metadata could not be trusted, so sign-in is off until the service "
            "operator checks CAREERCENTER_SAML_IDP_METADATA and CAREERCENTER_SAML_IDP_METADATA_CERT."
        )

    try:
        root = SafeET.fromstring(xml)
    except Exception:  # defusedxml / expat
        raise untrusted("not XML, or XML with entities") from None
    signatures = [child for child in root if child.tag == f"{{{DS}}}Signature"]
    if len(signatures) != 1:
        raise untrusted(f"{len(signatures)} signatures on the root element")
    references = signatures[0].findall(f".//{{{DS}}}Reference")
    root_id = root.get("ID")
    if len(references) != 1 or references[0].get("URI") not in {"", f"#{root_id}" if root_id else ""}:
        raise untrusted("the signature does not cover the whole document")
    algorithms = [
        element.get("Algorithm") or ""
        for element in signatures[0].iter()
        if element.tag in {f"{{{DS}}}SignatureMethod", f"{{{DS}}}DigestMethod"}
    ]
    if any(a.endswith(("rsa-sha1", "#sha1")) for a in algorithms):
        raise untrusted("SHA-1 signature")
    valid_until = root.get("validUntil")
    if valid_until:
        try:
            until = datetime.fromisoformat(valid_until.replace("Z", "+00:00"))
        except ValueError:
            raise untrusted(f"unreadable validUntil {valid_until!r}") from None
        if until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
        if until <= utcnow():
            raise untrusted(f"expired (validUntil {valid_until})")
    if not OneLogin_Saml2_Utils.validate_metadata_sign(xml, cert=cert_pem):
        raise untrusted("the signature does not verify with CAREERCENTER_SAML_IDP_METADATA_CERT")


def parse_metadata(xml: str, entity_id: str | None) -> dict[str, Any]:
    """The IdP part of python3-saml's settings from metadata XML ({} when unusable)."""
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(xml, entity_id=entity_id)
    except Exception as exc:  # lxml / parser errors: the metadata is not usable
        log.warning("SAML IdP metadata unreadable: %s", exc)
        return {}
    return dict(parsed.get("idp") or {})
