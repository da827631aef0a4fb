"""The campus directory through python-ldap: look people up, check passwords, list everyone.

Every call has a timeout; every python-ldap exception becomes `DirectoryUnavailable` (the
caller fails closed) or, for a wrong password, `InvalidCredentials`. Every value put into a
filter is escaped with `ldap.filter.escape_filter_chars`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import ldap
import ldap.dn
import ldap.filter
from flask import Flask
from ldap.ldapobject import LDAPObject

from careercenter.sso.entry import DirectoryEntry, normalise_dn
from careercenter.sso.errors import DirectoryUnavailable, InvalidCredentials
from careercenter.sso.roles import roles_for
from careercenter.sso.settings import DirectorySettings

log = logging.getLogger(__name__)

#: Matches no real entry: what a missing placeholder value becomes in the user filter.
_NO_VALUE = "\x00"


def _text(values: list[bytes] | None) -> str | None:
    if not values:
        return None
    return values[0].decode("utf-8", "replace").strip() or None


def _texts(values: list[bytes] | None) -> tuple[str, ...]:
    return tuple(v.decode("utf-8", "replace").strip() for v in values or () if v.strip())


class Directory:
    """A client for one directory; opens a short connection per operation."""

    def __init__(self, settings: DirectorySettings) -> None:
        self.settings = settings
        self._found_base: str | None = None

    def _base(self, conn: LDAPObject) -> str:
        """The search base: configured, or the server's only naming context."""
        if self.settings.base_dn:
            return self.settings.base_dn
        if self._found_base is None:
            found = conn.search_ext_s(
                "", ldap.SCOPE_BASE, "(objectClass=*)", ["namingContexts"], timeout=self.settings.timeout
            )
            contexts = _texts({k.lower(): v for k, v in found[0][1].items()}.get("namingcontexts")) if found else ()
            if len(contexts) != 1:
                log.error("the directory has %d naming contexts: set CAREERCENTER_LDAP_BASE_DN", len(contexts))
                raise DirectoryUnavailable(
                    "The campus directory is not fully configured here (CAREERCENTER_LDAP_BASE_DN), so nobody "
                    "can sign in now. Please tell the career center."
                )
            self._found_base = contexts[0]
        return self._found_base

    def _groups_base(self, conn: LDAPObject) -> str:
        return self.settings.group_base_dn or self._base(conn)

    # -- connections -------------------------------------------------------------------------

    def _connect(self) -> LDAPObject:
        s = self.settings
        conn = ldap.initialize(s.url)
        conn.set_option(ldap.OPT_PROTOCOL_VERSION, ldap.VERSION3)
        conn.set_option(ldap.OPT_REFERRALS, 0)
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, s.timeout)
        conn.set_option(ldap.OPT_TIMEOUT, s.timeout)
        if s.url.lower().startswith("ldaps://") or s.starttls:
            conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
            if s.ca_cert_file:
                conn.set_option(ldap.OPT_X_TLS_CACERTFILE, s.ca_cert_file)
            conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
        if s.starttls and not s.url.lower().startswith("ldaps://"):
            conn.start_tls_s()
        return conn

    @contextmanager
    def _service_connection(self) -> Iterator[LDAPObject]:
        """A connection bound as the service account (anonymous when none is configured)."""
        conn = None
        try:
            conn = self._connect()
            conn.simple_bind_s(self.settings.bind_dn or "", self.settings.bind_password or "")
            yield conn
        except ldap.INVALID_CREDENTIALS:
            log.error("the directory refused the service account %s", self.settings.bind_dn)
            raise DirectoryUnavailable(
                "The campus directory refused this service's own account, so nobody can sign in now. "
                "Please tell the career center."
            ) from None
        except ldap.LDAPError as exc:
            raise self._unavailable(exc) from None
        finally:
            if conn is not None:
                try:
                    conn.unbind_s()
                except ldap.LDAPError:
                    pass

    @staticmethod
    def _unavailable(exc: ldap.LDAPError) -> DirectoryUnavailable:
        detail = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
        log.warning("campus directory call failed: %s %s", type(exc).__name__, detail.get("desc", ""))
        return DirectoryUnavailable(
            "The campus directory cannot be reached, so we cannot check who you are right now. "
            "Nobody can sign in until it is back; please try again in a few minutes."
        )

    def _search(self, conn: LDAPObject, base: str, filterstr: str, attrs: list[str] | None) -> list[tuple[str, dict]]:
        results = conn.search_ext_s(base, ldap.SCOPE_SUBTREE, filterstr, attrlist=attrs, timeout=self.settings.timeout)
        return [(dn, entry) for dn, entry in results if dn]  # drop search continuation references

    # -- reading entries ---------------------------------------------------------------------

    @property
    def _person_attrs(self) -> list[str]:
        s = self.settings
        attrs = [
            s.username_attribute,
            s.name_attribute,
            "cn",
            s.email_attribute,
            s.campus_id_attribute,
            s.program_attribute,
            s.class_level_attribute,
            s.affiliation_attribute,
            "memberOf",
        ]
        if s.advisor_attribute:
            attrs.append(s.advisor_attribute)
        return attrs

    def user_filter(self, username: str | None, email: str | None) -> str:
        """The configured user filter with both placeholders filled in, escaped."""
        return self.settings.user_filter.format(
            username=ldap.filter.escape_filter_chars(username or _NO_VALUE),
            email=ldap.filter.escape_filter_chars(email or _NO_VALUE),
        )

    def _entry(self, conn: LDAPObject, dn: str, raw: dict[str, list[bytes]], groups: tuple[str, ...]) -> DirectoryEntry:
        s = self.settings
        lower = {k.lower(): v for k, v in raw.items()}
        return DirectoryEntry(
            dn=dn,
            username=_text(lower.get(s.username_attribute.lower())),
            display_name=_text(lower.get(s.name_attribute.lower())) or _text(lower.get("cn")),
            email=_text(lower.get(s.email_attribute.lower())),
            campus_id=_text(lower.get(s.campus_id_attribute.lower())),
            program=_text(lower.get(s.program_attribute.lower())),
            class_level=_text(lower.get(s.class_level_attribute.lower())),
            affiliations=_texts(lower.get(s.affiliation_attribute.lower())),
            groups=groups + _texts(lower.get("memberof")),
            advisor_refs=_texts(lower.get(s.advisor_attribute.lower())) if s.advisor_attribute else (),
        )

    def _groups_of(self, conn: LDAPObject, dn: str) -> tuple[str, ...]:
        member = ldap.filter.escape_filter_chars(dn)
        filterstr = (
            f"(|(&(objectClass=groupOfNames)(member={member}))"
            f"(&(objectClass=groupOfUniqueNames)(uniqueMember={member})))"
        )
        return tuple(gdn for gdn, _ in self._search(conn, self._groups_base(conn), filterstr, ["1.1"]))

    def find_person(self, *, username: str | None = None, email: str | None = None) -> DirectoryEntry | None:
        """The one entry the user filter finds for `username`/`email`, or None.

        Several matching entries is treated as no match: a sign-in must never pick one at random.
        """
        if not username and not email:
            return None
        with self._service_connection() as conn:
            try:
                found = self._search(conn, self._base(conn), self.user_filter(username, email), self._person_attrs)
                if len(found) != 1:
                    if len(found) > 1:
                        log.warning("the user filter matched %d directory entries; refusing", len(found))
                    return None
                dn, raw = found[0]
                return self._entry(conn, dn, raw, self._groups_of(conn, dn))
            except ldap.NO_SUCH_OBJECT:
                return None
            except ldap.LDAPError as exc:
                raise self._unavailable(exc) from None

    def authenticate(self, username: str, password: str) -> DirectoryEntry:
        """Check `password` by binding as the person `username` names; return their entry."""
        if not username or not password:  # an empty password would be an anonymous bind
            raise InvalidCredentials()
        entry = self.find_person(username=username, email=username)
        if entry is None:
            raise InvalidCredentials()
        conn = None
        try:
            conn = self._connect()
            conn.simple_bind_s(entry.dn, password)
        except ldap.INVALID_CREDENTIALS:
            raise InvalidCredentials() from None
        except ldap.LDAPError as exc:
            raise self._unavailable(exc) from None
        finally:
            if conn is not None:
                try:
                    conn.unbind_s()
                except ldap.LDAPError:
                    pass
        return entry

    def all_people(self) -> list[DirectoryEntry]:
        """Every entry the sync filter finds, with groups (one group search for all)."""
        s = self.settings
        with self._service_connection() as conn:
            try:
                people = self._search(conn, self._base(conn), s.sync_filter, self._person_attrs)
                memberships: dict[str, list[str]] = {}
                groups = self._search(
                    conn,
                    self._groups_base(conn),
                    "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
                    ["member", "uniqueMember"],
                )
                for gdn, graw in groups:
                    lower = {k.lower(): v for k, v in graw.items()}
                    for member in _texts(lower.get("member")) + _texts(lower.get("uniquemember")):
                        memberships.setdefault(normalise_dn(member), []).append(gdn)
                return [self._entry(conn, dn, raw, tuple(memberships.get(normalise_dn(dn), ()))) for dn, raw in people]
            except ldap.LDAPError as exc:
                raise self._unavailable(exc) from None

    def advising_groups(self) -> list[tuple[str, tuple[str, ...]]]:
        """(advisor DN, student DNs) for every advising group (owner = advisor, member = students)."""
        s = self.settings
        if not s.advising_group_filter:
            return []
        with self._service_connection() as conn:
            try:
                found = self._search(
                    conn, self._groups_base(conn), s.advising_group_filter, ["owner", "member", "uniqueMember"]
                )
            except ldap.LDAPError as exc:
                raise self._unavailable(exc) from None
        out = []
        for _, raw in found:
            lower = {k.lower(): v for k, v in raw.items()}
            members = _texts(lower.get("member")) + _texts(lower.get("uniquemember"))
            for owner in _texts(lower.get("owner")):
                out.append((owner, members))
        return out


def doctor_lookup(app: Flask, user: str) -> tuple[str, str]:
    """For `flask doctor --user`: look `user` up as a sign-in would; say which roles they get."""
    directory: Directory | None = app.extensions.get("careercenter_directory")
    if directory is None:
        return "WARN", "no directory is configured (CAREERCENTER_LDAP_URL)"
    try:
        entry = directory.find_person(username=user, email=user)
    except DirectoryUnavailable as exc:
        return "FAIL", str(exc)
    if entry is None:
        return "FAIL", f"{user!r}: not found by CAREERCENTER_LDAP_USER_FILTER (or found more than once)"
    roles = sorted(role.value for role in roles_for(entry, app.extensions["careercenter_role_map"]))
    if not roles:
        return "FAIL", f"{entry.dn}: maps to no role; check CAREERCENTER_LDAP_ROLE_MAP"
    missing = [name for name, value in (("campus id", entry.campus_id), ("email", entry.email)) if not value]
    if missing:
        return "FAIL", f"{entry.dn}: no {' or '.join(missing)} in the entry, so sign-in would be refused"
    return "OK", f"{entry.dn}: campus id {entry.campus_id}, roles {', '.join(roles)}"
