"""The access table: every route × every kind of person, and what each gets.

Each domain lists its routes in `tests/access_rules/<domain>.py` as `RULES: list[Rule]`.
`tests/test_access_table.py` runs every cell and fails if any route of the app has no rule.

A rule's `path` may contain `{name}` placeholders filled by its `setup(world)`, which makes the
records the route is about, owned by `world.student` (advisor assigned: `world.advisor`).
Expectations per kind of person:

- an int: exactly that status code;
- `LOGIN`: redirected to the sign-in page;
- `ALLOWED`: anything but a denial (not 401/403/404 and not a redirect to sign in) — for
  forms whose valid input the table does not build;
- `DENIED` (403) for a role that may never use the route; `HIDDEN` (404) for another person's
  record, so that it looks exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

KINDS = ("anonymous", "student", "other_student", "advisor", "other_advisor", "registrar", "admin", "staff")

LOGIN = "login"
ALLOWED = "allowed"
DENIED = 403
HIDDEN = 404


@dataclass
class World:
    """The people of one access-table cell, plus whatever the rules' setups made."""

    student: Any
    other_student: Any
    advisor: Any
    other_advisor: Any
    registrar: Any
    admin: Any
    #: career-center staff: reports, rules and student record pages; no decisions
    staff: Any
    session: Any
    make: dict[str, Callable[..., Any]]
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Rule:
    method: str
    path: str
    expect: dict[str, int | str]
    setup: Callable[[World], dict[str, Any]] | None = None
    data: dict[str, Any] | Callable[[World], dict[str, Any]] | None = None
    #: The Flask endpoint, to match rules to the URL map (defaults to matching the path).
    endpoint: str | None = None

    def __post_init__(self) -> None:
        missing = set(KINDS) - set(self.expect)
        if missing:
            raise ValueError(f"rule {self.method} {self.path} says nothing for {sorted(missing)}")


def expect(
    anonymous: int | str = LOGIN,
    student: int | str = DENIED,
    other_student: int | str | None = None,
    advisor: int | str = DENIED,
    other_advisor: int | str | None = None,
    registrar: int | str = DENIED,
    admin: int | str | None = None,
    staff: int | str = DENIED,
) -> dict[str, int | str]:
    """Build an expectation row; unspecified 'other_…' default to their counterpart, and
    career-center staff are refused unless the rule says otherwise."""
    return {
        "anonymous": anonymous,
        "student": student,
        "other_student": student if other_student is None else other_student,
        "advisor": advisor,
        "other_advisor": advisor if other_advisor is None else other_advisor,
        "registrar": registrar,
        "admin": registrar if admin is None else admin,
        "staff": staff,
    }


def public(status: int | str = 200) -> dict[str, int | str]:
    return dict.fromkeys(KINDS, status)
