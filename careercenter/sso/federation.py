"""What SAML and CAS sign-ins have in common: the identity they prove, why they fail, and the one
adapter through which they reach the person lookup and role mapping every method shares.

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

from careercenter.audit.service import Actor, record_event
from careercenter.errors import CareerCenterError
from careercenter.sso.models import Person, Role

log = logging.getLogger(__name__)

#: How a person is matched when the campus gives no directory: first on campus id, then email.
DEFAULT_MATCH_ORDER = ("campus_id", "email")
MATCH_KEYS = {"campus_id", "email"}


class FederatedSignInError(CareerCenterError):
    """A SAML or CAS sign-in did not complete; the message is safe to show."""

    status = 400
    title = "Sign-in did not complete"


class FederatedSignInFailed(FederatedSignInError):
    """The identity provider's answer did not pass our checks (signature, audience, ticket…)."""


class FederatedProviderUnavailable(FederatedSignInError):
    """The identity provider (or its metadata) could not be reached."""

    status = 503
    title = "Campus sign-in is unavailable"


class FederatedSignInRefused(FederatedSignInError):
    """The person proved who they are, but is not someone this service knows."""

    status = 403
    title = "Sign-in refused"


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


def roles_from_affiliations(affiliations: Sequence[str], role_map: Mapping[str, Any]) -> set[Role]:
    """Roles that mapped affiliation values give (keys compared without case)."""
    wanted = {a.strip().lower() for a in affiliations}
    roles = set()
    for key, value in role_map.items():
        if str(key).strip().lower() in wanted:
            roles.add(Role(str(value).strip().lower()))
    return roles


def complete_sign_in(session: Session, identity: FederatedIdentity) -> Person:
    """Who the proven `identity` is here; the one call SAML and CAS make after their checks.

    Matches an existing person on campus id, then email (`CAREERCENTER_SSO_MATCH_ORDER`),
    refreshes name and email from what the IdP released, and — when an affiliation role map
    is configured (`CAREERCENTER_LDAP_ROLE_MAP`) and the IdP released affiliations — the roles.
    Someone unknown, inactive or with no role is refused. Records the sign-in.
    """
    config = current_app.config
    person = find_person(session, identity, match_order(config))
    if person is None or not person.is_active:
        log.info("sign-in refused: %s identity matches no active person", identity.method)
        raise FederatedSignInRefused(
            "The career center does not know you, so you cannot use it. "
            "If you think this is wrong, contact the career center."
        )
    changed: list[str] = []
    if identity.display_name and person.display_name != identity.display_name:
        person.display_name = identity.display_name
        changed.append("display_name")
    role_map = config.get("LDAP_ROLE_MAP")
    if identity.affiliations and isinstance(role_map, Mapping) and role_map:
        try:
            roles = roles_from_affiliations(identity.affiliations, role_map)
        except ValueError:
            roles = set()
        if roles and person.set_roles(roles):
            changed.append("roles")
    if not person.roles:
        raise FederatedSignInRefused(
            "Nothing gives you access to the career center (it is for students, advisors and registrar staff). "
            "If you think this is wrong, contact the career center."
        )
    if person.sso_subject != identity.subject:
        session.execute(
            sa.update(Person)
            .where(Person.sso_subject == identity.subject, Person.id != person.id)
            .values(sso_subject=None)
        )
        person.sso_subject = identity.subject
    session.flush()
    actor = Actor.person(person)
    if changed:
        record_event(
            session, actor, "person.updated", "person", person.id, {"source": identity.method, "changed": changed}
        )
    record_event(
        session,
        actor,
        "auth.login",
        "person",
        person.id,
        {"method": identity.method, "roles": sorted(r.value for r in person.roles)},
    )
    return person
