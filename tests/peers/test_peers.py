"""Each real peer starts, does its job, and can be stopped and started again."""

from __future__ import annotations

import base64
import json
import smtplib
from collections.abc import Callable, Iterable, Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import ldap
import ldap.filter
import pytest
import requests
from ldap.ldapobject import LDAPObject

from tests.peers.browser import check_accessibility
from tests.peers.ldap import PEOPLE_DN, SUFFIX, CampusDirectory, person_dn
from tests.peers.live_server import LiveServer
from tests.peers.oidc import (
    OidcClient,
    OidcLoginError,
    OidcProvider,
    login_via_browserless,
    logout_via_browserless,
    make_jwks,
    pkce_pair,
)
from tests.peers.smtp import SmtpServer

pytest_plugins = ["tests.peers.fixtures"]

RP = "http://127.0.0.1:9"  # nothing listens there: the redirect is returned, not fetched
ACCOUNTS = {
    "ada": {
        "email": "ada@example.edu",
        "email_verified": True,
        "name": "Ada Lovelace",
        "groups": ["students", "cs-majors"],
    },
}

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _jwt_part(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _provider(factory: Callable[..., OidcProvider], **options: Any) -> OidcProvider:
    client = OidcClient(
        redirect_uris=[f"{RP}/auth/callback"],
        post_logout_redirect_uris=[f"{RP}/signed-out"],
    )
    return factory(client=client, accounts=ACCOUNTS, **options)


def _code_flow(provider: OidcProvider, login: str = "ada") -> dict[str, Any]:
    verifier, challenge = pkce_pair()
    session = requests.Session()
    url = provider.authorize_url(
        code_challenge=challenge, state="st-1", nonce="n-1", scope="openid email profile groups"
    )
    redirect = login_via_browserless(session, url, login)
    assert redirect.startswith(f"{RP}/auth/callback?")
    query = parse_qs(urlsplit(redirect).query)
    assert query["state"] == ["st-1"]
    assert query["iss"] == [provider.issuer]
    client = provider.client
    resp = requests.post(
        provider.token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": client.redirect_uris[0],
            "code_verifier": verifier,
        },
        auth=(client.client_id, client.client_secret),
        timeout=5,
    )
    assert resp.status_code == 200, resp.text
    return {"session": session, **resp.json()}


# -- OpenID Provider ---------------------------------------------------------------------------


def test_oidc_discovery(oidc_provider_factory: Callable[..., OidcProvider]) -> None:
    provider = _provider(oidc_provider_factory)
    doc = requests.get(provider.discovery_url, timeout=5).json()
    assert doc["issuer"] == provider.issuer
    assert provider.issuer.startswith("http://127.0.0.1:")
    assert "S256" in doc["code_challenge_methods_supported"]
    assert doc["end_session_endpoint"] == f"{provider.issuer}/session/end"
    assert "client_secret_basic" in doc["token_endpoint_auth_methods_supported"]
    assert provider.startup_seconds is not None
    assert provider.startup_seconds < 15


def test_oidc_login_tokens_userinfo_logout(
    oidc_provider_factory: Callable[..., OidcProvider],
) -> None:
    provider = _provider(oidc_provider_factory)
    tokens = _code_flow(provider)
    claims = _jwt_part(tokens["id_token"], 1)
    assert claims["sub"] == "ada"
    assert claims["nonce"] == "n-1"
    assert claims["aud"] == provider.client.client_id
    assert "email" not in claims  # conform_id_token_claims: only in userinfo
    assert _jwt_part(tokens["id_token"], 0)["kid"] == provider.jwks["keys"][0]["kid"]

    userinfo = requests.get(
        provider.userinfo_endpoint,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=5,
    ).json()
    assert userinfo["email"] == "ada@example.edu"
    assert userinfo["groups"] == ["students", "cs-majors"]

    end_session = (
        provider.end_session_endpoint
        + "?"
        + urlencode(
            {
                "id_token_hint": tokens["id_token"],
                "post_logout_redirect_uri": f"{RP}/signed-out",
                "state": "bye",
            }
        )
    )
    assert logout_via_browserless(tokens["session"], end_session) == f"{RP}/signed-out?state=bye"


