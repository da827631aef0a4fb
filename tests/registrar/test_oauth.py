"""OAuth2 client credentials: the CLI, the token endpoint, bearer checks, expiry, revocation,
scopes, and per-client rate limits (memory and the real Redis on 127.0.0.1:6379)."""

from __future__ import annotations

import hashlib
import socket
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.db import utcnow
from careercenter.registrar.models import ApiClient, ApiToken
from tests.registrar.conftest import basic


def _token_row(session: Any, access_token: str) -> ApiToken:
    digest = hashlib.sha256(access_token.encode()).hexdigest()
    return session.execute(sa.select(ApiToken).where(ApiToken.token_hash == digest)).scalar_one()


# -- CLI ------------------------------------------------------------------------------------


def test_create_prints_exactly_two_lines_and_keeps_only_a_hash(runner: Any, session: Any) -> None:
    result = runner.invoke(args=["api-clients", "create", "Banner nightly", "--scopes", "credits:read credits:write"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("client_id: ") and lines[1].startswith("client_secret: ")
    client_id, secret = lines[0].split(": ", 1)[1], lines[1].split(": ", 1)[1]
    row = session.execute(sa.select(ApiClient).where(ApiClient.client_id == client_id)).scalar_one()
    assert row.name == "Banner nightly" and row.scopes == "credits:read credits:write"
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str([getattr(row, c.key) for c in ApiClient.__table__.columns])
    assert len(secret) >= 40


def test_create_refuses_bad_scopes_and_duplicate_names(runner: Any, session: Any) -> None:
    bad = runner.invoke(args=["api-clients", "create", "X", "--scopes", "credits:read admin"])
    assert bad.exit_code != 0 and "admin" in bad.output and "credits:write" in bad.output
    assert runner.invoke(args=["api-clients", "create", "Twice"]).exit_code == 0
    again = runner.invoke(args=["api-clients", "create", "Twice"])
    assert again.exit_code != 0 and "already exists" in again.output
    assert session.execute(sa.select(sa.func.count()).select_from(ApiClient)).scalar_one() == 1


def test_list_and_revoke(runner: Any, make_api_client: Any) -> None:
    make_api_client(name="PeopleSoft loader", scopes="credits:read")
    listed = runner.invoke(args=["api-clients", "list"]).output
    assert "PeopleSoft loader" in listed and "credits:read" in listed and "active" in listed
    assert runner.invoke(args=["api-clients", "revoke", "PeopleSoft loader"]).exit_code == 0
    assert "revoked" in runner.invoke(args=["api-clients", "list"]).output
    missing = runner.invoke(args=["api-clients", "revoke", "Nobody"])
    assert missing.exit_code != 0 and "No API client is named 'Nobody'" in missing.output


# -- the token endpoint ---------------------------------------------------------------------


def test_token_by_basic_auth_is_hashed_and_expires_in_an_hour(client: Any, session: Any, make_api_client: Any) -> None:
    made = make_api_client()
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(made.client.client_id, made.secret)
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "credits:read credits:write"
    assert response.headers["Cache-Control"] == "no-store"
    row = _token_row(session, body["access_token"])
    assert body["access_token"] not in (row.token_hash, row.scope)
    assert timedelta(minutes=59) < row.expires_at - utcnow() <= timedelta(hours=1)


def test_token_by_post_body_with_narrower_scope(client: Any, make_api_client: Any) -> None:
    made = make_api_client()
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": made.client.client_id,
            "client_secret": made.secret,
            "scope": "credits:read",
        },
    )
    assert response.status_code == 200
    assert response.get_json()["scope"] == "credits:read"


