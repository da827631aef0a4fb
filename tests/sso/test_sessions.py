"""Session cookies and timeouts as the issue words them: HttpOnly, SameSite=Lax, Secure in
production; idle (default 30 min) and absolute (default 12 h) timeouts, both configurable."""

from __future__ import annotations

from typing import Any

import pytest

from careercenter.config import from_environment
from tests.peers.ldap import CampusDirectory
from tests.sso.conftest import directory_config

STRONG = "q3J8x-Vv2KpL0aZr7TnB4yWc9UeH1sGdMf6oQiXk5RjN"


def _cookie(response: Any) -> str:
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("careercenter_session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_cookie_flags_in_development(client: Any, make_student: Any) -> None:
    cookie = _cookie(client.post("/dev/login", data={"person_id": make_student().id}))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_cookie_is_secure_in_production(make_app: Any, session: Any, campus: CampusDirectory) -> None:
    app = make_app(
        ENV_NAME="production",
        PUBLIC_URL="https://careers.example.edu",
        SECRET_KEY=STRONG,
        ALLOW_SQLITE=True,
        **directory_config(campus, LDAP_STARTTLS=True, LDAP_CA_CERT_FILE=campus.cafile),
    )
    response = app.test_client().post(
        "/login/directory", data={"username": "maya", "password": "secret"}, base_url="https://careers.example.edu"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/student"
    cookie = _cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _age(client: Any, *, idle_minutes: float = 0, since_login_minutes: float = 0) -> None:
    with client.session_transaction() as sess:
        sess["seen_at"] -= idle_minutes * 60
        sess["auth_at"] -= since_login_minutes * 60


@pytest.mark.parametrize(("idle", "kept"), [(29, True), (31, False)])
def test_idle_timeout_defaults_to_30_minutes(client: Any, make_student: Any, login: Any, idle: int, kept: bool) -> None:
    login(make_student())
    _age(client, idle_minutes=idle, since_login_minutes=idle)
    response = client.get("/student")
    assert (response.status_code == 200) is kept
    if not kept:
        assert response.headers["Location"].startswith("/login")
        assert "Your session has ended" in client.get("/login").get_data(as_text=True)


def test_idle_clock_moves_with_activity(client: Any, make_student: Any, login: Any) -> None:
    login(make_student())
    for _ in range(3):  # 3 × 20 minutes of use, never 30 idle
        _age(client, idle_minutes=20, since_login_minutes=20)
        assert client.get("/student").status_code == 200


@pytest.mark.parametrize(("hours", "kept"), [(11.9, True), (12.1, False)])
def test_absolute_timeout_defaults_to_12_hours(
    client: Any, make_student: Any, login: Any, hours: float, kept: bool
) -> None:
    login(make_student())
    _age(client, since_login_minutes=hours * 60)  # active a moment ago, signed in long ago
    assert (client.get("/student").status_code == 200) is kept


def test_timeouts_are_configurable(make_app: Any, session: Any, make_student: Any) -> None:
    app = make_app(SESSION_IDLE_MINUTES=5, SESSION_ABSOLUTE_HOURS=1)
    student = make_student()
    client = app.test_client()
    client.post("/dev/login", data={"person_id": student.id})
    _age(client, idle_minutes=6, since_login_minutes=6)
    assert client.get("/student").status_code == 302
    client.post("/dev/login", data={"person_id": student.id})
    _age(client, since_login_minutes=61)
    assert client.get("/student").status_code == 302
    assert app.permanent_session_lifetime.total_seconds() == 3600


def test_timeouts_come_from_the_environment() -> None:
    config = from_environment({"CAREERCENTER_SESSION_IDLE_MINUTES": "15", "CAREERCENTER_SESSION_ABSOLUTE_HOURS": "8"})
    assert config == {"SESSION_IDLE_MINUTES": 15, "SESSION_ABSOLUTE_HOURS": 8}


def test_the_cookie_is_written_when_it_changes_not_on_every_response(
    client: Any, make_student: Any, login: Any
) -> None:
    login(make_student())
    client.get("/student")  # the first page after signing in may move the idle clock
    response = client.get("/student")
    assert response.status_code == 200
    assert not [v for k, v in response.headers.items() if k == "Set-Cookie"]
    _age(client, idle_minutes=2, since_login_minutes=2)  # the idle clock moves once a minute
    moved = client.get("/student")
    assert moved.status_code == 200 and "careercenter_session=" in _cookie(moved)