def test_oidc_refuses_bad_password_unknown_user_and_missing_pkce(
    oidc_provider_factory: Callable[..., OidcProvider],
) -> None:
    provider = _provider(oidc_provider_factory)
    _, challenge = pkce_pair()
    for login, password in (("ada", "wrong"), ("nobody", "secret")):
        url = provider.authorize_url(code_challenge=challenge, state="s")
        with pytest.raises(OidcLoginError, match="Invalid login or password") as info:
            login_via_browserless(requests.Session(), url, login, password)
        assert info.value.status == 401

    no_pkce = (
        provider.authorization_endpoint
        + "?"
        + urlencode(
            {
                "client_id": provider.client.client_id,
                "response_type": "code",
                "scope": "openid",
                "redirect_uri": provider.client.redirect_uris[0],
                "state": "s",
            }
        )
    )
    resp = requests.get(no_pkce, allow_redirects=False, timeout=5)
    error = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert error["error"] == ["invalid_request"]
    assert "PKCE" in error["error_description"][0]


def test_oidc_claims_in_id_token_and_key_rotation(
    oidc_provider_factory: Callable[..., OidcProvider],
) -> None:
    provider = _provider(oidc_provider_factory, conform_id_token_claims=False, jwks=make_jwks("old"))
    claims = _jwt_part(_code_flow(provider)["id_token"], 1)
    assert claims["email"] == "ada@example.edu"
    assert claims["groups"] == ["students", "cs-majors"]

    issuer = provider.issuer
    provider.restart(jwks=make_jwks("new", "newer"))
    assert provider.issuer == issuer
    kids = [k["kid"] for k in requests.get(provider.jwks_uri, timeout=5).json()["keys"]]
    assert kids == ["new", "newer"]
    assert _jwt_part(_code_flow(provider)["id_token"], 0)["kid"] == "new"


# -- LDAP --------------------------------------------------------------------------------------


def _search(conn: LDAPObject, uid: str) -> list[tuple[str, dict[str, Any]]]:
    return conn.search_s(PEOPLE_DN, ldap.SCOPE_ONELEVEL, f"(uid={uid})", ["*"])


def _strs(values: Iterable[bytes]) -> list[str]:
    return [v.decode() for v in values]


def test_ldap_reader_sees_person_anonymous_sees_nothing(slapd: CampusDirectory) -> None:
    slapd.add_person(
        "peer-grace",
        "Grace Hopper",
        "grace@example.edu",
        "900100",
        ["student", "member"],
        program="CS-BS",
        class_level="senior",
    )
    slapd.add_group("peer-cs-majors", ["peer-grace"])

    reader = slapd.connect_as_reader()
    [(dn, attrs)] = _search(reader, "peer-grace")
    assert dn == person_dn("peer-grace")
    assert _strs(attrs["mail"]) == ["grace@example.edu"]
    assert _strs(attrs["employeeNumber"]) == ["900100"]
    assert _strs(attrs["departmentNumber"]) == ["CS-BS"]
    assert _strs(attrs["title"]) == ["senior"]
    assert _strs(attrs["eduPersonAffiliation"]) == ["student", "member"]
    assert _strs(attrs["eduPersonPrincipalName"]) == ["peer-grace@example.edu"]
    assert "userPassword" not in attrs
    groups = reader.search_s(slapd.groups_dn, ldap.SCOPE_ONELEVEL, f"(member={ldap.filter.escape_filter_chars(dn)})")
    assert [g for g, _ in groups] == ["cn=peer-cs-majors,ou=groups,dc=example,dc=edu"]

    anonymous = slapd.connect()
    with pytest.raises(ldap.NO_SUCH_OBJECT):  # not even the suffix is disclosed
        anonymous.search_s(SUFFIX, ldap.SCOPE_SUBTREE, "(uid=peer-grace)")

    user = slapd.connect(dn, "secret")
    assert user.whoami_s() == f"dn:{dn}"
    assert _strs(_search(user, "peer-grace")[0][1]["cn"]) == ["Grace Hopper"]
    with pytest.raises(ldap.INVALID_CREDENTIALS):
        slapd.connect(dn, "wrong")


def test_ldap_outage_and_modify(slapd: CampusDirectory) -> None:
    slapd.add_person("peer-linus", "Linus T", "linus@example.edu", "900101", ["staff"])
    with slapd.outage():
        assert not slapd.running
        with pytest.raises(ldap.SERVER_DOWN):
            slapd.connect_as_reader(timeout=1)
    slapd.modify_person("peer-linus", title="junior", mail="lt@example.edu")
    [(_, attrs)] = _search(slapd.connect_as_reader(), "peer-linus")
    assert _strs(attrs["title"]) == ["junior"]
    assert _strs(attrs["mail"]) == ["lt@example.edu"]


