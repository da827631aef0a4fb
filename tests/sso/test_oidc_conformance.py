"""ID tokens a real provider will not mint, from a hostile provider over real HTTP.

A small OpenID Provider (werkzeug, served by `LiveServer`) publishes discovery, JWKS, token and
userinfo endpoints and answers the token request with a crafted ID token. The service's real
authlib client must refuse each bad one, as the OpenID Foundation's relying-party conformance
tests expect (rp-id_token-bad-sig-rs256, rp-id_token-sig-none, rp-id_token-iss-mismatch,
rp-id_token-aud-mismatch, rp-nonce-invalid, rp-id_token-kid-absent-*, rp-userinfo-bad-sub-claim…).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from werkzeug.wrappers import Request, Response

from careercenter.sso.models import Person
from tests.peers.ldap import CampusDirectory
from tests.peers.live_server import LiveServer
from tests.sso.conftest import directory_config

CLIENT_ID = "careercenter"
CLIENT_SECRET = "careercenter-client-secret-for-tests"
SIGNING = RSAKey.generate_key(2048, parameters={"kid": "good", "alg": "RS256", "use": "sig"})
SECOND = RSAKey.generate_key(2048, parameters={"kid": "second", "alg": "RS256", "use": "sig"})
ATTACKER = RSAKey.generate_key(2048, parameters={"kid": "good", "alg": "RS256", "use": "sig"})


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@dataclass
class HostileProvider:
    """What the provider will say next; tests change it before the callback."""

    url: str = ""
    nonce: str = ""
    issuer_override: str | None = None
    id_token: Callable[[HostileProvider], str] | None = None
    userinfo: dict[str, Any] = field(default_factory=dict)
    jwks_keys: list[RSAKey] = field(default_factory=lambda: [SIGNING])
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "sub": "maya-sub",
            "aud": CLIENT_ID,
            "exp": now + 300,
            "iat": now,
            "nonce": self.nonce,
            "email": "maya.okafor@students.example.edu",
            "preferred_username": "maya",
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def signed(self, claims: dict[str, Any], key: RSAKey = SIGNING, header: dict[str, Any] | None = None) -> str:
        return jwt.encode(header or {"alg": "RS256", "kid": key.kid}, claims, key)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/.well-known/openid-configuration":
            body: Any = {
                "issuer": self.issuer_override or self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                # Hostile: it offers "none" and HMAC, hoping the client takes the list on trust.
                "id_token_signing_alg_values_supported": ["RS256", "none", "HS256"],
            }
        elif request.path == "/jwks":
            body = {"keys": [key.as_dict(private=False) for key in self.jwks_keys]}
        elif request.path == "/token" and request.method == "POST":
            self.token_requests.append(dict(request.form))
            assert self.id_token is not None
            body = {"access_token": "access-token", "token_type": "Bearer", "expires_in": 300}
            body["id_token"] = self.id_token(self)
        elif request.path == "/userinfo":
            body = self.userinfo
        else:
            return Response("not found", 404)(environ, start_response)
        return Response(json.dumps(body), mimetype="application/json")(environ, start_response)


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileProvider]:
    provider = HostileProvider()
    server = LiveServer(provider)
    provider.url = server.url
    try:
        yield provider
    finally:
        server.stop()


@pytest.fixture()
def run_flow(session: Any, make_app: Any, hostile: HostileProvider, campus: CampusDirectory) -> Callable[..., Any]:
    """Start a sign-in, make the provider answer with `id_token(provider)`, return the callback response."""

    def run(id_token: Callable[[HostileProvider], str], *, userinfo: dict[str, Any] | None = None, **setup: Any) -> Any:
        hostile.id_token = id_token
        hostile.userinfo = userinfo or {}
        hostile.jwks_keys = setup.get("jwks_keys", [SIGNING])
        hostile.issuer_override = setup.get("issuer_override")
        hostile.token_requests.clear()
        app = make_app(
            **directory_config(
                campus, OIDC_ISSUER=hostile.url, OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET
            )
        )
        client = app.test_client()
        started = client.get("/login")
        if started.status_code != 302:
            return started
        query = parse_qs(urlsplit(started.headers["Location"]).query)
        hostile.nonce = query["nonce"][0]
        response = client.get(f"/auth/callback?code=the-code&state={query['state'][0]}")
        with client.session_transaction() as sess:
            response.signed_in = sess.get("pid")  # type: ignore[attr-defined]
        return response

    return run


def _refused(response: Any, caplog: Any, reason: str) -> None:
    """Refused with the generic page, for `reason` (from the log: the page says nothing more)."""
    assert reason in caplog.text
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "Your sign-in could not be completed" in response.get_data(as_text=True)
    assert response.signed_in is None


def test_a_good_token_signs_in(run_flow: Any, hostile: HostileProvider, session: Any) -> None:
    response = run_flow(lambda p: p.signed(p.claims()))
    assert response.status_code == 302 and response.headers["Location"] == "/student"
    assert session.get(Person, response.signed_in).campus_id == "S1001"
    sent = hostile.token_requests[0]
    assert sent["grant_type"] == "authorization_code" and len(sent["code_verifier"]) >= 43  # PKCE


def test_wrong_nonce(run_flow: Any, caplog: Any) -> None:
    _refused(run_flow(lambda p: p.signed(p.claims(nonce="someone-elses-nonce"))), caplog, "Invalid claim: 'nonce'")


def test_missing_nonce(run_flow: Any, caplog: Any) -> None:
    _refused(run_flow(lambda p: p.signed(p.claims(nonce=None))), caplog, "Missing claim: 'nonce'")


def test_wrong_issuer(run_flow: Any, caplog: Any) -> None:
    _refused(run_flow(lambda p: p.signed(p.claims(iss="https://evil.example"))), caplog, "Invalid claim: 'iss'")


def test_wrong_audience(run_flow: Any, caplog: Any) -> None:
    _refused(
        run_flow(lambda p: p.signed(p.claims(aud="another-client", azp=CLIENT_ID))), caplog, "Invalid claim: 'aud'"
    )


def test_several_audiences_without_azp(run_flow: Any, caplog: Any) -> None:
    _refused(run_flow(lambda p: p.signed(p.claims(aud=[CLIENT_ID, "another-client"]))), caplog, "Missing claim: 'azp'")


def test_expired_token(run_flow: Any, caplog: Any) -> None:
    now = int(time.time())
    _refused(run_flow(lambda p: p.signed(p.claims(exp=now - 600, iat=now - 900))), caplog, "ExpiredTokenError")


def test_forged_signature(run_flow: Any, caplog: Any) -> None:
    _refused(run_flow(lambda p: p.signed(p.claims(), key=ATTACKER)), caplog, "BadSignatureError")


def test_alg_none_is_refused(run_flow: Any, caplog: Any) -> None:
    _refused(
        run_flow(lambda p: _b64({"alg": "none"}) + "." + _b64(p.claims()) + "."),
        caplog,
        "Algorithm of 'none' is not allowed",
    )


def test_hmac_with_the_client_secret_is_refused(run_flow: Any, caplog: Any) -> None:
    secret = OctKey.import_key(CLIENT_SECRET)
    _refused(
        run_flow(lambda p: jwt.encode({"alg": "HS256"}, p.claims(), secret)),
        caplog,
        "Algorithm of 'HS256' is not allowed",
    )


def test_no_kid_with_one_key_in_the_jwks_is_accepted(run_flow: Any) -> None:
    response = run_flow(lambda p: p.signed(p.claims(), header={"alg": "RS256"}))
    assert response.status_code == 302 and response.signed_in is not None


def test_no_kid_with_several_keys_is_refused(run_flow: Any, caplog: Any) -> None:
    _refused(
        run_flow(lambda p: p.signed(p.claims(), header={"alg": "RS256"}), jwks_keys=[SIGNING, SECOND]),
        caplog,
        "InvalidKeyIdError",
    )


def test_userinfo_for_another_subject_is_refused(run_flow: Any, caplog: Any) -> None:
    only_sub = {"email": None, "preferred_username": None}
    userinfo = {"sub": "someone-else", "email": "dana.whitfield@example.edu", "preferred_username": "dana"}
    _refused(
        run_flow(lambda p: p.signed(p.claims(**only_sub)), userinfo=userinfo), caplog, "userinfo sub does not match"
    )


def test_userinfo_for_the_same_subject_is_used(run_flow: Any, session: Any) -> None:
    only_sub = {"email": None, "preferred_username": None}
    userinfo = {"sub": "maya-sub", "email": "maya.okafor@students.example.edu", "email_verified": True}
    response = run_flow(lambda p: p.signed(p.claims(**only_sub)), userinfo=userinfo)
    assert response.status_code == 302 and session.get(Person, response.signed_in).campus_id == "S1001"


def test_unverified_email_is_not_used_to_find_the_person(run_flow: Any) -> None:
    claims = {"preferred_username": None, "email_verified": False}
    response = run_flow(lambda p: p.signed(p.claims(**claims)))
    assert response.status_code == 403 and response.signed_in is None


def test_discovery_for_another_issuer_is_refused(run_flow: Any) -> None:
    response = run_flow(lambda p: p.signed(p.claims()), issuer_override="https://evil.example")
    assert response.status_code == 400 and "describes itself as another issuer" in response.get_data(as_text=True)
