"""OIDC sign-in against a real OpenID Provider (npm oidc-provider) and the real directory."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
import sqlalchemy as sa

from careercenter.sso.models import Person, Role
from tests.hostile_next import HOSTILE_NEXT, query
from tests.peers.ldap import CampusDirectory
from tests.peers.oidc import OidcClient, OidcProvider, login_via_browserless, logout_via_browserless, make_jwks
from tests.sso.conftest import PEOPLE, directory_config

PUBLIC_URL = "http://careers.test"
ACCOUNTS = {
    uid: {"email": mail, "email_verified": True, "name": name, "preferred_username": uid}
    for uid, (name, mail, *_rest) in PEOPLE.items()
} | {"ghost": {"email": "ghost@example.edu", "email_verified": True, "name": "Ghost", "preferred_username": "ghost"}}


@pytest.fixture(scope="module")
def provider(oidc_provider_factory: Any) -> Iterator[OidcProvider]:
    client = OidcClient(
        redirect_uris=[f"{PUBLIC_URL}/auth/callback"],
        post_logout_redirect_uris=[f"{PUBLIC_URL}/"],
    )
    op = oidc_provider_factory(client=client, accounts=ACCOUNTS, jwks=make_jwks("key-1"))
    yield op
    op.close()


def oidc_config(provider: OidcProvider, campus: CampusDirectory, **overrides: Any) -> dict[str, Any]:
    return directory_config(
        campus,
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=provider.client.client_id,
        OIDC_CLIENT_SECRET=provider.client.client_secret,
        **overrides,
    )


@pytest.fixture()
def oidc_app(session: Any, make_app: Any, provider: OidcProvider, campus: CampusDirectory) -> Any:
    return make_app(**oidc_config(provider, campus))


def start(client: Any) -> str:
    """GET /login: the redirect to the provider's authorization endpoint."""
    response = client.get("/login")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def authorize(client: Any, login: str) -> str:
    """Start at /login, sign in at the provider; return the query it sends back to us."""
    back = login_via_browserless(requests.Session(), start(client), login)
    parts = urlsplit(back)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{PUBLIC_URL}/auth/callback", back
    return parts.query


def sign_in(client: Any, login: str) -> Any:
    return client.get(f"/auth/callback?{authorize(client, login)}")


def signed_in_pid(client: Any) -> int | None:
    with client.session_transaction() as sess:
        return sess.get("pid")


def _payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_login_redirects_with_pkce_state_and_nonce(oidc_app: Any, provider: OidcProvider) -> None:
    location = start(oidc_app.test_client())
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    assert location.startswith(provider.authorization_endpoint)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert query["scope"] == ["openid email profile"]
    assert query["redirect_uri"] == [f"{PUBLIC_URL}/auth/callback"]


@pytest.mark.parametrize(
    ("login", "home", "roles"),
    [
        ("maya", "/student", {Role.STUDENT}),
        ("dana", "/advisor", {Role.ADVISOR}),
        ("karen", "/registrar", {Role.REGISTRAR}),
        ("alex", "/admin", {Role.ADMIN, Role.REGISTRAR}),
    ],
)
def test_each_role_signs_in_and_lands_home(
    oidc_app: Any, session: Any, provider: OidcProvider, login: str, home: str, roles: set[Role]
) -> None:
    client = oidc_app.test_client()
    with client.session_transaction() as sess:
        sess["planted"] = "fixation"
    response = sign_in(client, login)
    assert response.status_code == 302 and response.headers["Location"] == home
    assert client.get(home).status_code == 200
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess["method"] == "oidc"
        assert not [key for key in sess if key.startswith("_state_")]
        id_token = sess["oidc_id_token"]
    # The provider put only protocol claims in the ID token: name and email came from userinfo.
    assert "email" not in _payload(id_token)
    person = session.get(Person, signed_in_pid(client))
    assert person.roles == roles and person.email == ACCOUNTS[login]["email"]
    assert person.sso_subject == f"oidc:{provider.issuer}|{login}"


def test_claims_in_the_id_token_work_too(
    session: Any, make_app: Any, oidc_provider_factory: Any, campus: CampusDirectory
) -> None:
    op = oidc_provider_factory(
        client=OidcClient(redirect_uris=[f"{PUBLIC_URL}/auth/callback"]),
        accounts=ACCOUNTS,
        conform_id_token_claims=False,
    )
    try:
        client = make_app(**oidc_config(op, campus)).test_client()
        response = sign_in(client, "maya")
        assert response.headers["Location"] == "/student"
        with client.session_transaction() as sess:
            assert _payload(sess["oidc_id_token"])["email"] == ACCOUNTS["maya"]["email"]
    finally:
        op.close()


