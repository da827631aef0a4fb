"""Every route × every kind of person: what each gets. No route may go unlisted."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

import tests.access_rules
from careercenter.sso.models import Role
from tests.access import ALLOWED, KINDS, LOGIN, Rule, World

#: Routes deliberately outside the table (static files are served by Flask itself).
UNLISTED = {"static"}


def _all_rules() -> list[tuple[str, Rule]]:
    rules = []
    for info in pkgutil.iter_modules(tests.access_rules.__path__):
        module = importlib.import_module(f"tests.access_rules.{info.name}")
        rules.extend((info.name, rule) for rule in module.RULES)
    return rules


RULES = _all_rules()


def _url_rule_key(rule: Any, method: str) -> tuple[str, str]:
    path = rule.rule
    for arg in rule.arguments:
        path = path.replace(f"<{arg}>", f"{{{arg}}}")
        for conv in ("int", "string", "path", "uuid"):
            path = path.replace(f"<{conv}:{arg}>", f"{{{arg}}}")
    return method, path


def test_every_route_has_a_rule(app: Any) -> None:
    listed = {(rule.method, rule.path) for _, rule in RULES}
    missing = []
    for url_rule in app.url_map.iter_rules():
        if url_rule.endpoint in UNLISTED or url_rule.endpoint.startswith("_test"):
            continue
        for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"}):
            key = _url_rule_key(url_rule, method)
            if key not in listed:
                missing.append(f"{key[0]} {key[1]}")
    assert not missing, "routes with no access rule: " + ", ".join(missing)


@pytest.fixture()
def world(session: Any, make_person: Any, make_student: Any, make_advisor: Any, make_experience: Any) -> World:
    student = make_student(name="Owner Student")
    other = make_student(name="Other Student")
    advisor = make_advisor([student], name="Assigned Advisor")
    other_advisor = make_advisor([other], name="Unassigned Advisor")
    registrar = make_person(Role.REGISTRAR, name="Registrar Staff", program=None, class_level=None)
    admin = make_person({Role.ADMIN}, name="Admin Person", program=None, class_level=None)
    staff = make_person({Role.STAFF}, name="Career Staff", program=None, class_level=None)
    return World(
        student=student,
        other_student=other,
        advisor=advisor,
        other_advisor=other_advisor,
        registrar=registrar,
        admin=admin,
        staff=staff,
        session=session,
        make={"person": make_person, "student": make_student, "advisor": make_advisor, "experience": make_experience},
    )


def _cells() -> list[Any]:
    return [
        pytest.param(rule, kind, id=f"{domain}:{rule.method} {rule.path}:{kind}")
        for domain, rule in RULES
        for kind in KINDS
    ]


@pytest.mark.parametrize(("rule", "kind"), _cells())
def test_access_cell(app: Any, client: Any, world: World, rule: Rule, kind: str) -> None:
    values = rule.setup(world) if rule.setup else {}
    world.session.commit()
    path = rule.path.format(**values)
    if kind != "anonymous":
        person = getattr(world, kind)
        assert client.post("/dev/login", data={"person_id": person.id}).status_code == 302
    data = rule.data(world) if callable(rule.data) else rule.data
    response = client.open(path, method=rule.method, data=data)
    expected = rule.expect[kind]
    status = response.status_code
    to_login = status == 302 and response.headers.get("Location", "").startswith("/login")
    if expected == LOGIN:
        assert to_login or status == 401, f"{kind} on {rule.method} {path}: got {status}, expected sign-in"
    elif expected == ALLOWED:
        assert status not in (401, 403, 404) and not to_login, f"{kind} on {rule.method} {path}: denied ({status})"
    else:
        assert status == expected, f"{kind} on {rule.method} {path}: got {status}, expected {expected}"
