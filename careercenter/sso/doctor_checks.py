"""`flask doctor` checks for SAML and CAS (registered into careercenter.doctor's list)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from flask import Flask

from careercenter.doctor import TIMEOUT, Result, _check_key_and_cert, _one_line, check
from careercenter.sso.errors import SignInError


@check
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
    key, cert = app.config.get("SAML_SP_KEY"), app.config.get("SAML_SP_CERT")
    if key and cert and Path(str(key)).is_file() and Path(str(cert)).is_file():
        yield from _check_key_and_cert("saml sp key", str(key), str(cert))


@check
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
