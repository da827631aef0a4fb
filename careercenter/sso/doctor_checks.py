"""`flask doctor` checks for SAML and CAS (`careercenter/wiring.py` adds them to `careercenter.checks`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import requests
from flask import Flask

from careercenter.checks import CERT_WARN_DAYS, TIMEOUT, Result
from careercenter.checks import one_line as _one_line
from careercenter.db import utcnow
from careercenter.sso.errors import SignInError


def check_saml(app: Flask, _opts: dict[str, Any]) -> Iterator[Result]:
    settings = app.extensions.get("careercenter_saml")
    if settings is None:
        yield Result("OK", "saml", "not configured (CAREERCENTER_SAML_IDP_METADATA)")
        return
    from careercenter.sso import saml

    with app.app_context():
        app.extensions.pop("careercenter_saml_idp_cache", None)  # fetch afresh
        try:
            idp = saml.idp_data(settings)
        except SignInError as exc:
            yield Result("FAIL", "saml", f"IdP metadata: {_one_line(exc)} ({settings.idp_metadata})")
            return
    slo = "with single logout" if idp.get("singleLogoutService", {}).get("url") else "without single logout"
    yield Result("OK", "saml", f"IdP {idp['entityId']} {slo}; register {settings.public_url}/saml/metadata there")
    yield from _sp_key_and_cert(settings.sp_key, settings.sp_cert)


def _sp_key_and_cert(key_pem: str, cert_pem: str) -> Iterator[Result]:
    """The SP key and certificate belong together and the certificate is current."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    name = "saml sp key"
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
        cert = x509.load_pem_x509_certificate(cert_pem.encode())
    except (ValueError, TypeError) as exc:
        yield Result("FAIL", name, f"cannot load CAREERCENTER_SAML_SP_KEY / _CERT: {_one_line(exc)}")
        return
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    pem = serialization.Encoding.PEM
    if key.public_key().public_bytes(pem, public) != cert.public_key().public_bytes(pem, public):
        yield Result("FAIL", name, "CAREERCENTER_SAML_SP_KEY and _CERT do not belong together")
        return
    now, expires = utcnow(), cert.not_valid_after_utc
    if expires <= now:
        yield Result("FAIL", name, f"the SP certificate expired on {expires:%Y-%m-%d}: renew it (and re-register)")
    elif expires - now < timedelta(days=CERT_WARN_DAYS):
        yield Result("WARN", name, f"the SP certificate expires on {expires:%Y-%m-%d}: roll it over soon")
    else:
        yield Result("OK", name, f"key and certificate match, valid until {expires:%Y-%m-%d}")


def check_cas(app: Flask, _opts: dict[str, Any]) -> Iterator[Result]:
    settings = app.extensions.get("careercenter_cas")
    if settings is None:
        yield Result("OK", "cas", "not configured (CAREERCENTER_CAS_SERVER_URL)")
        return
    url = f"{settings.server_url}/login"
    try:
        response = requests.get(url, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        yield Result("FAIL", "cas", f"{url} unreachable: {_one_line(exc)}; check CAREERCENTER_CAS_SERVER_URL")
        return
    if response.status_code != 200:
        yield Result("FAIL", "cas", f"{url} answered {response.status_code}; check CAREERCENTER_CAS_SERVER_URL")
        return
    yield Result("OK", "cas", f"{url} answers; register the service {settings.service_url} there")
