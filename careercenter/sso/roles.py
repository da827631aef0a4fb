"""Role mapping: a directory entry's groups and affiliations -> the roles it holds here."""

from __future__ import annotations

from collections.abc import Mapping

from careercenter.sso.entry import DirectoryEntry, normalise_dn
from careercenter.sso.models import ClassLevel, Role

_CLASS_LEVEL_SPELLINGS = {
    "freshman": ClassLevel.FIRST_YEAR,
    "first year": ClassLevel.FIRST_YEAR,
    "first-year": ClassLevel.FIRST_YEAR,
    "firstyear": ClassLevel.FIRST_YEAR,
    "sophomore": ClassLevel.SOPHOMORE,
    "junior": ClassLevel.JUNIOR,
    "senior": ClassLevel.SENIOR,
    "graduate": ClassLevel.GRADUATE,
    "grad": ClassLevel.GRADUATE,
}


def _keys(entry: DirectoryEntry) -> set[str]:
    keys = {normalise_dn(group) for group in entry.groups}
    keys |= {value.strip().lower() for value in entry.affiliations}
    return keys


def roles_for(entry: DirectoryEntry, role_map: Mapping[str, Role | str]) -> set[Role]:
    """Every role a mapped group DN or affiliation value of `entry` gives (keys normalised).

    A member of an approver pool (`pool:NAME`) holds the faculty role."""
    keys = _keys(entry)
    roles = {role for key, role in role_map.items() if key in keys and isinstance(role, Role)}
    if pools_for(entry, role_map):
        roles.add(Role.FACULTY)
    return roles


def pools_for(entry: DirectoryEntry, role_map: Mapping[str, Role | str]) -> set[str]:
    """The approver pools (`pool:NAME` values of the role map) `entry`'s groups put it in."""
    keys = _keys(entry)
    return {
        str(value).removeprefix("pool:")
        for key, value in role_map.items()
        if key in keys and not isinstance(value, Role)
    }


def class_level_from(value: str | None) -> ClassLevel | None:
    """The class level a directory value names ("junior", "First-Year", "freshman"), or None."""
    if not value:
        return None
    return _CLASS_LEVEL_SPELLINGS.get(value.strip().lower().replace("_", " "))
