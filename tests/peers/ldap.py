"""A throwaway campus directory: OpenLDAP ``slapd`` through python-ldap's ``slapdtest``.

Layout (suffix ``dc=example,dc=edu``)::

    dc=example,dc=edu                 dcObject + organization
    cn=reader,dc=example,dc=edu       read-only service account (READER_DN / READER_PASSWORD)
    ou=people,dc=example,dc=edu       people: uid=<uid>,ou=people,...
    ou=groups,dc=example,dc=edu       groupOfNames: cn=<cn>,ou=groups,...  (member = person DNs)

A person is ``inetOrgPerson`` + ``eduPerson`` (schema in ``eduperson.ldif``) with:

==========================  ==================================================
``uid``                     login
``cn`` / ``displayName``    full name (``sn``/``givenName`` derived from it)
``mail``                    email
``employeeNumber``          campus id
``departmentNumber``        study program (absent when None)
``title``                   class level, e.g. "junior" (absent when None)
``eduPersonAffiliation``    affiliations (student, faculty, staff, ...)
``eduPersonPrimaryAffiliation``  the first affiliation
``eduPersonPrincipalName``  ``<uid>@example.edu``
``eduPersonScopedAffiliation``   ``<affiliation>@example.edu``
``userPassword``            {SSHA} hash
==========================  ==================================================

Access: anonymous binds can authenticate but read nothing; the reader reads everything except
passwords; a user bound as themself reads the directory too (``users_read="all"``, default) or
only their own entry (``users_read="self"``). With ``memberof=True`` the memberOf overlay keeps
the operational ``memberOf`` attribute on people (ask for it by name).

``stop()`` takes the server down and keeps its data and port; ``start()`` brings it back.
``close()`` (or leaving the ``with`` block) stops it and deletes everything.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

# slapdtest reads TMP (its run directory) when it is imported. Point it at the temp dir, not
# the current folder, and put TMP back so tempfile and others are not affected. Each
# directory also gets its own run folder below (TMPDIR in __init__).
tempfile.gettempdir()
_saved_tmp = os.environ.get("TMP")
os.environ["TMP"] = tempfile.gettempdir()
try:
    import ldap
    import ldap.modlist
    import slapdtest
    from ldap.ldapobject import LDAPObject
finally:
    if _saved_tmp is None:
        os.environ.pop("TMP", None)
    else:
        os.environ["TMP"] = _saved_tmp

EDUPERSON_SCHEMA = Path(__file__).with_name("eduperson.ldif")
SUFFIX = "dc=example,dc=edu"
SCOPE = "example.edu"
PEOPLE_DN = f"ou=people,{SUFFIX}"
GROUPS_DN = f"ou=groups,{SUFFIX}"
READER_DN = f"cn=reader,{SUFFIX}"
READER_PASSWORD = "reader-secret"
DEFAULT_PASSWORD = "secret"

AttrValue = str | bytes | int | Sequence[str | bytes | int] | None

_MEMBEROF_OVERLAY = """\
dn: olcOverlay=memberof,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: memberof
olcMemberOfRefInt: TRUE
olcMemberOfGroupOC: groupOfNames
olcMemberOfMemberAD: member
olcMemberOfMemberOfAD: memberOf
"""


def ssha(password: str) -> str:
    """An OpenLDAP ``{SSHA}`` userPassword value."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode("utf-8") + salt, usedforsecurity=False).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode("ascii")


def _values(value: AttrValue) -> list[bytes]:
    if value is None:
        return []
    if isinstance(value, str | bytes | int):
        value = [value]
    out = []
    for v in value:
        if isinstance(v, bytes):
            out.append(v)
        else:
            out.append(str(v).encode("utf-8"))
    return out


def person_dn(uid: str) -> str:
    """DN of a person entry."""
    return f"uid={ldap.dn.escape_dn_chars(uid)},{PEOPLE_DN}"


def group_dn(cn: str) -> str:
    """DN of a group entry."""
    return f"cn={ldap.dn.escape_dn_chars(cn)},{GROUPS_DN}"


