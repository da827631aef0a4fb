"""`pool:NAME` in CAREERCENTER_LDAP_ROLE_MAP: approver pools from directory groups, whose
members hold the faculty role; kept on the person at every sign-in and sync."""

from __future__ import annotations

from typing import Any

import pytest

from careercenter.config import ConfigError
from careercenter.sso.directory import DirectoryEntry
from careercenter.sso.models import Role
from careercenter.sso.roles import pools_for, roles_for
from careercenter.sso.service import apply_entry
from careercenter.sso.settings import parse_role_map

CHAIRS = "cn=CSCI Chairs,ou=groups,dc=example,dc=edu"
FACULTY = "cn=faculty,ou=groups,dc=example,dc=edu"


def _entry(*groups: str, affiliations: tuple[str, ...] = ()) -> DirectoryEntry:
    return DirectoryEntry(
        dn="uid=priya,ou=people,dc=example,dc=edu",
        username="priya",
        display_name="Priya Raman",
        email="priya@example.edu",
        campus_id="F777",
        program="Computer Science",
        class_level=None,
        affiliations=affiliations,
        groups=groups,
    )


def test_role_map_takes_pools_and_refuses_bad_ones() -> None:
    mapping = parse_role_map({CHAIRS: "pool:csci-chairs", FACULTY: "faculty", "student": "student"})
    assert mapping["cn=csci chairs,ou=groups,dc=example,dc=edu"] == "pool:csci-chairs"
    assert mapping["cn=faculty,ou=groups,dc=example,dc=edu"] is Role.FACULTY
    with pytest.raises(ConfigError, match="a pool name is letters, digits"):
        parse_role_map({CHAIRS: "pool:CSCI Chairs!"})
    with pytest.raises(ConfigError, match="nor pool:NAME"):
        parse_role_map({CHAIRS: "chair"})


def test_a_pool_member_holds_the_faculty_role_and_the_pool(session: Any) -> None:
    mapping = parse_role_map({CHAIRS: "pool:csci-chairs", "employee": "advisor"})
    entry = _entry("CN=CSCI Chairs, OU=groups, DC=example, DC=edu", affiliations=("employee",))
    assert roles_for(entry, mapping) == {Role.FACULTY, Role.ADVISOR}
    assert pools_for(entry, mapping) == {"csci-chairs"}
    assert roles_for(_entry(affiliations=("employee",)), mapping) == {Role.ADVISOR}
    person, changes = apply_entry(session, entry, roles_for(entry, mapping), pools_for(entry, mapping))
    assert person.pools == {"csci-chairs"} and person.has_role(Role.FACULTY) and "added" in changes
    left = _entry(affiliations=("employee",))
    person, changes = apply_entry(session, left, roles_for(left, mapping), pools_for(left, mapping))
    assert person.pools == set() and "pools" in changes and "roles" in changes
