"""Web basics: health, headers, error pages, the development login and role homes."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.sso.models import Role


def test_healthz_answers_when_the_database_does(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_does_not(make_app: Any) -> None:
    app = make_app(database_url="postgresql://nobody@127.0.0.1:9/nothing")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}


def test_security_headers_on_every_page(client: Any) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_hsts_in_production(make_app: Any) -> None:
    app = make_app(
        ENV_NAME="production",
        DEV_LOGIN=False,
        PUBLIC_URL="https://careers.example.edu",
        SECRET_KEY="q3J8x-Vv2KpL0aZr7TnB4yWc9UeH1sGdMf6oQiXk5RjN",
        ALLOW_SQLITE=True,
    )
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.test_client().get("/dev/login").status_code == 404


@pytest.mark.parametrize("status", [400, 403, 404, 409, 500])
def test_error_pages_leak_nothing(make_app: Any, status: int) -> None:
    from flask import abort

    from careercenter.errors import Conflict

    app = make_app(TESTING=False)

    def boom() -> None:
        if status == 409:
            raise Conflict("This credit request is approved and cannot become returned.")
        if status == 500:
            raise RuntimeError("secret-internal-detail postgres://user:pw@db")
        abort(status)

    app.add_url_rule("/_test/boom", "boom", boom)
    response = app.test_client().get("/_test/boom")
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert "<main" in body and "Traceback" not in body and "secret-internal-detail" not in body
    assert "Go to the home page" in body
    if status == 409:
        assert "cannot become returned" in body


def test_api_errors_are_problem_json(client: Any) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_unknown_page_is_404_page(client: Any) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing here" in response.get_data(as_text=True)


def test_dev_login_lists_demo_people_and_signs_in(client: Any, make_student: Any) -> None:
    student = make_student(name="Maya Okafor")
    page = client.get("/dev/login").get_data(as_text=True)
    assert "Maya Okafor" in page
    response = client.post("/dev/login", data={"person_id": student.id})
    assert response.status_code == 302 and response.headers["Location"] == "/student"
    home = client.get("/student").get_data(as_text=True)
    assert "Signed in as Maya Okafor" in home


def test_dev_login_refuses_non_demo_people(client: Any, make_student: Any) -> None:
    real = make_student(is_demo=False)
    assert client.post("/dev/login", data={"person_id": real.id}).status_code == 404
    assert client.post("/dev/login", data={"person_id": "x"}).status_code == 400
    with client.session_transaction() as sess:
        assert "pid" not in sess


def test_login_renews_the_session(client: Any, make_student: Any) -> None:
    student = make_student()
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    client.post("/dev/login", data={"person_id": student.id})
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess["pid"] == student.id


@pytest.mark.parametrize(
    ("role", "home"),
    [(Role.STUDENT, "/student"), (Role.ADVISOR, "/advisor"), (Role.REGISTRAR, "/registrar"), (Role.ADMIN, "/admin")],
)
def test_each_role_lands_on_its_home(client: Any, make_person: Any, login: Any, role: Role, home: str) -> None:
    person = make_person(role)
    login(person)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == home
    assert client.get(home).status_code == 200


def test_role_homes_refuse_other_roles(client: Any, make_student: Any, login: Any) -> None:
    login(make_student())
    for path in ("/advisor", "/registrar", "/admin", "/registrar/students"):
        assert client.get(path).status_code == 403, path


def test_anonymous_is_sent_to_sign_in(client: Any) -> None:
    response = client.get("/student")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_logout_ends_the_session(client: Any, make_student: Any, login: Any) -> None:
    login(make_student())
    assert client.post("/logout").status_code == 302
    assert client.get("/student").status_code == 302


def test_idle_timeout(client: Any, make_student: Any, login: Any) -> None:
    login(make_student())
    with client.session_transaction() as sess:
        sess["seen_at"] -= 31 * 60
    assert client.get("/student").status_code == 302


def test_absolute_timeout(client: Any, make_student: Any, login: Any) -> None:
    login(make_student())
    with client.session_transaction() as sess:
        sess["auth_at"] -= 12 * 3600 + 1
    assert client.get("/student").status_code == 302


def test_deactivated_person_loses_access_at_once(client: Any, session: Any, make_student: Any, login: Any) -> None:
    student = make_student()
    login(student)
    session.execute(sa.text("UPDATE people SET is_active = false WHERE id = :id"), {"id": student.id})
    session.commit()
    assert client.get("/student").status_code == 302


def test_csrf_is_enforced_on_forms(make_app: Any) -> None:
    strict = make_app(WTF_CSRF_ENABLED=True)
    response = strict.test_client().post("/logout")
    assert response.status_code == 400
    assert "The request could not be understood" in response.get_data(as_text=True)


def test_seed_demo_makes_a_campus_once(runner: Any, session: Any) -> None:
    from careercenter.audit.service import disclosures_for
    from careercenter.credits.models import CreditAward
    from careercenter.sso.models import AdvisorAssignment, Person

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("people: 21 (11 students")
    named = sa.select(sa.func.count()).select_from(Person).where(Person.is_demo.is_(True))
    assert session.execute(named).scalar_one() == 21
    # and the reports' year of history: generated students, not on the development login
    assert session.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one() == 21 + 320
    assert session.execute(sa.select(sa.func.count()).select_from(AdvisorAssignment)).scalar_one() == 11
    # the demo registrar client's first read, in Maya's log naming only her award
    maya = session.execute(sa.select(Person).where(Person.campus_id == "S1001")).scalar_one()
    (read,) = [d for d in disclosures_for(session, maya.id) if d.party_type == "api_client"]
    assert read.party_label == "Demo registrar sync (registrar API client)"
    mine = session.execute(sa.select(CreditAward.id).where(CreditAward.student_id == maya.id)).scalars().all()
    assert read.records == f"credit award #{mine[0]} (read through the registrar API)" and len(mine) == 1
    assert "has read 4 awards once" in result.output
    again = runner.invoke(args=["seed-demo"])
    assert "already there; nothing changed" in again.output


def test_client_address_behind_a_trusted_proxy(make_app: Any) -> None:
    from flask import request

    seen: list[str | None] = []
    app = make_app(PROXY_COUNT=1)

    @app.get("/_test/addr")
    def addr() -> str:
        seen.append(request.remote_addr)
        return "ok"

    app.test_client().get(
        "/_test/addr", headers={"X-Forwarded-For": "198.51.100.7"}, environ_base={"REMOTE_ADDR": "10.0.0.10"}
    )
    direct = make_app()

    @direct.get("/_test/addr")
    def addr2() -> str:
        seen.append(request.remote_addr)
        return "ok"

    direct.test_client().get(
        "/_test/addr", headers={"X-Forwarded-For": "198.51.100.7"}, environ_base={"REMOTE_ADDR": "10.0.0.10"}
    )
    assert seen == ["198.51.100.7", "10.0.0.10"]  # without the setting a forged header is ignored


def test_unhandled_error_log_names_the_route_not_the_path(make_app: Any, caplog: Any) -> None:
    app = make_app(TESTING=False)

    @app.get("/_test/secret/<token>")
    def boom(token: str) -> str:
        raise RuntimeError("boom")

    app.test_client().get("/_test/secret/tok-SECRET-123")
    messages = [r.getMessage() for r in caplog.records if r.name == "careercenter.errors"]
    assert messages == ["unhandled error on GET /_test/secret/<token>"]
    assert "tok-SECRET-123" not in caplog.text
