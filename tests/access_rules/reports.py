"""Access rules for the career center's reports: staff, registrar staff and admins only."""

from __future__ import annotations

from tests.access import DENIED, LOGIN, Rule, expect

REPORTERS = expect(anonymous=LOGIN, student=DENIED, advisor=DENIED, registrar=200, admin=200, staff=200)

RULES: list[Rule] = [
    Rule("GET", "/reports", REPORTERS),
    Rule("GET", "/reports/{name}.csv", REPORTERS, setup=lambda world: {"name": "credits-by-term"}),
    Rule("GET", "/reports/{name}.svg", REPORTERS, setup=lambda world: {"name": "students-served"}),
]
