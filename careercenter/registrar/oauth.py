"""OAuth2 client credentials through authlib: the token endpoint's server, bearer-token checks
on API calls, and per-client rate limits (counted by the web's Flask-Limiter, on its storage)."""

from __future__ import annotations

import functools
import logging
import math
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.integrations.flask_oauth2.requests import FlaskJsonRequest
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import MissingAuthorizationError, UnsupportedTokenTypeError, grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator, InsufficientScopeError, InvalidTokenError
from flask import Flask, Response, current_app, g, request
from limits import parse_many

from careercenter.config import ConfigError
from careercenter.extensions import db
from careercenter.extensions import limiter as shared_limiter
from careercenter.registrar import service
from careercenter.registrar.models import SCOPES, ApiClient, ApiToken

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

REALM = "careercenter registrar API"

DEFAULTS: dict[str, Any] = {
    "REGISTRAR_TOKEN_LIFETIME_SECONDS": 3600,
    "REGISTRAR_RATE_LIMIT": "600 per minute",
    "REGISTRAR_TOKEN_RATE_LIMIT": "30 per minute",
    "REGISTRAR_SQLITE_SETTLE_SECONDS": 30,
}


class ApiProblem(Exception):
    """An API error that becomes an RFC 9457 problem+json response."""

    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}


# -- the token endpoint -------------------------------------------------------------------


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def _query_client(client_id: str) -> ApiClient | None:
    return service.active_client(db.session, client_id)


def _save_token(token: dict[str, Any], oauth_request: Any) -> None:
    service.save_token(db.session, oauth_request.client, token["access_token"], token["scope"], token["expires_in"])


def _access_token(**_: Any) -> str:
    return secrets.token_urlsafe(32)


def _expires_in(client: ApiClient, grant_type: str) -> int:
    return int(current_app.config["REGISTRAR_TOKEN_LIFETIME_SECONDS"])


def authorization_server(app: Flask) -> AuthorizationServer:
    """The app's own authorization server (one per app, so test apps never share settings)."""
    server = app.extensions.get("registrar_authorization")
    if server is None:
        server = AuthorizationServer(app, query_client=_query_client, save_token=_save_token)
        server.register_token_generator("default", BearerTokenGenerator(_access_token, None, _expires_in))
        server.scopes_supported = list(SCOPES)
        server.register_grant(ClientCredentialsGrant)
        app.extensions["registrar_authorization"] = server
    return server


