"""CAS 3.0 client: redirect to the server's /login, validate the ticket at /p3/serviceValidate.

Written with `requests` and defusedxml rather than the `python-cas` package, which sets no
timeout and drops the server's error code. The service URL is fixed by configuration
(`PUBLIC_URL` + /cas/callback) and never carries a `next` parameter: where the person goes after
signing in is kept in the session and checked to be a local path.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import sqlalchemy as sa
from defusedxml import ElementTree as SafeET
from flask import Flask, current_app
from sqlalchemy.orm import Session

from careercenter.config import ConfigError
from careercenter.sso.cas_models import CasConsumedTicket
from careercenter.sso.errors import ProviderUnavailable, SignInFailed
from careercenter.sso.federation import FederatedIdentity, all_values, first

log = logging.getLogger(__name__)

CAS_NS = "http://www.yale.edu/tp/cas"
#: CAS protocol 3.0, section 3.1.1: service tickets begin with "ST-"; at most 256 characters.
TICKET_PATTERN = re.compile(r"ST-[A-Za-z0-9._\-]{1,253}")
TICKET_IN_TEXT = re.compile(r"ST-[A-Za-z0-9._\-]+")
MAX_RESPONSE_BYTES = 256 * 1024


@dataclass(frozen=True)
class CasSettings:
    server_url: str
    service_url: str
    public_url: str
    timeout: float
    campus_id_attribute: str
    email_attribute: str
    name_attribute: str
    affiliation_attribute: str
    groups_attribute: str

    @property
    def origin(self) -> str:
        parts = urlsplit(self.server_url)
        return f"{parts.scheme}://{parts.netloc}"


def cas_settings(config: Mapping[str, Any]) -> CasSettings | None:
    """The CAS client settings, or None when `CAREERCENTER_CAS_SERVER_URL` is not set."""
    url = config.get("CAS_SERVER_URL")
    if not url:
        return None
    parts = urlsplit(str(url))
    if parts.scheme not in {"https", "http"} or not parts.netloc or parts.query:
        raise ConfigError(
            "CAREERCENTER_CAS_SERVER_URL must be the CAS server's base URL, "
            f"e.g. https://cas.example.edu/cas, not {url!r}"
        )
    if config.get("IS_PRODUCTION") and parts.scheme != "https":
        raise ConfigError("CAREERCENTER_CAS_SERVER_URL must be an https:// URL in production")
    timeout = float(config.get("CAS_TIMEOUT") or 10)
    if timeout <= 0:
        raise ConfigError("CAREERCENTER_CAS_TIMEOUT must be a positive number of seconds")
    public_url = str(config["PUBLIC_URL"]).rstrip("/")
    return CasSettings(
        server_url=str(url).rstrip("/"),
        service_url=f"{public_url}/cas/callback",
        public_url=public_url,
        timeout=timeout,
        campus_id_attribute=config.get("CAS_CAMPUS_ID_ATTRIBUTE") or "employeeNumber",
        email_attribute=config.get("CAS_EMAIL_ATTRIBUTE") or "mail",
        name_attribute=config.get("CAS_NAME_ATTRIBUTE") or "displayName",
        affiliation_attribute=config.get("CAS_AFFILIATION_ATTRIBUTE") or "eduPersonAffiliation",
        groups_attribute=config.get("CAS_GROUPS_ATTRIBUTE") or "memberOf",
    )


def init_cas(app: Flask, settings: CasSettings) -> None:
    app.extensions["careercenter_cas"] = settings


def _settings() -> CasSettings:
    return current_app.extensions["careercenter_cas"]


def login_url() -> str:
    """The CAS server's login URL for our fixed service URL."""
    settings = _settings()
    return f"{settings.server_url}/login?{urlencode({'service': settings.service_url})}"


def logout_url() -> str:
    """The CAS server's logout URL, asking it to send the browser back to our front page."""
    settings = _settings()
    return f"{settings.server_url}/logout?{urlencode({'service': settings.public_url + '/'})}"