def test_token_lifetime_is_configurable(
    app: Any, client: Any, make_api_client: Any, monkeypatch: pytest.MonkeyPatch, get_token: Any
) -> None:
    monkeypatch.setitem(app.config, "REGISTRAR_TOKEN_LIFETIME_SECONDS", 120)
    assert get_token(make_api_client())["expires_in"] == 120


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"secret": "wrong"}, 401, "invalid_client"),
        ({"scope": "credits:admin"}, 400, "invalid_scope"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_token_refusals(client: Any, make_api_client: Any, change: dict[str, str], status: int, error: str) -> None:
    made = make_api_client()
    data = {"grant_type": change.get("grant_type", "client_credentials")}
    if "scope" in change:
        data["scope"] = change["scope"]
    response = client.post(
        "/oauth/token", data=data, headers=basic(made.client.client_id, change.get("secret", made.secret))
    )
    assert response.status_code == status
    assert response.get_json()["error"] == error


def test_read_only_client_cannot_get_write_scope(client: Any, make_api_client: Any) -> None:
    made = make_api_client("credits:read")
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "credits:write"},
        headers=basic(made.client.client_id, made.secret),
    )
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_scope"


# -- bearer tokens on the API ---------------------------------------------------------------


def _assert_401(response: Any, *, error: str | None) -> dict[str, Any]:
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer realm=")
    if error:
        assert f'error="{error}"' in challenge
    body = response.get_json()
    assert body["status"] == 401 and body["title"] and body["detail"]
    return body


def test_no_token_is_401_with_challenge(client: Any) -> None:
    body = _assert_401(client.get("/api/v1/credit-awards"), error=None)
    assert "Bearer" in body["detail"]


def test_browser_session_is_not_accepted(client: Any, login: Any, make_person: Any) -> None:
    from careercenter.sso.models import Role

    login(make_person(Role.REGISTRAR))
    assert client.get("/registrar").status_code == 200
    _assert_401(client.get("/api/v1/credit-awards"), error=None)


def test_unknown_and_non_bearer_tokens(client: Any) -> None:
    _assert_401(client.get("/api/v1/credit-awards", headers={"Authorization": "Bearer nope"}), error="invalid_token")
    _assert_401(client.get("/api/v1/credit-awards", headers={"Authorization": "Basic abc"}), error="invalid_token")


def test_expired_token_stops_working(client: Any, session: Any, make_api_client: Any, get_token: Any) -> None:
    access = get_token(make_api_client())["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    assert client.get("/api/v1/credit-awards", headers=headers).status_code == 200
    _token_row(session, access).expires_at = utcnow() - timedelta(seconds=1)
    session.flush()
    body = _assert_401(client.get("/api/v1/credit-awards", headers=headers), error="invalid_token")
    assert "expired" in body["detail"]


def test_revoking_a_client_stops_its_tokens_at_once(
    client: Any, runner: Any, make_api_client: Any, get_token: Any
) -> None:
    made = make_api_client(name="Workday Student")
    headers = {"Authorization": f"Bearer {get_token(made)['access_token']}"}
    assert client.get("/api/v1/credit-awards", headers=headers).status_code == 200
    assert runner.invoke(args=["api-clients", "revoke", "Workday Student"]).exit_code == 0
    body = _assert_401(client.get("/api/v1/credit-awards", headers=headers), error="invalid_token")
    assert "revoked" in body["detail"]
    again = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(made.client.client_id, made.secret)
    )
    assert again.status_code == 401 and again.get_json()["error"] == "invalid_client"


def test_missing_scope_is_403(client: Any, bearer: Any, make_award: Any) -> None:
    award = make_award()
    response = client.post(
        f"/api/v1/credit-awards/{award.id}/posting",
        headers=bearer("credits:read"),
        json={"status": "posted", "sis_reference": "B-1"},
    )
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert "credits:write" in response.get_json()["detail"]
    assert award.status.value == "pending"


def test_write_only_client_cannot_read(client: Any, bearer: Any) -> None:
    response = client.get("/api/v1/credit-awards", headers=bearer("credits:write"))
    assert response.status_code == 403 and "credits:read" in response.get_json()["detail"]


# -- rate limits ----------------------------------------------------------------------------


