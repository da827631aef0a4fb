"""OpenID Connect sign-in through authlib's Flask client: prove who someone is.

Authorization code flow with PKCE (S256), `state` and `nonce`; provider metadata by discovery
from the issuer; the ID token checked by signature (JWKS, refetched on an unknown `kid`), `iss`,
`aud`, `azp`, `exp`, `iat` and `nonce`; claims read from userinfo when the ID token carries only
`sub` (whose `sub` must match). authlib does most of this; where it trusts the provider too much
this module closes the gap (see `CampusOidcClient`). Every HTTP call has a timeout.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import FlaskOAuth2App, OAuthError
from authlib.oidc.core import CodeIDToken, UserInfo
from flask import Flask, current_app, has_app_context
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from werkzeug.wrappers import Response

from careercenter.extensions import oauth
from careercenter.sso.errors import ProviderUnavailable, SignInFailed
from careercenter.sso.service import Identity
from careercenter.sso.settings import OidcSettings

log = logging.getLogger(__name__)

#: Signature algorithms an ID token may use: asymmetric only, never "none" nor HMAC (whose key
#: would be the client secret), whatever the provider's metadata lists.
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
#: Provider metadata is fetched again after this long, so that new endpoints are picked up.
METADATA_MAX_AGE = 3600
#: Clock skew allowed on exp/iat, in seconds.
LEEWAY = 60
PROTOCOL_CLAIMS = {
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nonce",
    "azp",
    "at_hash",
    "c_hash",
    "auth_time",
    "acr",
    "amr",
    "sid",
}

_PROVIDER_DOWN = (
    "The campus sign-in service cannot be reached right now, so nobody can sign in. Please try again in a few minutes."
)
_START_AGAIN = "Your sign-in could not be completed. Please start again from the sign-in page."


class CampusOidcClient(FlaskOAuth2App):
    """authlib's Flask OAuth2/OIDC client, stricter where authlib trusts the provider.

    - the discovery document's `issuer` must be the configured issuer (OpenID Discovery 4.3);
    - ID token algorithms come from `ALLOWED_ALGORITHMS`, not from the provider's metadata
      (authlib would accept `alg: none` if the metadata listed it);
    - `aud` must contain our client id (authlib checks only `azp`);
    - metadata is refetched after `METADATA_MAX_AGE`.
    """

    expected_issuer: str = ""

    def load_server_metadata(self) -> dict[str, Any]:
        loaded_at = self.server_metadata.get("_loaded_at")
        if loaded_at is not None and time.time() - loaded_at > METADATA_MAX_AGE:
            self.server_metadata = {}
        fresh = "_loaded_at" not in self.server_metadata
        metadata = super().load_server_metadata()
        if fresh and metadata.get("issuer") != self.expected_issuer:
            self.server_metadata = {}
            log.error("discovery document names issuer %r, expected %r", metadata.get("issuer"), self.expected_issuer)
            raise SignInFailed("The campus sign-in service describes itself as another issuer; sign-in is refused.")
        if fresh and metadata.get("end_session_endpoint") and has_app_context():
            # Pages must allow the sign-out form's redirect to the provider before anyone signs out.
            _allow_form_action(current_app, _origin(str(metadata["end_session_endpoint"])))
        return metadata

    def parse_id_token(
        self,
        token: dict[str, Any],
        nonce: str,
        claims_options: Any = None,
        claims_cls: Any = None,
        leeway: int = LEEWAY,
    ) -> UserInfo | None:
        if "id_token" not in token:
            return None
        metadata = self.load_server_metadata()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [alg for alg in offered if alg in ALLOWED_ALGORITHMS] or ["RS256"]
        registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
        try:
            decoded = jwt.decode(token["id_token"], KeySet.import_key_set(self.fetch_jwk_set()), registry=registry)
        except InvalidKeyIdError:  # a key we have not seen: the provider may have rotated
            decoded = jwt.decode(
                token["id_token"], KeySet.import_key_set(self.fetch_jwk_set(force=True)), registry=registry
            )
        options = {
            "iss": {"essential": True, "value": self.expected_issuer},
            "aud": {"essential": True, "value": self.client_id},
            "sub": {"essential": True},
        }
        params = {"nonce": nonce, "client_id": self.client_id}
        if "access_token" in token:
            params["access_token"] = token["access_token"]
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        claims.validate(leeway=leeway)
        aud = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if self.client_id not in aud or (len(aud) > 1 and claims.get("azp") != self.client_id):
            raise SignInFailed(_START_AGAIN)
        if not claims.get("nonce") or claims["nonce"] != nonce:
            raise SignInFailed(_START_AGAIN)
        return UserInfo(claims)


def init_oidc(app: Flask, settings: OidcSettings) -> CampusOidcClient:
    """Make this app's OIDC client (one per app: authlib's registry keeps one per process)."""
    client = CampusOidcClient(
        oauth.framework_integration_cls("oidc", None),
        "oidc",
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": settings.scopes,
            "code_challenge_method": "S256",
            "default_timeout": settings.timeout,
        },
    )
    client.expected_issuer = settings.issuer
    app.extensions["careercenter_oidc"] = client
    app.extensions["careercenter_oidc_settings"] = settings
    _allow_form_action(app, settings.origin)
    return client


def _allow_form_action(app: Flask, origin: str) -> None:
    """Let the sign-out form's redirect reach the provider (Chrome applies form-action to it)."""
    extra = list(app.config.get("CSP_FORM_ACTION_EXTRA") or [])
    if origin not in extra:
        app.config["CSP_FORM_ACTION_EXTRA"] = [*extra, origin]


