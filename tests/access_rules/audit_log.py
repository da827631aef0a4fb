"""Access rules for the audit log viewer: admins only."""

from __future__ import annotations

from tests.access import Rule, expect

RULES: list[Rule] = [
    Rule("GET", "/admin/audit", expect(admin=200, registrar=403)),
]