@pytest.fixture()
def _keep_shared_limiter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Flask-Limiter keeps its state on the one shared `limiter`: an app made with rate limits
    on would leave them on for every later test. Put the shared state back afterwards."""
    from careercenter.extensions import limiter

    for attr in ("enabled", "_storage", "_limiter"):
        monkeypatch.setattr(limiter, attr, getattr(limiter, attr, None), raising=False)


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.usefixtures("_keep_shared_limiter")
@pytest.mark.parametrize("storage", ["memory://", "redis://127.0.0.1:6379/15"])
def test_rate_limit_per_client(make_app: Any, session: Any, make_api_client: Any, storage: str) -> None:
    if storage.startswith("redis") and not _redis_up():
        pytest.fail("Redis is expected on 127.0.0.1:6379 for this test")
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage,
        REGISTRAR_RATE_LIMIT="3 per minute",
        REGISTRAR_TOKEN_RATE_LIMIT="100 per minute",
        REGISTRAR_SQLITE_SETTLE_SECONDS=0,
    )
    c = app.test_client()
    first, second = make_api_client(), make_api_client()

    def token(made: Any) -> dict[str, str]:
        r = c.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(made.client.client_id, made.secret)
        )
        return {"Authorization": f"Bearer {r.get_json()['access_token']}"}

    h1, h2 = token(first), token(second)
    answers = [c.get("/api/v1/credit-awards", headers=h1) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["2", "1", "0"]
    assert answers[0].headers["X-RateLimit-Limit"] == "3"
    limited = c.get("/api/v1/credit-awards", headers=h1)
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert "3 per 1 minute" in limited.get_json()["detail"]
    # Another client has its own budget.
    assert c.get("/api/v1/credit-awards", headers=h2).status_code == 200


@pytest.mark.usefixtures("_keep_shared_limiter")
def test_rate_limit_store_down_serves_and_warns(
    make_app: Any, session: Any, make_api_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    c = app.test_client()
    made = make_api_client()
    r = c.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(made.client.client_id, made.secret)
    )
    assert r.status_code == 200
    assert (
        c.get("/api/v1/credit-awards", headers={"Authorization": f"Bearer {r.get_json()['access_token']}"}).status_code
        == 200
    )
    assert "rate-limit storage unavailable" in caplog.text


@pytest.mark.usefixtures("_keep_shared_limiter")
def test_token_endpoint_rate_limit(make_app: Any, session: Any) -> None:
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", REGISTRAR_TOKEN_RATE_LIMIT="2 per minute")
    c = app.test_client()
    codes = [
        c.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic("cc_nobody", "guess")
        ).status_code
        for _ in range(3)
    ]
    assert codes == [401, 401, 429]


# -- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("REGISTRAR_RATE_LIMIT", "lots", "CAREERCENTER_REGISTRAR_RATE_LIMIT must be a rate"),
        ("REGISTRAR_TOKEN_RATE_LIMIT", "5 per fortnight", "CAREERCENTER_REGISTRAR_TOKEN_RATE_LIMIT"),
        ("REGISTRAR_TOKEN_LIFETIME_SECONDS", 5, "at least 60"),
    ],
)
def test_bad_settings_stop_start_up_with_one_line(make_app: Any, setting: str, value: Any, words: str) -> None:
    from careercenter import ConfigError

    with pytest.raises(ConfigError, match=words):
        make_app(**{setting: value})


def test_environment_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from careercenter.config import from_environment

    config = from_environment(
        {"CAREERCENTER_REGISTRAR_TOKEN_LIFETIME_SECONDS": "900", "CAREERCENTER_REGISTRAR_RATE_LIMIT": "5/second"}
    )
    assert config["REGISTRAR_TOKEN_LIFETIME_SECONDS"] == 900 and config["REGISTRAR_RATE_LIMIT"] == "5/second"


def test_long_dead_tokens_are_dropped(session: Any, make_api_client: Any, get_token: Any) -> None:
    made = make_api_client()
    old = get_token(made)["access_token"]
    _token_row(session, old).expires_at = utcnow() - timedelta(days=2)
    session.commit()
    get_token(made)
    digest = hashlib.sha256(old.encode()).hexdigest()
    assert session.execute(sa.select(ApiToken).where(ApiToken.token_hash == digest)).first() is None


def test_tokens_and_secrets_never_reach_the_log(
    client: Any, make_api_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    made = make_api_client()
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(made.client.client_id, made.secret)
    )
    access = response.get_json()["access_token"]
    client.get("/api/v1/credit-awards", headers={"Authorization": f"Bearer {access}"})
    assert access not in caplog.text and made.secret not in caplog.text