def test_ldap_memberof_overlay() -> None:
    with CampusDirectory(memberof=True) as directory:
        directory.add_base()
        directory.add_person("kim", "Kim Lee", "kim@example.edu", "1", ["faculty"])
        directory.add_group("advisors", ["kim"])
        reader = directory.connect_as_reader()
        [(_, attrs)] = reader.search_s(person_dn("kim"), ldap.SCOPE_BASE, attrlist=["memberOf"])
        assert _strs(attrs["memberOf"]) == ["cn=advisors,ou=groups,dc=example,dc=edu"]


# -- SMTP --------------------------------------------------------------------------------------


def _message(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "careercenter@example.edu"
    msg["To"] = "ada@example.edu"
    msg["Subject"] = subject
    msg.set_content("Your micro-internship offer is ready.")
    return msg


def test_smtp_receives_message(smtp_server: SmtpServer) -> None:
    smtp_server.reset()
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.send_message(_message("Offer: Data intern"))
    [received] = smtp_server.wait_for(1)
    assert received.subject == "Offer: Data intern"
    assert received.mail_from == "careercenter@example.edu"
    assert received.rcpt_tos == ("ada@example.edu",)
    assert "micro-internship offer" in received.text()


def test_smtp_failure_auth_and_outage() -> None:
    with SmtpServer(credentials=("mailer", "pw"), temporary_failure=True) as server:
        with smtplib.SMTP(server.host, server.port, timeout=5) as client:
            client.login("mailer", "pw")
            with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
                client.send_message(_message("x"))
        assert info.value.recipients["ada@example.edu"][0] == 451

        server.temporary_failure = False
        with smtplib.SMTP(server.host, server.port, timeout=5) as client:
            with pytest.raises(smtplib.SMTPSenderRefused):
                client.send_message(_message("no auth"))
        with smtplib.SMTP(server.host, server.port, timeout=5) as client:
            client.login("mailer", "pw")
            client.send_message(_message("with auth"))
        assert [(m.subject, m.auth_user) for m in server.messages] == [("with auth", "mailer")]

        with server.outage():
            with pytest.raises(ConnectionRefusedError):
                smtplib.SMTP(server.host, server.port, timeout=2)
        with smtplib.SMTP(server.host, server.port, timeout=5) as client:
            assert client.noop()[0] == 250


# -- browser + LiveServer ----------------------------------------------------------------------

GOOD_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Apply</title></head>
<body><main><h1>Apply</h1>
<form method="post"><label for="employer">Employer</label>
<input id="employer" name="employer"><button type="submit">Send</button></form>
</main></body></html>"""
BAD_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Apply</title></head>
<body><form><input name="employer"></form></body></html>"""


def _pages_app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    path = environ["PATH_INFO"]
    pages = {"/good": GOOD_PAGE, "/bad": BAD_PAGE, "/strict-csp": GOOD_PAGE}
    if path not in pages:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if path == "/strict-csp":
        headers.append(("Content-Security-Policy", "default-src 'self'"))
    start_response("200 OK", headers)
    return [pages[path].encode()]


@pytest.fixture(scope="module")
def pages_server() -> Iterator[LiveServer]:
    server = LiveServer(_pages_app)
    yield server
    server.stop()


def test_browser_and_accessibility(page: Any, pages_server: LiveServer) -> None:
    page.goto(f"{pages_server.url}/good")
    assert page.get_by_label("Employer").is_visible()
    check_accessibility(page)

    page.goto(f"{pages_server.url}/strict-csp")  # axe is injected despite the CSP
    check_accessibility(page)

    page.goto(f"{pages_server.url}/bad")
    with pytest.raises(AssertionError) as info:
        check_accessibility(page)
    assert "label" in str(info.value)
    assert "html-has-lang" in str(info.value)


def test_browser_logs_in_at_the_provider(page: Any, oidc_provider_factory: Callable[..., OidcProvider]) -> None:
    def callback(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"callback " + environ["QUERY_STRING"].encode()]

    with LiveServer(callback) as rp:
        provider = oidc_provider_factory(
            client=OidcClient(client_id="browser-rp", redirect_uris=[f"{rp.url}/cb"]),
            accounts=ACCOUNTS,
        )
        _, challenge = pkce_pair()
        page.goto(provider.authorize_url(code_challenge=challenge, state="b-1"))
        check_accessibility(page)  # the provider's own login form
        page.get_by_label("Login").fill("ada")
        page.get_by_label("Password").fill("secret")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{rp.url}/cb?**")
        query = parse_qs(urlsplit(page.url).query)
        assert query["state"] == ["b-1"]
        assert query["code"]
        provider.close()