class CampusDirectory(slapdtest.SlapdObject):
    """slapd with the campus schema, base layout helpers and ACLs."""

    suffix = SUFFIX
    root_cn = "Manager"
    root_pw = "manager-secret"
    slapd_loglevel = "0"
    openldap_schema_files = (
        "core.ldif",
        "cosine.ldif",
        "inetorgperson.ldif",
        str(EDUPERSON_SCHEMA),
    )
    reader_dn = READER_DN
    reader_password = READER_PASSWORD
    people_dn = PEOPLE_DN
    groups_dn = GROUPS_DN

    def __init__(self, *, memberof: bool = False, users_read: Literal["all", "self"] = "all") -> None:
        self.TMPDIR = tempfile.mkdtemp(prefix="careercenter-slapd-")
        super().__init__()
        self.memberof = memberof
        self.users_read = users_read
        self._set_up = False
        atexit.register(self.close)  # removes TMPDIR even if never started

    # -- configuration (slapdtest hooks) -------------------------------------------------------

    def gen_config(self) -> str:
        config = super().gen_config()
        if self.memberof:
            config = config.replace(
                f"olcModuleLoad: back_{self.database}\n",
                f"olcModuleLoad: back_{self.database}\nolcModuleLoad: memberof\n",
            )
        users = "by users read" if self.users_read == "all" else "by self read"
        acl = (
            "olcAccess: {0}to attrs=userPassword by self =wx by anonymous auth by * none\n"
            f'olcAccess: {{1}}to * by dn.exact="{self.reader_dn}" read {users} by * none\n'
        )
        return config.rstrip("\n") + "\n" + acl

    def _write_config(self) -> None:
        super()._write_config()
        if self.memberof:  # the overlay entry must come after the schemas
            self.slapadd(_MEMBEROF_OVERLAY, ["-n0"])

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start slapd: a fresh directory the first time, the same data and port afterwards."""
        if self._proc is not None:
            return
        if self._set_up:
            self._start_slapd()
            return
        super().start()
        atexit.unregister(self.stop)  # close() (registered in __init__) does the clean-up
        self._set_up = True

    def stop(self) -> None:
        """Take slapd down (simulates an outage); data and port are kept for :meth:`start`."""
        if self._proc is not None:
            self._proc.terminate()
            self.wait()

    @contextmanager
    def outage(self) -> Iterator[None]:
        """``with directory.outage():`` slapd is down inside the block, back up after it."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    @property
    def running(self) -> bool:
        """Whether slapd is up."""
        return self._proc is not None and self._proc.poll() is None

    def close(self) -> None:
        """Stop slapd and delete its data."""
        self.stop()
        self._cleanup_rundir()
        shutil.rmtree(self.TMPDIR, ignore_errors=True)
        self._set_up = False
        atexit.unregister(self.close)

    def __enter__(self) -> CampusDirectory:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connections ---------------------------------------------------------------------------

    def connect(self, who: str | None = None, cred: str | None = None, *, timeout: float = 5.0) -> LDAPObject:
        """A connection over TCP (ldap_uri), bound as ``who`` or anonymously."""
        conn = ldap.initialize(self.ldap_uri)
        conn.set_option(ldap.OPT_PROTOCOL_VERSION, ldap.VERSION3)
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, timeout)
        conn.set_option(ldap.OPT_TIMEOUT, timeout)
        conn.set_option(ldap.OPT_REFERRALS, 0)
        conn.simple_bind_s(who or "", cred or "")
        return conn

    def connect_as_root(self, *, timeout: float = 5.0) -> LDAPObject:
        """A connection bound as the rootdn (no ACLs apply)."""
        return self.connect(self.root_dn, self.root_pw, timeout=timeout)

    def connect_as_reader(self, *, timeout: float = 5.0) -> LDAPObject:
        """A connection bound as the read-only service account."""
        return self.connect(self.reader_dn, self.reader_password, timeout=timeout)

    def _add(self, dn: str, attrs: Mapping[str, AttrValue]) -> str:
        entry = {k: _values(v) for k, v in attrs.items() if _values(v)}
        conn = self.connect_as_root()
        try:
            conn.add_s(dn, ldap.modlist.addModlist(entry))
        finally:
            conn.unbind_s()
        return dn

    # -- content -------------------------------------------------------------------------------

    def add_base(self) -> None:
        """Create the suffix entry, ou=people, ou=groups and the reader account."""
        self._add(
            self.suffix,
            {"objectClass": ["dcObject", "organization"], "dc": "example", "o": "Example University"},
        )
        for ou in ("people", "groups"):
            self._add(f"ou={ou},{self.suffix}", {"objectClass": "organizationalUnit", "ou": ou})
        self._add(
            self.reader_dn,
            {
                "objectClass": ["organizationalRole", "simpleSecurityObject"],
                "cn": "reader",
                "description": "read-only service account",
                "userPassword": ssha(self.reader_password),
            },
        )

    def add_person(
        self,
        uid: str,
        cn: str,
        mail: str,
        campus_id: str,
        affiliations: Sequence[str],
        program: str | None = None,
        class_level: str | None = None,
        password: str | None = DEFAULT_PASSWORD,
        *,
        extra: Mapping[str, AttrValue] | None = None,
    ) -> str:
        """Add ``uid=<uid>,ou=people``; return its DN. ``password=None`` sets no password."""
        names = cn.split()
        attrs: dict[str, AttrValue] = {
            "objectClass": ["inetOrgPerson", "eduPerson"],
            "uid": uid,
            "cn": cn,
            "displayName": cn,
            "sn": names[-1] if names else uid,
            "givenName": names[0] if len(names) > 1 else None,
            "mail": mail,
            "employeeNumber": campus_id,
            "departmentNumber": program,
            "title": class_level,
            "eduPersonAffiliation": list(affiliations),
            "eduPersonPrimaryAffiliation": affiliations[0] if affiliations else None,
            "eduPersonScopedAffiliation": [f"{a}@{SCOPE}" for a in affiliations],
            "eduPersonPrincipalName": f"{uid}@{SCOPE}",
            "userPassword": ssha(password) if password is not None else None,
        }
        attrs.update(extra or {})
        return self._add(person_dn(uid), attrs)

    def add_group(self, cn: str, member_uids: Iterable[str], description: str | None = None) -> str:
        """Add ``cn=<cn>,ou=groups`` (groupOfNames); return its DN. Needs >= 1 member."""
        members = [person_dn(uid) for uid in member_uids]
        if not members:
            raise ValueError("a groupOfNames needs at least one member")
        attrs: dict[str, AttrValue] = {
            "objectClass": "groupOfNames",
            "cn": cn,
            "member": members,
            "description": description,
        }
        return self._add(group_dn(cn), attrs)

    def modify(self, dn: str, changes: Mapping[str, AttrValue]) -> None:
        """Replace attributes of ``dn``; a value of None (or []) deletes the attribute."""
        mods = []
        for attr, value in changes.items():
            values = _values(value)
            if values:
                mods.append((ldap.MOD_REPLACE, attr, values))
            else:
                mods.append((ldap.MOD_DELETE, attr, None))
        conn = self.connect_as_root()
        try:
            conn.modify_s(dn, mods)
        finally:
            conn.unbind_s()

    def modify_person(self, uid: str, **changes: AttrValue) -> None:
        """Replace attributes of a person by LDAP name, e.g. ``title="senior"``."""
        self.modify(person_dn(uid), changes)

    def set_password(self, uid: str, password: str) -> None:
        """Set a person's password."""
        self.modify_person(uid, userPassword=ssha(password))

    def add_member(self, group_cn: str, uid: str) -> None:
        """Add a person to a group."""
        self._modify_members(group_cn, ldap.MOD_ADD, uid)

    def remove_member(self, group_cn: str, uid: str) -> None:
        """Remove a person from a group (not the last member: groupOfNames needs one)."""
        self._modify_members(group_cn, ldap.MOD_DELETE, uid)

    def _modify_members(self, group_cn: str, op: int, uid: str) -> None:
        conn = self.connect_as_root()
        try:
            conn.modify_s(group_dn(group_cn), [(op, "member", [person_dn(uid).encode()])])
        finally:
            conn.unbind_s()

    def delete(self, dn: str) -> None:
        """Delete one entry."""
        conn = self.connect_as_root()
        try:
            conn.delete_s(dn)
        finally:
            conn.unbind_s()

    def delete_person(self, uid: str) -> None:
        """Delete a person (with memberof=True, also from their groups)."""
        self.delete(person_dn(uid))
