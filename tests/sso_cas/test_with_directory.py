"""A campus with SAML, CAS and OIDC at once, and its LDAP directory: every method ends in the
same directory lookup and role mapping (`resolve_person`), so a person is the same person
whichever way they sign in. Real peers: pysaml2 IdP, mama-cas, oidc-provider, slapd."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.peers.ldap import CampusDirectory
from tests.peers.oidc import OidcClient, OidcProvider, login_via_browserless
from tests.sso.conftest import PEOPLE, campus, directory_config  # noqa: F401  (campus: the slapd fixture)
from tests.sso_cas.conftest import callback_path
from tests.sso_saml.conftest import _register, saml_config, start

PUBLIC_URL = "http://careers.test"
METHODS = [
    {"method": "saml", "label": "Campus sign-in (Shibboleth)"},
    {"method": "oidc", "label": "Medical School"},
    {"method": "cas", "label": "Library (CAS)"},
]


@pytest.fixture(scope="module")
def provider(oidc_provider_factory: Any) -> Iterator[OidcProvider]:
    accounts = {
        uid: {"email": mail, "email_verified": True, "name": name, "preferred_username": uid}
        for uid, (name, mail, *_rest) in PEOPLE.items()
    }
    client = OidcClient(redirect_uris=[f"{PUBLIC_URL}/auth/callback"], post_logout_redirect_uris=[f"{PUBLIC_URL}/"])
    op = oidc_provider_factory(client=client, accounts=accounts)
    yield op
    op.close()


@pytest.fixture()
def campus_app(
    make_app: Any,
    session: Any,
    campus: CampusDirectory,  # noqa: F811
    provider: OidcProvider,
    saml_idp: Any,
    saml_sp_keys: Any,
    cas_server: Any,
) -> Any:
    config = directory_config(
        campus,
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=provider.client.client_id,
        OIDC_CLIENT_SECRET=provider.client.client_secret,
        CAS_SERVER_URL=cas_server.url,
        LOGIN_METHODS=METHODS,
    )
    saml = saml_config(saml_idp, saml_sp_keys)
    saml.pop("LDAP_ROLE_MAP")  # the directory's role map applies
    app = make_app(**config, **saml)
    _register(app, saml_idp)
    return app


def _by_saml(app: Any, idp: Any, user: str) -> Any:
    client = app.test_client()
    post = idp.sign_in(start(client), user)
    return client, client.post("/saml/acs", data=post.form())


def _by_cas(app: Any, cas_server: Any, user: str) -> Any:
    client = app.test_client()
    back = cas_server.sign_in(client.get("/cas/login").headers["Location"], user)
    return client, client.get(callback_path(back))


def _by_oidc(app: Any, user: str) -> Any:
    client = app.test_client()
    location = client.get("/login?method=oidc").headers["Location"]
    back = login_via_browserless(requests.Session(), location, user)
    return client, client.get(back.replace(PUBLIC_URL, "", 1))


def _pid(client: Any) -> int | None:
    with client.session_transaction() as flask_session:
        return flask_session.get("pid")


def test_login_page_lists_the_three_methods_in_order(campus_app: Any) -> None:
    page = campus_app.test_client().get("/login").get_data(as_text=True)
    positions = [page.index(m["label"]) for m in METHODS]
    assert positions == sorted(positions)
    assert 'href="/saml/login"' in page and 'href="/login?method=oidc"' in page and 'href="/cas/login"' in page


def test_same_person_by_saml_cas_and_oidc(campus_app: Any, saml_idp: Any, cas_server: Any) -> None:
    clients = []
    for sign_in in (
        lambda: _by_saml(campus_app, saml_idp, "maya"),
        lambda: _by_cas(campus_app, cas_server, "maya"),
        lambda: _by_oidc(campus_app, "maya"),
    ):
        client, response = sign_in()
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.headers["Location"] == "/student"
        clients.append(client)
    pids = {_pid(c) for c in clients}
    assert len(pids) == 1 and None not in pids
    # The directory's name wins over what the IdP released ("Maya O."): one source of truth.
    assert "Maya Okafor" in clients[0].get("/me").get_data(as_text=True)


def test_roles_come_from_the_directory(campus_app: Any, saml_idp: Any, cas_server: Any) -> None:
    assert _by_saml(campus_app, saml_idp, "dana")[1].headers["Location"] == "/advisor"
    assert _by_cas(campus_app, cas_server, "karen")[1].headers["Location"] == "/registrar"


def test_someone_the_directory_does_not_list_is_refused(campus_app: Any, saml_idp: Any, cas_server: Any) -> None:
    for client, response in (_by_saml(campus_app, saml_idp, "alice"), _by_cas(campus_app, cas_server, "alice")):
        assert response.status_code == 403
        assert "does not list you" in response.get_data(as_text=True)
        assert _pid(client) is None


def test_directory_down_fails_closed(campus_app: Any, saml_idp: Any, campus: CampusDirectory) -> None:  # noqa: F811
    client = campus_app.test_client()
    post = saml_idp.sign_in(start(client), "maya")
    with campus.outage():
        response = client.post("/saml/acs", data=post.form())
    assert response.status_code == 503
    assert _pid(client) is None
