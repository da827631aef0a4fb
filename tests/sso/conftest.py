"""A campus directory (real slapd) and helpers shared by the sign-in tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.peers.ldap import READER_DN, READER_PASSWORD, SUFFIX, CampusDirectory, group_dn, person_dn

ADVISORS = group_dn("career-advisors")
REGISTRAR = group_dn("registrar-staff")
ADMINS = group_dn("career-admins")
ROLE_MAP = {ADVISORS: "advisor", REGISTRAR: "registrar", ADMINS: "admin", "student": "student"}

#: uid -> (name, mail, campus id, affiliations, program, class level)
PEOPLE = {
    "maya": ("Maya Okafor", "maya.okafor@students.example.edu", "S1001", ["student"], "Computer Science", "junior"),
    "liam": ("Liam Chen", "liam.chen@students.example.edu", "S1002", ["student"], "Business Administration", "senior"),
    "dana": ("Dana Whitfield", "dana.whitfield@example.edu", "F2001", ["faculty", "employee"], None, None),
    "karen": ("Karen Mbeki", "karen.mbeki@example.edu", "R3001", ["staff", "employee"], None, None),
    "alex": ("Alex Morgan", "alex.morgan@example.edu", "A4001", ["staff", "employee"], None, None),
    "vic": ("Vic Visitor", "vic.visitor@example.edu", "V9001", ["affiliate"], None, None),
}


class CampusDirectoryWithLdaps(CampusDirectory):
    """The campus directory, also listening for ldaps:// (slapdtest serves ldap:// and ldapi://
    only; its TLS certificate, for 127.0.0.1, is `cafile`'s)."""

    def __init__(self) -> None:
        super().__init__()
        self.ldaps_uri = f"ldaps://127.0.0.1:{self._avail_tcp_port()}/"

    def _start_slapd(self) -> None:
        # slapdtest joins ldap_uri and ldapi_uri into slapd's -h list: ride along on the second.
        plain = self.ldapi_uri
        self.ldapi_uri = f"{plain} {self.ldaps_uri}" if plain else self.ldaps_uri
        try:
            super()._start_slapd()
        finally:
            self.ldapi_uri = plain


@pytest.fixture(scope="session")
def campus() -> Iterator[CampusDirectoryWithLdaps]:
    """A directory of our own (tests here change entries and put them back)."""
    directory = CampusDirectoryWithLdaps()
    directory.start()
    try:
        directory.add_base()
        for uid, (name, mail, campus_id, affiliations, program, level) in PEOPLE.items():
            extra = {"manager": person_dn("dana")} if uid == "maya" else None
            directory.add_person(uid, name, mail, campus_id, affiliations, program, level, extra=extra)
        directory.add_group("career-advisors", ["dana"])
        directory.add_group("registrar-staff", ["karen", "alex"])
        directory.add_group("career-admins", ["alex"])
        yield directory
    finally:
        directory.close()


def directory_config(campus: CampusDirectory, **overrides: Any) -> dict[str, Any]:
    """App settings pointing at the test directory, as the environment would give them."""
    config: dict[str, Any] = {
        "LDAP_URL": campus.ldap_uri,
        "LDAP_BIND_DN": READER_DN,
        "LDAP_BIND_PASSWORD": READER_PASSWORD,
        "LDAP_BASE_DN": SUFFIX,
        "LDAP_ROLE_MAP": json.loads(json.dumps(ROLE_MAP)),
        "LDAP_TIMEOUT": 3,
        "DEV_LOGIN": False,
    }
    config.update(overrides)
    return config
