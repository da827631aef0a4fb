"""What SAML and CAS sign-ins have in common: the identity they prove, and the one adapter
through which they reach the person lookup and role mapping every method shares
(`careercenter.sso.service.resolve_person`). Their refusals are `careercenter.sso.errors`'.

SAML (`careercenter.sso.saml`) and CAS (`careercenter.sso.cas`) only *prove who someone is*:
each ends in a `FederatedIdentity`. `complete_sign_in` decides *who they are here*.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from careercenter.sso.entry import DirectoryEntry
from careercenter.sso.errors import UnknownPerson
from careercenter.sso.models import Person
from careercenter.sso.service import Identity, resolve_person

log = logging.getLogger(__name__)

#: How a person is matched when the campus gives no directory: first on campus id, then email.
DEFAULT_MATCH_ORDER = ("campus_id", "email")
MATCH_KEYS = {"campus_id", "email"}


@dataclass(frozen=True)
class FederatedIdentity:
    """What a SAML assertion or a CAS ticket proved, normalised across protocols.

    `subject` is namespaced by method and issuer ("saml:<idp>|<id>", "cas:<server>|<user>");
    `username` is the local part people sign in with (ePPN without its scope, the CAS user).
    """

    method: str
    subject: str
    username: str | None = None
    email: str | None = None
    campus_id: str | None = None
    display_name: str | None = None
    affiliations: tuple[str, ...] = ()
    #: Group names or DNs the IdP released (isMemberOf / memberOf), for group-based role mapping.
    groups: tuple[str, ...] = ()
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)


def first(values: Any) -> str | None:
    """The first non-empty value of an attribute given as a string or a list, stripped."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    for value in values:
        text = str(value).strip()
        if text:
            return text
    return None


def all_values(values: Any) -> tuple[str, ...]:
    """Every non-empty value of an attribute given as a string or a list."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(str(v).strip() for v in values if str(v).strip())


def match_order(config: Mapping[str, Any]) -> tuple[str, ...]:
    """`CAREERCENTER_SSO_MATCH_ORDER`: which identity keys find the person, in order."""
    raw = config.get("SSO_MATCH_ORDER") or ",".join(DEFAULT_MATCH_ORDER)
    keys = tuple(k.strip() for k in str(raw).split(",") if k.strip())
    return keys


def find_person(session: Session, identity: FederatedIdentity, order: Sequence[str]) -> Person | None:
    """The person `identity` names: tried on each key of `order` (campus id, email) in turn."""
    for key in order:
        if key == "campus_id" and identity.campus_id:
            found = session.execute(
                sa.select(Person).where(Person.campus_id == identity.campus_id)
            ).scalar_one_or_none()
        elif key == "email" and identity.email:
            found = session.execute(
                sa.select(Person).where(sa.func.lower(Person.email) == identity.email.strip().lower())
            ).scalar_one_or_none()
        else:
            continue
        if found is not None:
            return found
    return None


class _ReleasedAttributes:
    """The IdP's released attributes standing in for a directory entry, for campuses that run
    SAML or CAS without giving us their LDAP directory. Same shape as `Directory.find_person`."""

    def __init__(self, entry: DirectoryEntry) -> None:
        self.entry = entry

    def find_person(self, *, username: str | None = None, email: str | None = None) -> DirectoryEntry:
        return self.entry


def complete_sign_in(session: Session, identity: FederatedIdentity) -> Person:
    """Who the proven `identity` is here; the one call SAML and CAS make after their checks.

    With a campus directory configured (`CAREERCENTER_LDAP_URL`), exactly what OIDC does:
    `resolve_person` looks the person up in the directory (by username and email, through
    `CAREERCENTER_LDAP_USER_FILTER`) and maps their groups and affiliations to roles.

    Without one, the released attributes are the directory entry: the person is found on
    campus id, then email (`CAREERCENTER_SSO_MATCH_ORDER`), and the same `resolve_person`
    maps the released affiliations and groups through `CAREERCENTER_LDAP_ROLE_MAP`, refreshes
    name and email, and records the sign-in. Someone whose attributes map to no role is refused.
    """
    app = current_app
    role_map = app.extensions["careercenter_role_map"]
    proven = Identity(
        method=identity.method, subject=identity.subject[:255], username=identity.username, email=identity.email
    )
    directory = app.extensions.get("careercenter_directory")
    if directory is not None:
        return resolve_person(session, directory, proven, role_map)
    existing = find_person(session, identity, match_order(app.config))
    if existing is not None and not existing.is_active:
        log.info("sign-in refused: %s identity matches deactivated person %s", identity.method, existing.id)
        raise UnknownPerson(
            "Your career center account is closed. If you think this is wrong, contact the career center."
        )
    if existing is None and not identity.campus_id:
        log.info("sign-in refused: %s identity has no campus id and matches nobody", identity.method)
        raise UnknownPerson(
            "The campus sign-in service did not say who you are at the registrar (no campus id), so the career "
            "center cannot keep records for you. Please contact the IT service desk."
        )
    entry = DirectoryEntry(
        dn=identity.subject,
        username=identity.username,
        display_name=identity.display_name or (existing.display_name if existing else None),
        email=identity.email or (existing.email if existing else None),
        # A person found on email keeps the campus id we have: the match order says which key wins.
        campus_id=existing.campus_id if existing is not None else identity.campus_id,
        # Neither SAML nor CAS usually releases these: keep what we have.
        program=existing.program if existing is not None else None,
        class_level=existing.class_level.value if existing is not None and existing.class_level else None,
        affiliations=identity.affiliations,
        groups=identity.groups,
    )
    return resolve_person(session, _ReleasedAttributes(entry), proven, role_map)  # type: ignore[arg-type]
