"""`flask directory sync` against the real directory."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from careercenter.sso.models import AdvisorAssignment, Person, Role
from tests.peers.ldap import CampusDirectory, group_dn, person_dn
from tests.sso.conftest import directory_config


def _sync(app: Any) -> tuple[int, list[str]]:
    with app.app_context():  # the command's own app, not the test session's
        result = app.test_cli_runner().invoke(args=["directory", "sync"])
    return result.exit_code, result.output.splitlines()


def _person(session: Any, campus_id: str) -> Person:
    return session.execute(sa.select(Person).where(Person.campus_id == campus_id)).scalar_one()


def test_sync_imports_people_and_assignments_idempotently(
    session: Any, make_app: Any, campus: CampusDirectory, make_student: Any
) -> None:
    demo = make_student(name="Demo Student")
    app = make_app(**directory_config(campus))
    code, lines = _sync(app)
    assert code == 0, lines
    assert "added: S1001 Maya Okafor (student)" in lines
    assert "added: F2001 Dana Whitfield (advisor)" in lines
    assert "added: A4001 Alex Morgan (admin, registrar)" in lines
    assert not any("V9001" in line for line in lines)  # no mapped role: not imported
    assert "assignment added: F2001 Dana Whitfield -> S1001 Maya Okafor" in lines
    assert lines[-1] == "5 added, 0 changed, 0 removed; assignments: 1 added, 0 removed"
    maya, dana = _person(session, "S1001"), _person(session, "F2001")
    assignment = session.get(AdvisorAssignment, (dana.id, maya.id))
    assert assignment is not None and assignment.source == "directory"
    assert maya.program == "Computer Science" and maya.roles == {Role.STUDENT}

    code, lines = _sync(app)
    assert code == 0 and lines == ["0 added, 0 changed, 0 removed; assignments: 0 added, 0 removed"]
    session.refresh(demo)
    assert demo.is_active  # demo people are not the directory's


def test_sync_changes_and_removes(session: Any, make_app: Any, campus: CampusDirectory) -> None:
    app = make_app(**directory_config(campus))
    assert _sync(app)[0] == 0
    maya, liam, dana = _person(session, "S1001"), _person(session, "S1002"), _person(session, "F2001")
    session.add(AdvisorAssignment(advisor_id=dana.id, student_id=liam.id, source="manual"))
    session.commit()
    campus.modify_person("liam", departmentNumber="Economics")
    campus.modify_person("maya", manager=None)
    campus.delete_person("karen")
    campus.remove_member("registrar-staff", "karen")
    try:
        code, lines = _sync(app)
    finally:
        campus.add_person("karen", "Karen Mbeki", "karen.mbeki@example.edu", "R3001", ["staff", "employee"], None, None)
        campus.add_member("registrar-staff", "karen")
        campus.modify_person("liam", departmentNumber="Business Administration")
        campus.modify_person("maya", manager=person_dn("dana"))
    assert code == 0, lines
    assert "changed: S1002 Liam Chen (program)" in lines
    assert "removed: R3001 Karen Mbeki" in lines
    assert "assignment removed: F2001 Dana Whitfield -> S1001 Maya Okafor" in lines
    assert lines[-1] == "0 added, 1 changed, 1 removed; assignments: 0 added, 1 removed"
    assert _person(session, "R3001").is_active is False
    assert session.get(AdvisorAssignment, (dana.id, maya.id)) is None
    assert session.get(AdvisorAssignment, (dana.id, liam.id)) is not None  # manual ones stay

    code, lines = _sync(app)  # karen is back in the directory: active again
    assert "changed: R3001 Karen Mbeki (is_active)" in lines
    assert _person(session, "R3001").is_active is True


def test_sync_removes_access_at_once(session: Any, make_app: Any, campus: CampusDirectory) -> None:
    app = make_app(**directory_config(campus))
    client = app.test_client()
    response = client.post("/login/directory", data={"username": "liam", "password": "secret"})
    assert response.status_code == 302 and response.headers["Location"] == "/student"
    assert client.get("/student").status_code == 200
    campus.delete_person("liam")
    try:
        code, lines = _sync(app)
    finally:
        campus.add_person(
            "liam",
            "Liam Chen",
            "liam.chen@students.example.edu",
            "S1002",
            ["student"],
            "Business Administration",
            "senior",
        )
    assert "removed: S1002 Liam Chen" in lines
    response = client.get("/student")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_sync_reads_advising_groups(session: Any, make_app: Any, campus: CampusDirectory) -> None:
    campus.add_group("advisees-dana", ["liam"])
    campus.modify(group_dn("advisees-dana"), {"owner": person_dn("dana")})
    try:
        app = make_app(**directory_config(campus, LDAP_ADVISING_GROUP_FILTER="(cn=advisees-*)"))
        code, lines = _sync(app)
    finally:
        campus.delete(group_dn("advisees-dana"))
    assert code == 0, lines
    assert "assignment added: F2001 Dana Whitfield -> S1002 Liam Chen" in lines
    assert "assignment added: F2001 Dana Whitfield -> S1001 Maya Okafor" in lines


def test_sync_with_the_directory_down_changes_nothing(session: Any, make_app: Any, campus: CampusDirectory) -> None:
    app = make_app(**directory_config(campus))
    with campus.outage():
        code, lines = _sync(app)
    assert code != 0 and "nothing changed: The campus directory cannot be reached" in "\n".join(lines)
    assert session.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one() == 0


def test_sync_without_a_directory_says_what_to_set(runner: Any) -> None:
    result = runner.invoke(args=["directory", "sync"])
    assert result.exit_code != 0 and "set CAREERCENTER_LDAP_URL" in result.output
