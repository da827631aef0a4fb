"""Access rules for the employer directory (issue 20): career-center staff, registrar staff and
admins; the competencies page is public (credentials' alignments point at it)."""

from __future__ import annotations

from typing import Any

from tests.access import ALLOWED, DENIED, LOGIN, Rule, World, expect, public

KEEPERS = expect(anonymous=LOGIN, student=DENIED, advisor=DENIED, registrar=200, admin=200, staff=200)
#: A keeper's POST redirects back to the employer page (302) or re-shows it with a message.
KEEPERS_POST = expect(anonymous=LOGIN, student=DENIED, advisor=DENIED, registrar=ALLOWED, admin=ALLOWED, staff=ALLOWED)


def _employer(world: World) -> dict[str, Any]:
    from careercenter.audit.service import Actor
    from careercenter.employers import service

    employer = service.add_employer(world.session, "Access Table Co", Actor.system("test"))
    other = service.add_employer(world.session, "Access Table Company", Actor.system("test"))
    world.values["other_id"] = other.id
    return {"employer_id": employer.id}


RULES: list[Rule] = [
    Rule("GET", "/employers", KEEPERS),
    Rule("GET", "/employers/{employer_id}", KEEPERS, setup=_employer),
    Rule("POST", "/employers/{employer_id}/verify", KEEPERS_POST, setup=_employer, data={"verified": "1"}),
    Rule(
        "POST",
        "/employers/{employer_id}/domains",
        KEEPERS_POST,
        setup=_employer,
        data={"domain": "accesstable.example"},
    ),
    Rule(
        "POST",
        "/employers/{employer_id}/merge",
        KEEPERS_POST,
        setup=_employer,
        data=lambda w: {"into": str(w.values["other_id"])},
    ),
    Rule("GET", "/competencies", public(200)),
]
