"""The directory login form (LDAP bind as the person) through the app, against a real slapd."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.sso.models import Person, Role
from tests.hostile_next import HOSTILE_NEXT
from tests.peers.ldap import CampusDirectory
from tests.sso.conftest import directory_config


@pytest.fixture()
def ldap_app(session: Any, make_app: Any, campus: CampusDirectory) -> Any:
    return make_app(**directory_config(campus))


def test_login_page_shows_the_form(ldap_app: Any) -> None:
    page = ldap_app.test_client().get("/login").get_data(as_text=True)
    assert '<label for="username">Username</label>' in page
    assert '<label for="password">Password</label>' in page
    assert 'action="/login/directory"' in page
    assert "Development login" not in page


@pytest.mark.parametrize(
    ("username", "home", "roles"),
    [
        ("maya", "/student", {Role.STUDENT}),
        ("dana", "/advisor", {Role.ADVISOR}),
        ("karen", "/registrar", {Role.REGISTRAR}),
        ("alex", "/admin", {Role.ADMIN, Role.REGISTRAR}),
    ],
)
def test_each_role_signs_in_and_lands_home(
    ldap_app: Any, session: Any, username: str, home: str, roles: set[Role]
) -> None:
    client = ldap_app.test_client()
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    response = client.post("/login/directory", data={"username": username, "password": "secret"})
    assert response.status_code == 302 and response.headers["Location"] == home
    page = client.get(home)
    assert page.status_code == 200
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess["method"] == "ldap"
    person = session.execute(sa.select(Person).where(Person.id == sess["pid"])).scalar_one()
    assert person.roles == roles and person.sso_subject.startswith("ldap:uid=" + username)


def test_next_is_kept_but_only_local(ldap_app: Any) -> None:
    client = ldap_app.test_client()
    response = client.post("/login/directory", data={"username": "maya", "password": "secret", "next": "/me"})
    assert response.headers["Location"] == "/me"
    client = ldap_app.test_client()
    response = client.post(
        "/login/directory", data={"username": "maya", "password": "secret", "next": "//evil.example/"}
    )
    assert response.headers["Location"] == "/student"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_next_lands_home(ldap_app: Any, target: str) -> None:
    client = ldap_app.test_client()
    response = client.post("/login/directory", data={"username": "maya", "password": "secret", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/student"


@pytest.mark.parametrize(
    ("username", "password"),
    [("maya", "wrong"), ("nobody", "secret"), ("*", "secret"), ("maya)(uid=*", "secret"), ("*)(|(uid=*", "x")],
)
def test_wrong_credentials_get_one_generic_message(ldap_app: Any, session: Any, username: str, password: str) -> None:
    client = ldap_app.test_client()
    response = client.post("/login/directory", data={"username": username, "password": password})
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert '<p class="error" id="password-error">The username or password is not correct.</p>' in page
    assert 'aria-invalid="true"' in page
    with client.session_transaction() as sess:
        assert "pid" not in sess
    assert session.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one() == 0


def test_empty_fields_are_named_beside_them(ldap_app: Any) -> None:
    response = ldap_app.test_client().post("/login/directory", data={"username": "", "password": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<p class="error" id="username-error">Enter your campus username or email address.</p>' in page
    assert '<p class="error" id="password-error">Enter your password.</p>' in page


def test_unknown_role_gets_a_clear_refusal(ldap_app: Any) -> None:
    client = ldap_app.test_client()
    response = client.post("/login/directory", data={"username": "vic", "password": "secret"})
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "<h1>Sign-in refused</h1>" in page and "nothing there gives you access" in page
    with client.session_transaction() as sess:
        assert "pid" not in sess


def test_directory_down_gets_a_clear_page(ldap_app: Any, campus: CampusDirectory) -> None:
    client = ldap_app.test_client()
    with campus.outage():
        response = client.post("/login/directory", data={"username": "maya", "password": "secret"})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "<h1>The campus directory is unavailable</h1>" in page and "you are not signed in" in page


def test_role_change_takes_effect_at_the_next_login(ldap_app: Any, campus: CampusDirectory) -> None:
    client = ldap_app.test_client()
    client.post("/login/directory", data={"username": "dana", "password": "secret"})
    assert client.get("/advisor").status_code == 200
    campus.add_member("career-advisors", "maya")  # a groupOfNames may not lose its last member
    campus.remove_member("career-advisors", "dana")
    campus.add_member("registrar-staff", "dana")
    try:
        client.post("/logout")
        response = client.post("/login/directory", data={"username": "dana", "password": "secret"})
        assert response.headers["Location"] == "/registrar"
        assert client.get("/advisor").status_code == 403
    finally:
        campus.remove_member("registrar-staff", "dana")
        campus.add_member("career-advisors", "dana")
        campus.remove_member("career-advisors", "maya")


def test_the_form_is_rate_limited(make_app: Any, session: Any, campus: CampusDirectory) -> None:
    app = make_app(**directory_config(campus, RATELIMIT_ENABLED=True, LDAP_LOGIN_RATE_LIMIT="3 per minute"))
    client = app.test_client()
    statuses = [
        client.post("/login/directory", data={"username": "maya", "password": "wrong"}).status_code for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    response = client.post("/login/directory", data={"username": "maya", "password": "secret"})
    assert response.status_code == 429 and "Too many requests" in response.get_data(as_text=True)
    # From another address, the same username is still limited; another username is not.
    elsewhere = {"REMOTE_ADDR": "192.0.2.7"}
    response = client.post("/login/directory", data={"username": "maya", "password": "x"}, environ_base=elsewhere)
    assert response.status_code == 429
    response = client.post("/login/directory", data={"username": "liam", "password": "x"}, environ_base=elsewhere)
    assert response.status_code == 401


def test_form_has_csrf(make_app: Any, session: Any, campus: CampusDirectory) -> None:
    app = make_app(**directory_config(campus, WTF_CSRF_ENABLED=True))
    client = app.test_client()
    assert 'name="csrf_token"' in client.get("/login").get_data(as_text=True)
    response = client.post("/login/directory", data={"username": "maya", "password": "secret"})
    assert response.status_code == 400
    with client.session_transaction() as sess:
        assert "pid" not in sess


def test_without_a_directory_the_form_does_not_exist(client: Any) -> None:
    assert "/login/directory" not in client.get("/login").get_data(as_text=True)
    assert client.post("/login/directory", data={"username": "maya", "password": "secret"}).status_code == 404
