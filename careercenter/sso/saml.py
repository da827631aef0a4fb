"""SAML 2.0 service provider (python3-saml): SP-initiated Web SSO, metadata, single logout.

HTTP-Redirect AuthnRequest out, HTTP-POST Response in. python3-saml runs in strict mode and
refuses deprecated algorithms (SHA-1); on top of it this module keeps the outstanding request
ids and the consumed assertion ids in the database (InResponseTo and replay checks), requires
an AudienceRestriction naming us, and compares Destination and Recipient with the ACS URL
exactly (the library only checks prefixes).

Attributes are read by their urn:oid names, as Shibboleth / InCommon IdPs release them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from defusedxml import ElementTree as SafeET
from flask import Flask, current_app
from sqlalchemy.orm import Session

from careercenter.db import utcnow
from careercenter.sso.errors import ProviderUnavailable, SignInFailed
from careercenter.sso.federation import FederatedIdentity, all_values, first
from careercenter.sso.saml_metadata import idp_data, parse_metadata
from careercenter.sso.saml_models import SamlConsumedAssertion, SamlOutstandingRequest
from careercenter.sso.saml_settings import SamlSettings, onelogin_settings

log = logging.getLogger(__name__)

OID_EPPN = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"
OID_MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
OID_DISPLAY_NAME = "urn:oid:2.16.840.1.113730.3.1.241"
OID_AFFILIATION = "urn:oid:1.3.6.1.4.1.5923.1.1.1.1"
OID_SCOPED_AFFILIATION = "urn:oid:1.3.6.1.4.1.5923.1.1.1.9"
#: isMemberOf: group names (often DNs) the IdP releases, for group-based role mapping.
OID_IS_MEMBER_OF = "urn:oid:1.3.6.1.4.1.5923.1.5.1.1"

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
}

#: How long an AuthnRequest may stay unanswered (a person typing a password, a second factor).
REQUEST_LIFETIME = timedelta(minutes=15)
#: A SAMLResponse larger than this is not an answer from a campus IdP.
MAX_RESPONSE_BYTES = 512 * 1024


def init_saml(app: Flask, settings: SamlSettings) -> None:
    """Keep the settings on the app; allow the IdP's origin as a form target.

    `POST /logout` redirects to the IdP's single logout service, which CSP `form-action` must
    allow. Metadata from a file is read here (no network); from a URL, the URL's origin is
    taken as the IdP's (the usual case: Shibboleth serves its metadata at its entity id).
    """
    app.extensions["careercenter_saml"] = settings
    if settings.metadata_is_url:
        origins = {_origin(settings.idp_metadata)}
    else:
        idp = parse_metadata(Path(settings.idp_metadata).read_text(), settings.idp_entity_id)
        urls = [idp.get("singleSignOnService", {}).get("url"), idp.get("singleLogoutService", {}).get("url")]
        origins = {_origin(url) for url in urls if url}
    extra = list(app.config.get("CSP_FORM_ACTION_EXTRA", []))
    app.config["CSP_FORM_ACTION_EXTRA"] = extra + sorted(origins - set(extra))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _settings() -> SamlSettings:
    return current_app.extensions["careercenter_saml"]


def _request_data(
    url: str, get: Mapping[str, str] | None = None, post: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """What python3-saml calls the request, built from our configured public URL (not the
    Host header), so that Destination checks compare with the address the IdP knows."""
    parts = urlsplit(url)
    return {
        "https": "on" if parts.scheme == "https" else "off",
        "http_host": parts.netloc,
        "script_name": parts.path,
        "get_data": dict(get or {}),
        "post_data": dict(post or {}),
    }


def _auth(
    url: str, *, get: Mapping[str, str] | None = None, post: Mapping[str, str] | None = None, idp: bool = True
) -> Any:
    from onelogin.saml2.auth import OneLogin_Saml2_Auth

    settings = _settings()
    return OneLogin_Saml2_Auth(
        _request_data(url, get, post), onelogin_settings(settings, idp_data(settings) if idp else None)
    )


# -- metadata -------------------------------------------------------------------------------


def sp_metadata() -> str:
    """Our SP metadata (entity id, ACS, SLS, signing and encryption certificate), validated.

    The encryption KeyDescriptor is always published (Shibboleth encrypts by default and we
    decrypt whatever arrives); python3-saml's `validUntil` of two days is left out, since a
    campus registers a copy that must not go stale (cacheDuration still tells IdPs to refetch).
    """
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    settings = _settings()
    values = onelogin_settings(settings, None)
    values["security"]["wantAssertionsEncrypted"] = True  # metadata only: adds use="encryption"
    saml = OneLogin_Saml2_Settings(values, sp_validation_only=True)
    metadata = saml.get_sp_metadata()
    metadata = metadata.decode() if isinstance(metadata, bytes) else metadata
    metadata = re.sub(r'\svalidUntil="[^"]*"', "", metadata, count=1)
    errors = saml.validate_metadata(metadata)
    if errors:
        raise SignInFailed(f"The SP metadata is not valid: {', '.join(errors)}")
    return metadata


# -- sign-in --------------------------------------------------------------------------------


def binds_browser() -> bool:
    """Whether sign-ins are bound to the browser by a cookie: only over https, where a
    SameSite=None cookie (the only kind a cross-site POST carries) may be set."""
    return _settings().public_url.startswith("https://")


def start_login(session: Session, next_path: str | None, binding: str | None = None) -> str:
    """Make an AuthnRequest, remember its id (and the browser binding's hash) server-side;
    return the IdP URL to redirect to."""
    auth = _auth(_settings().acs_url)
    url = auth.login(return_to="")
    now = utcnow()
    session.add(
        SamlOutstandingRequest(
            request_id=auth.get_last_request_id(),
            browser_hash=_hash(binding) if binding else None,
            next_path=next_path,
            created_at=now,
            expires_at=now + REQUEST_LIFETIME,
        )
    )
    _prune(session, now)
    session.flush()
    return url


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _prune(session: Session, now: datetime) -> None:
    session.execute(sa.delete(SamlOutstandingRequest).where(SamlOutstandingRequest.expires_at < now))
    session.execute(sa.delete(SamlConsumedAssertion).where(SamlConsumedAssertion.expires_at < now))


def _refuse(reason: str, detail: str | None = None) -> SignInFailed:
    log.info("SAML response refused: %s", detail or reason)
    return SignInFailed(
        f"The campus sign-in answer could not be accepted ({reason}). Please start again from the sign-in page."
    )


def _decode(form: Mapping[str, str]) -> str:
    raw = form.get("SAMLResponse") or ""
    if not raw or len(raw) > MAX_RESPONSE_BYTES * 4 // 3 + 4:
        raise _refuse("no response, or too large")
    try:
        return base64.b64decode(raw, validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _refuse("not a SAML response") from None


def claim_request(session: Session, form: Mapping[str, str], binding: str | None = None) -> SamlOutstandingRequest:
    """Find and delete the outstanding AuthnRequest this response answers (InResponseTo).

    Deleting it makes the answer single-use. The caller commits at once, so that a response
    refused further on cannot be tried again either. Unsolicited responses are refused, and so
    is a response arriving in another browser than the one that asked (`binding`, https only).
    """
    xml = _decode(form)
    try:
        root = SafeET.fromstring(xml)
    except Exception:  # defusedxml / expat: not XML, or XML with entities
        raise _refuse("not a SAML response") from None
    if root.tag != f"{{{NS['samlp']}}}Response":
        raise _refuse("not a SAML response")
    in_response_to = root.get("InResponseTo")
    if not in_response_to:
        raise _refuse("it answers no sign-in started here", "unsolicited response")
    pending = session.get(SamlOutstandingRequest, in_response_to)
    if pending is None:
        raise _refuse("it answers no sign-in started here, or was already used", "unknown InResponseTo")
    deleted = session.execute(
        sa.delete(SamlOutstandingRequest).where(SamlOutstandingRequest.request_id == in_response_to)
    ).rowcount
    if deleted != 1:  # another request consumed it at the same moment
        raise _refuse("it was already used")
    if pending.expires_at < utcnow():
        raise _refuse("the sign-in took too long", "outstanding request expired")
    if pending.browser_hash is not None and not (binding and hmac.compare_digest(_hash(binding), pending.browser_hash)):
        raise _refuse("it was started in another browser", "browser binding mismatch")
    session.flush()
    return pending


def validate_response(
    session: Session, pending: SamlOutstandingRequest, form: Mapping[str, str]
) -> tuple[FederatedIdentity, dict[str, Any]]:
    """Check the response as python3-saml does, plus our exact checks; record the assertion id.

    Returns the identity and what single logout will need (NameID, SessionIndex…).
    """
    settings = _settings()
    auth = _auth(settings.acs_url, post=form)
    try:
        auth.process_response(request_id=pending.request_id)
    except Exception as exc:  # python3-saml, xmlsec and lxml raise on broken or tampered XML
        raise _refuse("it is not valid", f"{type(exc).__name__}: {exc}") from None
    errors = auth.get_errors()
    if errors or not auth.is_authenticated():
        raise _refuse("it is not valid", f"{errors}: {auth.get_last_error_reason()}")
    _exact_checks(auth.get_last_response_xml(), settings)
    assertion_id = auth.get_last_assertion_id()
    if not assertion_id:
        raise _refuse("it has no assertion id")
    not_after = auth.get_last_assertion_not_on_or_after()
    expires_at = utcnow() + timedelta(hours=1)
    if not_after:
        expires_at = datetime.fromtimestamp(int(not_after), UTC) + timedelta(minutes=10)
    idp = idp_data(settings)
    try:
        with session.begin_nested():
            session.add(
                SamlConsumedAssertion(assertion_id=assertion_id, idp_entity_id=idp["entityId"], expires_at=expires_at)
            )
    except sa.exc.IntegrityError:
        raise _refuse("it was already used", "replayed assertion") from None
    identity = identity_from_attributes(idp["entityId"], auth.get_nameid(), auth.get_attributes(), settings)
    logout = {
        "name_id": auth.get_nameid(),
        "name_id_format": auth.get_nameid_format(),
        "name_id_nq": auth.get_nameid_nq(),
        "name_id_spnq": auth.get_nameid_spnq(),
        "session_index": auth.get_session_index(),
    }
    return identity, logout


def _exact_checks(xml: str, settings: SamlSettings) -> None:
    """Destination and every bearer Recipient equal our ACS URL; an Audience names us."""
    root = SafeET.fromstring(xml)
    destination = root.get("Destination")
    if destination is not None and destination != settings.acs_url:
        raise _refuse("it was sent to another address", f"Destination {destination!r}")
    for data in root.iter(f"{{{NS['saml']}}}SubjectConfirmationData"):
        if data.get("Recipient") != settings.acs_url:
            raise _refuse("it was sent to another address", f"Recipient {data.get('Recipient')!r}")
    audiences = [a.text.strip() for a in root.iter(f"{{{NS['saml']}}}Audience") if a.text]
    if settings.sp_entity_id not in audiences:
        raise _refuse("it was issued for another service", f"audiences {audiences!r}")


def identity_from_attributes(
    idp_entity_id: str, name_id: str | None, attributes: Mapping[str, Any], settings: SamlSettings
) -> FederatedIdentity:
    """The normalised identity from urn:oid attributes (eduPerson, inetOrgPerson)."""
    eppn = first(attributes.get(OID_EPPN))
    subject_value = eppn or name_id
    if not subject_value:
        raise _refuse("it names nobody", "no ePPN and no NameID")
    affiliations = list(all_values(attributes.get(OID_AFFILIATION)))
    # Scoped affiliations ("student@example.edu") count as their unscoped value.
    affiliations += [a.split("@", 1)[0] for a in all_values(attributes.get(OID_SCOPED_AFFILIATION))]
    return FederatedIdentity(
        method="saml",
        subject=f"saml:{idp_entity_id}|{subject_value}",
        username=eppn.split("@", 1)[0] if eppn else None,
        email=first(attributes.get(OID_MAIL)),
        campus_id=first(attributes.get(settings.campus_id_attribute)),
        display_name=first(attributes.get(OID_DISPLAY_NAME)),
        affiliations=tuple(dict.fromkeys(affiliations)),
        groups=all_values(attributes.get(OID_IS_MEMBER_OF)),
        attributes={k: all_values(v) for k, v in attributes.items()},
    )


# -- single logout ----------------------------------------------------------------------------


def logout_url(logout: Mapping[str, Any] | None) -> str | None:
    """The IdP's single-logout URL with our LogoutRequest, or None when the IdP offers none."""
    settings = _settings()
    try:
        idp = idp_data(settings)
    except ProviderUnavailable:
        return None
    if not idp.get("singleLogoutService", {}).get("url") or not logout or not logout.get("name_id"):
        return None
    auth = _auth(settings.sls_url)
    return auth.logout(
        return_to=f"{settings.public_url}/",
        name_id=logout.get("name_id"),
        session_index=logout.get("session_index"),
        nq=logout.get("name_id_nq"),
        name_id_format=logout.get("name_id_format"),
        spnq=logout.get("name_id_spnq"),
    )


def process_logout(query: Mapping[str, str]) -> tuple[str | None, bool]:
    """Handle what the IdP sends to our SLS: a LogoutResponse (after we asked) or a
    LogoutRequest (the IdP ends the session). Returns (where to send the browser, whether the
    local session must end)."""
    settings = _settings()
    if not query.get("Signature"):
        # python3-saml checks a Signature only when there is one: insist, so that nobody can
        # end someone's session (or fake the IdP's answer) with a made-up message.
        raise _refuse("the sign-out message is not signed", "unsigned SLO message")
    auth = _auth(settings.sls_url, get=query)
    ended: list[bool] = []
    try:
        target = auth.process_slo(keep_local_session=False, delete_session_cb=lambda: ended.append(True))
    except Exception as exc:
        raise _refuse("the sign-out message is not valid", f"{type(exc).__name__}: {exc}") from None
    errors = auth.get_errors()
    if errors:
        raise _refuse("the sign-out message is not valid", f"{errors}: {auth.get_last_error_reason()}")
    return target, bool(ended) or "SAMLResponse" in query
