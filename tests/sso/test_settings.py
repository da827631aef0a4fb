"""The sign-in settings as an operator sets them: environment names, defaults, refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from careercenter import ConfigError
from careercenter.config import from_environment
from careercenter.sso.models import Role
from careercenter.sso.settings import directory_settings, oidc_settings, parse_role_map
from tests.peers.ldap import CampusDirectory
from tests.sso.conftest import directory_config

STRONG = "q3J8x-Vv2KpL0aZr7TnB4yWc9UeH1sGdMf6oQiXk5RjN"


def test_environment_names() -> None:
    env = {
        "CAREERCENTER_OIDC_ISSUER": "https://login.example.edu",
        "CAREERCENTER_OIDC_CLIENT_ID": "careers",
        "CAREERCENTER_OIDC_CLIENT_SECRET": "s3cret",
        "CAREERCENTER_OIDC_SCOPES": "openid email",
        "CAREERCENTER_LDAP_URL": "ldaps://ldap.example.edu",
        "CAREERCENTER_LDAP_BIND_DN": "cn=reader,dc=example,dc=edu",
        "CAREERCENTER_LDAP_BIND_PASSWORD": "pw",
        "CAREERCENTER_LDAP_BASE_DN": "dc=example,dc=edu",
        "CAREERCENTER_LDAP_USER_FILTER": "(uid={username})",
        "CAREERCENTER_LDAP_ROLE_MAP": json.dumps(
            {"cn=career-advisors,ou=groups,dc=example,dc=edu": "advisor", "student": "student"}
        ),
        "CAREERCENTER_LDAP_STARTTLS": "0",
        "CAREERCENTER_LDAP_TIMEOUT": "3",
        "CAREERCENTER_LDAP_ADVISOR_ATTRIBUTE": "manager",
        "CAREERCENTER_LDAP_LOGIN": "1",
    }
    config = from_environment(env)
    assert config["LDAP_ROLE_MAP"]["student"] == "student" and config["LDAP_LOGIN"] is True
    oidc = oidc_settings(config)
    assert oidc is not None and (oidc.issuer, oidc.client_id, oidc.scopes) == (
        "https://login.example.edu",
        "careers",
        "openid email",
    )
    directory = directory_settings(config)
    assert directory is not None and directory.timeout == 3 and directory.user_filter == "(uid={username})"
    assert parse_role_map(config["LDAP_ROLE_MAP"]) == {
        "cn=career-advisors,ou=groups,dc=example,dc=edu": Role.ADVISOR,
        "student": Role.STUDENT,
    }


def test_defaults(app: Any) -> None:
    assert app.config["OIDC_SCOPES"] == "openid email profile"
    assert app.config["LDAP_USER_FILTER"] == "(|(uid={username})(mail={email}))"


def test_bad_role_map_json_says_so() -> None:
    with pytest.raises(ConfigError, match="CAREERCENTER_LDAP_ROLE_MAP is not valid JSON"):
        from_environment({"CAREERCENTER_LDAP_ROLE_MAP": "{student: student}"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"LDAP_ROLE_MAP": {"student": "advisr"}}, "'advisr', which is not a role"),
        ({"LDAP_ROLE_MAP": []}, "must be a JSON object"),
        ({"LDAP_URL": "http://ldap.example.edu"}, "must start with ldap:// or ldaps://"),
        ({"LDAP_USER_FILTER": "(uid=*)"}, "must contain {username} or {email}"),
        ({"OIDC_ISSUER": "https://login.example.edu"}, "CAREERCENTER_OIDC_CLIENT_ID is required"),
        ({"OIDC_ISSUER": "https://login.example.edu", "OIDC_CLIENT_ID": "x", "OIDC_SCOPES": "email"}, "include openid"),
    ],
)
def test_bad_settings_stop_start_up(
    make_app: Any, campus: CampusDirectory, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        make_app(**directory_config(campus, **overrides))


def test_production_needs_an_encrypted_directory_connection(make_app: Any, campus: CampusDirectory) -> None:
    production = {"ENV_NAME": "production", "PUBLIC_URL": "https://c.example.edu", "SECRET_KEY": STRONG}
    with pytest.raises(ConfigError, match="use an ldaps:// URL or set CAREERCENTER_LDAP_STARTTLS=1"):
        make_app(ALLOW_SQLITE=True, **production, **directory_config(campus))


def test_production_refuses_the_development_login_with_sso(make_app: Any, campus: CampusDirectory) -> None:
    production = {"ENV_NAME": "production", "PUBLIC_URL": "https://c.example.edu", "SECRET_KEY": STRONG}
    with pytest.raises(ConfigError, match="development login is on in production"):
        make_app(ALLOW_SQLITE=True, **production, **directory_config(campus, DEV_LOGIN=True, LDAP_STARTTLS=True))


def test_neither_method_leaves_only_the_development_login(client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "Development login" in page and "campus single sign-on" not in page


def test_nothing_configured_in_production_says_so(make_app: Any) -> None:
    app = make_app(
        ENV_NAME="production", PUBLIC_URL="https://c.example.edu", SECRET_KEY=STRONG, ALLOW_SQLITE=True, DEV_LOGIN=False
    )
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "No sign-in method is configured" in page
    assert app.test_client().get("/dev/login").status_code == 404
