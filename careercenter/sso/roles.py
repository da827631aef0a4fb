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


def roles_for(entry: DirectoryEntry, role_map: Mapping[str, Role]) -> set[Role]:
    """Every role a mapped group DN or affiliation value of `entry` gives (keys normalised)."""
    keys = {normalise_dn(group) for group in entry.groups}
    keys |= {value.strip().lower() for value in entry.affiliations}
    return {role for key, role in role_map.items() if key in keys}


def class_level_from(value: str | None) -> ClassLevel | None:
    """The class level a directory value names ("junior", "First-Year", "freshman"), or None."""
    if not value:
        return None
    return _CLASS_LEVEL_SPELLINGS.get(value.strip().lower().replace("_", " "))