def init_app(app: Flask) -> None:
    """Fill this domain's defaults, refuse unusable settings (one line each), make the server."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    for key in ("REGISTRAR_RATE_LIMIT", "REGISTRAR_TOKEN_RATE_LIMIT"):
        try:
            parse_many(str(app.config[key]))
        except ValueError:
            raise ConfigError(
                f"CAREERCENTER_{key} must be a rate such as '600 per minute' or '100/minute; 5000/hour', "
                f"not {app.config[key]!r}"
            ) from None
    if int(app.config["REGISTRAR_TOKEN_LIFETIME_SECONDS"]) < 60:
        raise ConfigError("CAREERCENTER_REGISTRAR_TOKEN_LIFETIME_SECONDS must be at least 60")
    if int(app.config["REGISTRAR_SQLITE_SETTLE_SECONDS"]) < 0:
        raise ConfigError("CAREERCENTER_REGISTRAR_SQLITE_SETTLE_SECONDS cannot be negative")
    # authlib logs each issued token (the access token itself) at DEBUG: never let that through.
    authlib_log = logging.getLogger("authlib")
    if authlib_log.level < logging.INFO:  # NOTSET (follow the root) or DEBUG
        authlib_log.setLevel(logging.INFO)
    authorization_server(app)
    # Any domain's API route protected by `api_auth` answers its refusals as problem+json.
    app.register_error_handler(ApiProblem, api_problem_response)


def api_problem_response(exc: ApiProblem) -> Response:
    """An `ApiProblem` as RFC 9457 problem+json, with its headers (WWW-Authenticate, Retry-After)."""
    from careercenter.errors import problem

    response = problem(exc.status, exc.detail, exc.title)
    response.headers.update(exc.headers)
    return response


# -- bearer tokens on API calls -----------------------------------------------------------


class TokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> ApiToken | None:
        return service.find_token(db.session, token_string)

    def validate_token(self, token: ApiToken | None, scopes: list[str] | None, request: Any) -> None:
        if token is None:
            raise InvalidTokenError("The access token is not known here. Request a new one at /oauth/token.")
        if token.is_revoked():
            raise InvalidTokenError("The access token was revoked with its client.")
        if token.is_expired():
            raise InvalidTokenError("The access token has expired. Request a new one at /oauth/token.")
        if self.scope_insufficient(token.get_scope(), scopes):
            raise InsufficientScopeError(f"This call needs the {' '.join(scopes or [])} scope.")


protector = ResourceProtector()
protector.register_token_validator(TokenValidator(realm=REALM))


def _problem_from(error: OAuth2Error, scope: str) -> ApiProblem:
    if isinstance(error, InsufficientScopeError):
        return ApiProblem(
            403,
            "Missing scope",
            f"This call needs an access token with the {scope} scope; ask for it at /oauth/token "
            "(the API client must have been created with it).",
            {"WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"'},
        )
    if isinstance(error, MissingAuthorizationError):
        detail = (
            "This API takes an OAuth2 bearer token (Authorization: Bearer <token>) from /oauth/token "
            "with client credentials; browser sessions are not accepted."
        )
        return ApiProblem(401, "Access token required", detail, {"WWW-Authenticate": f'Bearer realm="{REALM}"'})
    if isinstance(error, UnsupportedTokenTypeError):
        detail = "Send the access token as Authorization: Bearer <token>."
    else:
        detail = error.description or "The access token is not valid."
    return ApiProblem(
        401,
        "Invalid access token",
        detail,
        {"WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_token", error_description="{detail}"'},
    )


def api_auth(scope: str) -> Callable[[F], F]:
    """Require a valid bearer token with `scope`; then apply the client's rate limit.

    The session cookie is ignored: `g.person` is cleared, so nothing in an API view can act as
    a signed-in person.
    """

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.person = None
            try:
                token = protector.validate_request([scope], FlaskJsonRequest(request))
            except OAuth2Error as error:
                raise _problem_from(error, scope) from None
            g.api_client = token.client
            g.api_token = token
            check_rate_limit(token.client)
            return view(*args, **kwargs)

        wrapper.api_scope = scope  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def current_client() -> ApiClient:
    return g.api_client


# -- rate limits --------------------------------------------------------------------------


def _check(namespace: str, key: str, setting: str) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    try:
        # The web's Flask-Limiter: its strategy on its storage (CAREERCENTER_RATELIMIT_STORAGE_URL),
        # so API and web limits are counted in one place. Counted here rather than by its
        # decorator, for the API's own answers: 429 problem+json and serving when the store is down.
        limiter = shared_limiter.limiter
        tightest: tuple[int, float, Any] | None = None
        for item in parse_many(app.config[setting]):
            allowed = limiter.hit(item, namespace, key)
            reset_at, remaining = limiter.get_window_stats(item, namespace, key)
            if tightest is None or remaining < tightest[0]:
                tightest = (remaining, reset_at, item)
            if not allowed:
                retry = max(1, math.ceil(reset_at - time.time()))
                raise ApiProblem(
                    429,
                    "Too many requests",
                    f"The rate limit is {item}; try again in {retry} seconds.",
                    {"Retry-After": str(retry)},
                )
        if tightest is not None:
            remaining, reset_at, item = tightest
            g.rate_limit_headers = {
                "X-RateLimit-Limit": str(item.amount),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(math.ceil(reset_at)),
            }
    except ApiProblem:
        raise
    except Exception:  # the limit store is down: serve rather than fail the registrar's sync
        log.warning("rate-limit storage unavailable; request allowed", exc_info=True)


def check_rate_limit(client: ApiClient) -> None:
    """Count one call for `client`; 429 with Retry-After past the configured limit."""
    _check("registrar-api", client.client_id, "REGISTRAR_RATE_LIMIT")


def check_token_rate_limit() -> None:
    """Count one token request per remote address: slows guessing of client secrets."""
    _check("registrar-token", request.remote_addr or "unknown", "REGISTRAR_TOKEN_RATE_LIMIT")
