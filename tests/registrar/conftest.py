"""Registrar API fixtures: API clients, and tokens from the real token endpoint. Awards come
from the one `make_award` factory (tests/conftest.py, tests/factories.py)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from careercenter.registrar import service


@pytest.fixture(autouse=True)
def _no_settle_delay(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see awards the moment they are written; the SQLite settle window has its own test."""
    monkeypatch.setitem(app.config, "REGISTRAR_SQLITE_SETTLE_SECONDS", 0)


@pytest.fixture()
def make_api_client(session: Any) -> Any:
    counter = iter(range(1, 1000))

    def make(scopes: str = "credits:read credits:write", name: str | None = None) -> service.NewClient:
        made = service.create_client(session, name or f"Test SIS {next(counter)}", scopes)
        session.commit()
        return made

    return make


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


@pytest.fixture()
def get_token(client: Any) -> Any:
    """Ask the real token endpoint (client_secret_basic) for a token; return the JSON."""

    def get(made: service.NewClient, scope: str | None = None, c: Any = None) -> dict[str, Any]:
        data = {"grant_type": "client_credentials"}
        if scope:
            data["scope"] = scope
        response = (c or client).post("/oauth/token", data=data, headers=basic(made.client.client_id, made.secret))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return get


@pytest.fixture()
def bearer(make_api_client: Any, get_token: Any) -> Any:
    """Headers with a valid bearer token for a new client with `scopes`."""

    def make(scopes: str = "credits:read credits:write") -> dict[str, str]:
        made = make_api_client(scopes)
        return {"Authorization": f"Bearer {get_token(made)['access_token']}"}

    return make
