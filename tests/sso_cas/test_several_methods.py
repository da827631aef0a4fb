"""Several sign-in methods at once: SAML (real pysaml2 IdP) and CAS (real mama-cas) side by side,
listed on the login page in the campus's order and labels, ending in the same person."""

from __future__ import annotations

import json
from typing import Any

import pytest

from careercenter import create_app
from careercenter.config import ConfigError, from_environment
from careercenter.sso.campus_setup import parse_login_methods
from careercenter.sso.models import Role
from tests.sso_cas.conftest import callback_path
from tests.sso_saml.conftest import ROLE_MAP, _register, saml_config, start

LABELS = [
    {"method": "cas", "label": "Medical School (CAS)"},
    {"method": "saml", "label": "Campus sign-in (Shibboleth)"},
]


@pytest.fixture()
def both_app(make_app: Any, saml_idp: Any, saml_sp_keys: Any, cas_server: Any, session: Any) -> Any:
    app = make_app(**saml_config(saml_idp, saml_sp_keys, CAS_SERVER_URL=cas_server.url, LOGIN_METHODS=LABELS))
    _register(app, saml_idp)
    return app


def test_login_page_lists_methods_in_order_with_labels(both_app: Any) -> None:
    page = both_app.test_client().get("/login").get_data(as_text=True)
    cas_at = page.index("Medical School (CAS)")
    saml_at = page.index("Campus sign-in (Shibboleth)")
    assert cas_at < saml_at
    assert 'href="/cas/login"' in page and 'href="/saml/login"' in page
    page = both_app.test_client().get("/login?next=/me").get_data(as_text=True)
    assert 'href="/saml/login?next=/me"' in page


def test_same_person_whichever_method(both_app: Any, saml_idp: Any, cas_server: Any, make_person: Any) -> None:
    alice = make_person(Role.STUDENT, campus_id="S1001", email="alice@example.edu")
    by_saml = both_app.test_client()
    post = saml_idp.sign_in(start(by_saml), "alice")
    assert by_saml.post("/saml/acs", data=post.form()).headers["Location"] == "/student"
    by_cas = by_saml.application.test_client()
    location = by_cas.get("/cas/login").headers["Location"]
    assert by_cas.get(callback_path(cas_server.sign_in(location, "alice"))).headers["Location"] == "/student"
    for client in (by_saml, by_cas):
        assert "Alice Student" in client.get("/me").get_data(as_text=True)
    with by_cas.session_transaction() as cas_session, by_saml.session_transaction() as saml_session:
        assert cas_session["pid"] == saml_session["pid"] == alice.id
        assert (cas_session["method"], saml_session["method"]) == ("cas", "saml")


def test_match_on_email_when_configured(make_app: Any, cas_server: Any, make_person: Any, session: Any) -> None:
    # The directory gave this person another campus id; the campus matches on email only.
    person = make_person(Role.STUDENT, campus_id="OLD-42", email="alice@example.edu")
    app = make_app(
        PUBLIC_URL="http://careers.test", CAS_SERVER_URL=cas_server.url, SSO_MATCH_ORDER="email", LDAP_ROLE_MAP=ROLE_MAP
    )
    client = app.test_client()
    location = client.get("/cas/login").headers["Location"]
    assert client.get(callback_path(cas_server.sign_in(location, "alice"))).headers["Location"] == "/student"
    with client.session_transaction() as flask_session:
        assert flask_session["pid"] == person.id
    # With the default order (campus id, then email) the same person is found by email too.
    app = make_app(PUBLIC_URL="http://careers.test", CAS_SERVER_URL=cas_server.url, LDAP_ROLE_MAP=ROLE_MAP)
    client = app.test_client()
    location = client.get("/cas/login").headers["Location"]
    assert client.get(callback_path(cas_server.sign_in(location, "alice"))).status_code == 302


def test_affiliations_map_to_roles(make_app: Any, cas_server: Any, make_person: Any, session: Any) -> None:
    bob = make_person(Role.STUDENT, campus_id="F2001", email="bob@example.edu")
    app = make_app(
        PUBLIC_URL="http://careers.test",
        CAS_SERVER_URL=cas_server.url,
        LDAP_ROLE_MAP={"faculty": "advisor", "student": "student"},
    )
    client = app.test_client()
    location = client.get("/cas/login").headers["Location"]
    assert client.get(callback_path(cas_server.sign_in(location, "bob"))).headers["Location"] == "/advisor"
    session.refresh(bob)
    assert bob.roles == {Role.ADVISOR}


def test_login_methods_from_the_environment() -> None:
    config = from_environment({"CAREERCENTER_LOGIN_METHODS": json.dumps(LABELS)})
    assert parse_login_methods(config["LOGIN_METHODS"]) == [
        ("cas", "Medical School (CAS)"),
        ("saml", "Campus sign-in (Shibboleth)"),
    ]
    with pytest.raises(ConfigError, match="not valid JSON"):
        from_environment({"CAREERCENTER_LOGIN_METHODS": "[saml"})
    for bad in (
        {"method": "saml"},
        [{"label": "x"}],
        [{"method": "saml"}, {"method": "saml"}],
        [{"method": "cas", "label": ""}],
    ):
        with pytest.raises(ConfigError):
            parse_login_methods(bad)


def test_unconfigured_method_in_the_list_is_refused_at_start(database_url: str, tmp_path: Any) -> None:
    from tests.conftest import make_test_config

    config = make_test_config(database_url, tmp_path, LOGIN_METHODS=[{"method": "saml"}])
    with pytest.raises(ConfigError, match="'saml', which is not configured"):
        create_app(config)
    config = make_test_config(database_url, tmp_path, SSO_MATCH_ORDER="username")
    with pytest.raises(ConfigError, match="SSO_MATCH_ORDER"):
        create_app(config)


def test_saml_without_keys_is_refused_at_start(database_url: str, tmp_path: Any, saml_idp: Any) -> None:
    from tests.conftest import make_test_config

    config = make_test_config(database_url, tmp_path, SAML_IDP_METADATA=str(saml_idp.metadata_path))
    with pytest.raises(ConfigError, match="SAML_SP_KEY"):
        create_app(config)
    config = make_test_config(database_url, tmp_path, CAS_SERVER_URL="cas.example.edu")
    with pytest.raises(ConfigError, match="CAS_SERVER_URL"):
        create_app(config)


def test_unconfigured_routes_are_404(client: Any) -> None:
    for path in ("/saml/login", "/saml/metadata", "/saml/sls", "/cas/login", "/cas/callback"):
        assert client.get(path).status_code == 404
    assert client.post("/saml/acs").status_code == 404


def test_single_method_starts_at_once(make_app: Any, cas_server: Any, session: Any) -> None:
    app = make_app(PUBLIC_URL="http://careers.test", CAS_SERVER_URL=cas_server.url, DEV_LOGIN=False)
    client = app.test_client()
    response = client.get("/login?next=/me")
    assert response.status_code == 302 and response.headers["Location"] == "/cas/login?next=/me"
    assert client.get(response.headers["Location"]).headers["Location"].startswith(f"{cas_server.url}/login?")