def _refuse(reason: str, detail: str | None = None) -> SignInFailed:
    log.info("CAS ticket refused: %s", detail or reason)
    return SignInFailed(
        f"The campus sign-in answer could not be accepted ({reason}). Please start again from the sign-in page."
    )


def not_started() -> SignInFailed:
    """The refusal for a callback in a browser that did not start a CAS sign-in here."""
    return _refuse("no sign-in was started in this browser", "callback without /cas/login")


def validate_ticket(session: Session, ticket: str | None) -> FederatedIdentity:
    """Validate `ticket` for our service URL at /p3/serviceValidate; return who it names.

    The ticket's hash is recorded first, so a ticket the server refused is not tried again
    (the server refuses a reuse too). The caller commits, also when this raises SignInFailed.
    """
    settings = _settings()
    if not ticket or not TICKET_PATTERN.fullmatch(ticket):
        raise _refuse("no valid ticket", "malformed or missing ticket")
    digest = hashlib.sha256(ticket.encode()).hexdigest()
    try:
        with session.begin_nested():
            session.add(CasConsumedTicket(ticket_hash=digest))
    except sa.exc.IntegrityError:
        raise _refuse("it was already used", "ticket seen before") from None
    try:
        response = requests.get(
            f"{settings.server_url}/p3/serviceValidate",
            params={"service": settings.service_url, "ticket": ticket},
            timeout=settings.timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        log.warning("CAS server unavailable: %s", type(exc).__name__)
        raise ProviderUnavailable(
            "The campus sign-in service (CAS) cannot be reached right now. Please try again in a few minutes."
        ) from None
    if response.status_code != 200 or len(response.content) > MAX_RESPONSE_BYTES:
        log.warning("CAS server answered %s to serviceValidate", response.status_code)
        raise ProviderUnavailable(
            "The campus sign-in service (CAS) did not answer properly. Please try again in a few minutes."
        )
    return parse_service_response(response.content, settings)


def parse_service_response(body: bytes, settings: CasSettings) -> FederatedIdentity:
    """Read a CAS 3.0 serviceResponse: the user and released attributes, or the error code."""
    try:
        root = SafeET.fromstring(body)
    except Exception:  # defusedxml / expat: not XML, or XML with entities
        raise _refuse("the server's answer is not readable", "unparseable serviceResponse") from None
    if root.tag != f"{{{CAS_NS}}}serviceResponse":
        raise _refuse("the server's answer is not readable", f"root {root.tag!r}")
    failure = root.find(f"{{{CAS_NS}}}authenticationFailure")
    if failure is not None:
        code = failure.get("code") or "UNKNOWN"
        # The server's message often quotes the ticket: keep bearer secrets out of the log.
        message = TICKET_IN_TEXT.sub("ST-…", (failure.text or "").strip()[:200])
        raise _refuse(f"the CAS server says {code}", f"{code}: {message}")
    success = root.find(f"{{{CAS_NS}}}authenticationSuccess")
    user = success.findtext(f"{{{CAS_NS}}}user") if success is not None else None
    if not user or not user.strip():
        raise _refuse("it names nobody", "no cas:user")
    attributes: dict[str, list[str]] = {}
    holder = success.find(f"{{{CAS_NS}}}attributes") if success is not None else None
    for element in list(holder) if holder is not None else []:
        name = element.tag.split("}", 1)[-1]
        attributes.setdefault(name, []).append((element.text or "").strip())
    user = user.strip()
    return FederatedIdentity(
        method="cas",
        subject=f"cas:{settings.server_url}|{user}",
        username=user,
        email=first(attributes.get(settings.email_attribute)),
        campus_id=first(attributes.get(settings.campus_id_attribute)),
        display_name=first(attributes.get(settings.name_attribute)),
        affiliations=all_values(attributes.get(settings.affiliation_attribute)),
        groups=all_values(attributes.get(settings.groups_attribute)),
        attributes={k: tuple(v) for k, v in attributes.items()},
    )
