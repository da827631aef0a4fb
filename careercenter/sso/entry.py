"""What the campus directory says about one person, and DNs in one spelling.

Below `directory` (which reads entries over LDAP) and `roles` (which maps them to roles), so
that neither imports the other's module for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ldap
import ldap.dn


@dataclass(frozen=True)
class DirectoryEntry:
    """What the directory says about one person."""

    dn: str
    username: str | None
    display_name: str | None
    email: str | None
    campus_id: str | None
    program: str | None
    class_level: str | None
    affiliations: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    advisor_refs: tuple[str, ...] = field(default=())


def normalise_dn(dn: str) -> str:
    """A DN in one spelling (lower case, no spaces after commas) for comparisons."""
    try:
        return ldap.dn.dn2str(ldap.dn.str2dn(dn)).lower()
    except ldap.DECODING_ERROR:
        return dn.strip().lower()
