"""Access rules for the rules console: career-center staff, registrar staff and admins."""

from __future__ import annotations

from typing import Any

from tests.access import ALLOWED, DENIED, LOGIN, Rule, World, expect

EDITORS = expect(anonymous=LOGIN, student=DENIED, advisor=DENIED, registrar=200, admin=200, staff=200)
POSTERS = expect(anonymous=LOGIN, student=DENIED, advisor=DENIED, registrar=ALLOWED, admin=ALLOWED, staff=ALLOWED)


def _rule(world: World) -> dict[str, Any]:
    from tests.factories import build_rule

    rule = build_rule(world.session, code="ACC-101")
    return {"code": rule.code, "version": rule.version}


RULES: list[Rule] = [
    Rule("GET", "/rules", EDITORS),
    Rule("GET", "/rules/{code}/v{version}", EDITORS, setup=_rule),
    Rule("GET", "/rules/{code}/edit", EDITORS, setup=_rule),
    Rule("POST", "/rules/{code}/edit", POSTERS, setup=_rule, data={"text": "", "action": "preview"}),
]