def test_next_survives_the_round_trip(oidc_app: Any) -> None:
    client = oidc_app.test_client()
    response = client.get("/me")
    assert response.status_code == 302
    location = client.get(response.headers["Location"]).headers["Location"]
    back = login_via_browserless(requests.Session(), location, "maya")
    response = client.get(f"/auth/callback?{urlsplit(back).query}")
    assert response.headers["Location"] == "/me"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_next_lands_home(oidc_app: Any, target: str) -> None:
    client = oidc_app.test_client()
    location = client.get(f"/login?method=oidc&next={query(target)}").headers["Location"]
    back = login_via_browserless(requests.Session(), location, "maya")
    response = client.get(f"/auth/callback?{urlsplit(back).query}")
    assert response.status_code == 302 and response.headers["Location"] == "/student"


def test_wrong_state_is_refused(oidc_app: Any) -> None:
    client = oidc_app.test_client()
    query = parse_qs(authorize(client, "maya"))
    query["state"] = ["not-the-state-we-sent"]
    response = client.get(f"/auth/callback?{urlencode(query, doseq=True)}")
    assert response.status_code == 400
    assert "Your sign-in could not be completed" in response.get_data(as_text=True)
    assert signed_in_pid(client) is None


def test_callback_without_a_flow_is_refused(oidc_app: Any) -> None:
    response = oidc_app.test_client().get("/auth/callback?code=abc&state=def")
    assert response.status_code == 400 and "Please start again" in response.get_data(as_text=True)


def test_replayed_code_is_refused(oidc_app: Any, caplog: Any) -> None:
    client = oidc_app.test_client()
    query = authorize(client, "maya")
    assert client.get(f"/auth/callback?{query}").status_code == 302
    # The same callback again, in the same browser and in another: the state is spent.
    client.post("/logout")
    assert client.get(f"/auth/callback?{query}").status_code == 400
    other = oidc_app.test_client()
    assert other.get(f"/auth/callback?{query}").status_code == 400
    # The old code under a fresh, valid state: the provider refuses to redeem it twice.
    fresh = parse_qs(urlsplit(start(other)).query)
    replay = parse_qs(query) | {"state": fresh["state"]}
    with caplog.at_level("WARNING", logger="careercenter.sso.oidc"):
        response = other.get(f"/auth/callback?{urlencode(replay, doseq=True)}")
    assert response.status_code == 400 and signed_in_pid(other) is None
    assert "OIDC callback refused: invalid_grant" in caplog.text


def test_cancelled_at_the_provider(oidc_app: Any) -> None:
    client = oidc_app.test_client()
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    response = client.get(f"/auth/callback?error=access_denied&state={state}")
    assert response.status_code == 400 and "cancelled" in response.get_data(as_text=True)


def test_unknown_person_is_refused_with_a_clear_page(oidc_app: Any, session: Any) -> None:
    client = oidc_app.test_client()
    response = sign_in(client, "ghost")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "<h1>Sign-in refused</h1>" in page and "The campus directory does not list you" in page
    assert signed_in_pid(client) is None
    assert session.execute(sa.select(Person).where(Person.email == "ghost@example.edu")).first() is None


def test_no_role_is_refused(oidc_app: Any) -> None:
    response = sign_in(oidc_app.test_client(), "vic")
    assert response.status_code == 403 and "nothing there gives you access" in response.get_data(as_text=True)


def test_directory_down_refuses_sign_in(oidc_app: Any, campus: CampusDirectory) -> None:
    client = oidc_app.test_client()
    assert sign_in(client, "karen").status_code == 302  # karen is known, with a role
    client.post("/logout")
    query = authorize(client, "karen")
    with campus.outage():
        response = client.get(f"/auth/callback?{query}")
    assert response.status_code == 503
    assert "The campus directory is unavailable" in response.get_data(as_text=True)
    assert signed_in_pid(client) is None


def test_role_change_takes_effect_at_the_next_login(oidc_app: Any, campus: CampusDirectory) -> None:
    client = oidc_app.test_client()
    assert sign_in(client, "karen").headers["Location"] == "/registrar"
    campus.add_member("career-admins", "karen")
    try:
        assert client.get("/admin").status_code == 403  # not before the next sign-in
        client.post("/logout")
        assert sign_in(client, "karen").headers["Location"] == "/admin"
        assert client.get("/admin").status_code == 200
    finally:
        campus.remove_member("career-admins", "karen")


def test_key_rotation_refetches_the_jwks(oidc_app: Any, provider: OidcProvider) -> None:
    client = oidc_app.test_client()
    assert sign_in(client, "maya").status_code == 302
    cached = oidc_app.extensions["careercenter_oidc"].server_metadata["jwks"]
    assert [key["kid"] for key in cached["keys"]] == ["key-1"]
    provider.restart(jwks=make_jwks("key-2"))
    try:
        client.post("/logout")
        response = sign_in(client, "maya")
        assert response.status_code == 302 and response.headers["Location"] == "/student"
        cached = oidc_app.extensions["careercenter_oidc"].server_metadata["jwks"]
        assert [key["kid"] for key in cached["keys"]] == ["key-2"]
    finally:
        provider.restart(jwks=make_jwks("key-1"))