def _client() -> CampusOidcClient:
    return current_app.extensions["careercenter_oidc"]


def redirect_uri() -> str:
    """The callback URL registered at the provider: the public URL + /auth/callback."""
    return current_app.config["PUBLIC_URL"] + "/auth/callback"


def start_login() -> Response:
    """Redirect the browser to the provider's authorization endpoint (state, nonce, PKCE)."""
    try:
        return _client().authorize_redirect(redirect_uri())
    except requests.RequestException as exc:
        log.warning("OIDC provider unreachable at sign-in start: %s", type(exc).__name__)
        raise ProviderUnavailable(_PROVIDER_DOWN) from None
    except (AuthlibBaseError, JoseError, ValueError, KeyError, RuntimeError) as exc:
        log.warning("OIDC sign-in start failed: %s", exc)
        raise ProviderUnavailable(_PROVIDER_DOWN) from None


def finish_login() -> tuple[Identity, str]:
    """Check the provider's answer on the callback; return who it proved and the ID token.

    Raises `SignInFailed` on anything that does not pass (wrong state, replayed code, bad token,
    userinfo for someone else) and `ProviderUnavailable` when the provider cannot be reached.
    """
    client = _client()
    settings: OidcSettings = current_app.extensions["careercenter_oidc_settings"]
    try:
        token = client.authorize_access_token(leeway=LEEWAY)
    except OAuthError as exc:
        if exc.error == "access_denied":
            raise SignInFailed("Sign-in was cancelled at the campus sign-in page.") from None
        log.warning("OIDC callback refused: %s", exc.error or type(exc).__name__)
        raise SignInFailed(_START_AGAIN) from None
    except requests.RequestException as exc:
        log.warning("OIDC provider unreachable at the callback: %s", type(exc).__name__)
        raise ProviderUnavailable(_PROVIDER_DOWN) from None
    except (AuthlibBaseError, JoseError, ValueError, KeyError, RuntimeError) as exc:
        log.warning("OIDC ID token refused: %s: %s", type(exc).__name__, exc)
        raise SignInFailed(_START_AGAIN) from None
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        log.warning("OIDC token response without a valid ID token")
        raise SignInFailed(_START_AGAIN)
    claims = dict(claims)
    if not (set(claims) - PROTOCOL_CLAIMS) or not (claims.get("email") or claims.get(settings.username_claim)):
        claims.update(_userinfo(client, token, claims["sub"]))
    email = claims.get("email") if claims.get("email_verified") is not False else None
    username = claims.get(settings.username_claim)
    identity = Identity(
        method="oidc",
        subject=f"oidc:{claims['iss']}|{claims['sub']}"[:255],
        username=str(username) if username else None,
        email=str(email).lower() if email else None,
    )
    return identity, token["id_token"]


def _userinfo(client: CampusOidcClient, token: dict[str, Any], sub: str) -> dict[str, Any]:
    """Claims from the userinfo endpoint, which must be about the ID token's subject."""
    try:
        info = dict(client.userinfo(token=token))
    except requests.RequestException as exc:
        log.warning("OIDC userinfo unreachable: %s", type(exc).__name__)
        raise ProviderUnavailable(_PROVIDER_DOWN) from None
    except (AuthlibBaseError, ValueError, KeyError) as exc:
        log.warning("OIDC userinfo refused: %s", type(exc).__name__)
        raise SignInFailed(_START_AGAIN) from None
    if info.get("sub") != sub:
        log.warning("OIDC userinfo sub does not match the ID token's")
        raise SignInFailed(_START_AGAIN)
    return {k: v for k, v in info.items() if k not in PROTOCOL_CLAIMS}


def logout_url(id_token: str | None) -> str | None:
    """The provider's end-session URL (RP-initiated logout), or None if it offers none."""
    client = _client()
    try:
        metadata = client.load_server_metadata()
        if not metadata.get("end_session_endpoint"):
            return None
        result = client.create_logout_url(
            post_logout_redirect_uri=current_app.config["PUBLIC_URL"] + "/",
            id_token_hint=id_token,
            client_id=client.client_id,
        )
    except (requests.RequestException, AuthlibBaseError, SignInFailed, RuntimeError) as exc:
        log.warning("OIDC end-session URL unavailable, signing out locally only: %s", type(exc).__name__)
        return None
    return str(result["url"])


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