def test_provider_down_before_discovery(oidc_app: Any, provider: OidcProvider) -> None:
    provider.stop()
    try:
        response = oidc_app.test_client().get("/login")
    finally:
        provider.start()
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "<h1>Campus sign-in is unavailable</h1>" in page and "cannot be reached" in page


def test_provider_down_at_the_callback(oidc_app: Any, provider: OidcProvider) -> None:
    client = oidc_app.test_client()
    query = authorize(client, "maya")
    provider.stop()
    try:
        response = client.get(f"/auth/callback?{query}")
    finally:
        provider.start()
    assert response.status_code == 503 and "cannot be reached" in response.get_data(as_text=True)
    assert signed_in_pid(client) is None


def test_logout_ends_the_provider_session_too(oidc_app: Any, provider: OidcProvider) -> None:
    client = oidc_app.test_client()
    browser = requests.Session()
    back = login_via_browserless(browser, start(client), "maya")
    assert client.get(f"/auth/callback?{urlsplit(back).query}").status_code == 302
    csp = client.get("/student").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.issuer}" in csp
    response = client.post("/logout")
    end_session = response.headers["Location"]
    assert end_session.startswith(provider.end_session_endpoint)
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == [f"{PUBLIC_URL}/"] and "id_token_hint" in query
    assert signed_in_pid(client) is None and client.get("/student").status_code == 302
    assert logout_via_browserless(browser, end_session).startswith(f"{PUBLIC_URL}/?state=")
    # The provider forgot the browser: the next authorization asks for the password again.
    again = browser.get(start(oidc_app.test_client()), allow_redirects=True, timeout=10)
    assert '<input id="password"' in again.text


def test_several_methods_show_the_choices(
    session: Any, make_app: Any, provider: OidcProvider, campus: CampusDirectory
) -> None:
    app = make_app(**oidc_config(provider, campus, LDAP_LOGIN=True))
    client = app.test_client()
    page = client.get("/login?next=/me").get_data(as_text=True)
    assert 'href="/login?method=oidc&amp;next=/me"' in page
    assert "Sign in with campus single sign-on" in page and 'action="/login/directory"' in page
    response = client.get("/login?method=oidc&next=/me")
    assert response.status_code == 302 and response.headers["Location"].startswith(provider.authorization_endpoint)
    assert client.get("/login?method=saml").status_code == 404


def test_oidc_needs_the_directory(make_app: Any, provider: OidcProvider) -> None:
    from careercenter import ConfigError

    with pytest.raises(ConfigError, match="CAREERCENTER_LDAP_URL is not"):
        make_app(OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID="x")


def test_set_up_from_the_environment_as_the_readme_says(
    session: Any, make_app: Any, provider: OidcProvider, campus: CampusDirectory, monkeypatch: Any
) -> None:
    from tests.peers.ldap import READER_DN, READER_PASSWORD, SUFFIX

    env = {
        "CAREERCENTER_OIDC_ISSUER": provider.issuer,
        "CAREERCENTER_OIDC_CLIENT_ID": provider.client.client_id,
        "CAREERCENTER_OIDC_CLIENT_SECRET": provider.client.client_secret,
        "CAREERCENTER_LDAP_URL": campus.ldap_uri,
        "CAREERCENTER_LDAP_STARTTLS": "1",
        "CAREERCENTER_LDAP_CA_CERT_FILE": campus.cafile,
        "CAREERCENTER_LDAP_BIND_DN": READER_DN,
        "CAREERCENTER_LDAP_BIND_PASSWORD": READER_PASSWORD,
        "CAREERCENTER_LDAP_BASE_DN": f"ou=people,{SUFFIX}",
        "CAREERCENTER_LDAP_GROUP_BASE_DN": f"ou=groups,{SUFFIX}",
        "CAREERCENTER_LDAP_ROLE_MAP": f"""{{"cn=career-advisors,ou=groups,{SUFFIX}": "advisor",
  "cn=registrar-staff,ou=groups,{SUFFIX}": "registrar",
  "cn=career-admins,ou=groups,{SUFFIX}": "admin", "student": "student"}}""",
        "CAREERCENTER_DEV_LOGIN": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = make_app(DEV_LOGIN=False)
    for login, home in [("maya", "/student"), ("dana", "/advisor"), ("karen", "/registrar")]:
        client = app.test_client()
        response = sign_in(client, login)
        assert response.status_code == 302 and response.headers["Location"] == home
        assert client.get(home).status_code == 200
