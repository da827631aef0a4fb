"""The OpenAPI 3.1 document of the registrar API, errors included (served at /api/v1/openapi.json).

Its bodies (`components.schemas`) come from the pydantic models in `schemas.py`."""

from __future__ import annotations

from typing import Any

from flask import current_app

from careercenter.registrar import openapi_outbound
from careercenter.registrar.feed import DEFAULT_LIMIT, MAX_LIMIT, MAX_TERM_LENGTH, TERM_PATTERN
from careercenter.registrar.schemas import component_schemas

PROBLEM = "application/problem+json"
STATUSES = ["pending", "posted", "rejected_by_registrar", "rescinded"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str, schema: str = "Problem", headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": {PROBLEM: {"schema": _ref(schema)}}}
    if headers:
        out["headers"] = headers
    return out


_WWW_AUTH = {
    "WWW-Authenticate": {
        "description": 'The bearer-token challenge (RFC 6750), e.g. `Bearer realm="…", error="invalid_token"`.',
        "schema": {"type": "string"},
        "required": True,
    }
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string", "pattern": r"^\d+$"}}}
_COMMON = {
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "429": {"$ref": "#/components/responses/TooManyRequests"},
}

_FILTERS = [
    {
        "name": "status",
        "in": "query",
        "description": "Only awards in this status.",
        "schema": {"type": "string", "enum": STATUSES},
    },
    {
        "name": "updated_since",
        "in": "query",
        "description": "Only awards changed at or after this RFC 3339 time (with a zone). Use the `updated_at` "
        "of the last award you processed as the next run's watermark.",
        "schema": {"type": "string", "format": "date-time"},
    },
    {
        "name": "term",
        "in": "query",
        "description": "Only awards for this academic term, e.g. `2026FA`.",
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_TERM_LENGTH, "pattern": TERM_PATTERN},
    },
]
_PAGING = [
    {
        "name": "limit",
        "in": "query",
        "description": f"Awards per page, 1–{MAX_LIMIT}.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
    {
        "name": "cursor",
        "in": "query",
        "description": "The `next_cursor` of the previous page, exactly as given, with the same filters. "
        "Empty or absent: the first page.",
        "schema": {"type": "string"},
    },
]


def _page_responses() -> dict[str, Any]:
    return {
        "200": {
            "description": "One page of awards in (updated_at, id) order. `next_cursor` is null on the last page.",
            "content": {"application/json": {"schema": _ref("AwardPage")}},
        },
        "422": _problem(
            "A bad parameter: unknown status, malformed date, limit out of range, bad or foreign cursor.",
            "ValidationProblem",
        ),
        **_COMMON,
    }


def openapi_document() -> dict[str, Any]:
    """Build the document for the running app (its public URL is the server)."""
    base = current_app.config["PUBLIC_URL"]
    id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    read = [{"oauth2": ["credits:read"]}]
    not_found = _problem("No such award or student.")
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": f"{current_app.config['INSTITUTION_NAME']} career center — registrar API",
            "version": "1.0.0",
            "description": (
                "Registrar systems pull approved micro-internship credit awards and acknowledge posting them. "
                "Authenticate with OAuth2 client credentials at /oauth/token, then send "
                "`Authorization: Bearer <token>`. Every error is `application/problem+json` (RFC 9457). "
                "Paging from `updated_since=T` to `next_cursor: null` sees every award changed at or after T."
            ),
        },
        "servers": [{"url": base}],
        "security": read,
        "paths": {
            "/oauth/token": {
                "post": {
                    "summary": "Get an access token (client credentials grant)",
                    "security": [{"clientBasic": []}, {}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/x-www-form-urlencoded": {"schema": _ref("TokenRequest")}},
                    },
                    "responses": {
                        "200": {
                            "description": "A bearer token.",
                            "content": {"application/json": {"schema": _ref("Token")}},
                        },
                        "400": {
                            "description": "Bad request (RFC 6749).",
                            "content": {"application/json": {"schema": _ref("OAuthError")}},
                        },
                        "401": {
                            "description": "Unknown client or wrong secret.",
                            "content": {"application/json": {"schema": _ref("OAuthError")}},
                        },
                        "429": {"$ref": "#/components/responses/TooManyRequests"},
                    },
                }
            },
            "/api/v1/credit-awards": {
                "get": {
                    "summary": "Awards, oldest change first, paged by cursor",
                    "operationId": "listCreditAwards",
                    "parameters": _FILTERS + _PAGING,
                    "responses": _page_responses(),
                }
            },
            "/api/v1/credit-awards.csv": {
                "get": {
                    "summary": "The same awards as CSV, streamed (no paging)",
                    "operationId": "exportCreditAwards",
                    "parameters": _FILTERS,
                    "responses": {
                        "200": {
                            "description": "CSV with a header row.",
                            "content": {"text/csv": {"schema": {"type": "string"}}},
                        },
                        "422": _problem("A bad parameter.", "ValidationProblem"),
                        **_COMMON,
                    },
                }
            },
            "/api/v1/credit-awards/{id}": {
                "get": {
                    "summary": "One award",
                    "operationId": "getCreditAward",
                    "parameters": [id_param],
                    "responses": {
                        "200": {
                            "description": "The award.",
                            "content": {"application/json": {"schema": _ref("Award")}},
                        },
                        "404": not_found,
                        **_COMMON,
                    },
                }
            },
            "/api/v1/credit-awards/{id}/posting": {
                "post": {
                    "summary": "Acknowledge posting (or rejection) of an award; idempotent",
                    "operationId": "postCreditAward",
                    "security": [{"oauth2": ["credits:write"]}],
                    "parameters": [id_param],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Posting")}}},
                    "responses": {
                        "200": {
                            "description": "The award after the posting (the same answer when repeated).",
                            "content": {"application/json": {"schema": _ref("Award")}},
                        },
                        "400": _problem("The body is not readable JSON: empty, truncated, not UTF-8, too deep."),
                        "404": not_found,
                        "409": _problem("The award was already posted or rejected differently, or was rescinded."),
                        "413": _problem("The body is larger than 64 KiB."),
                        "415": _problem("The body is not application/json."),
                        "422": _problem("The body is not a valid posting.", "ValidationProblem"),
                        **_COMMON,
                    },
                }
            },
            "/api/v1/students/{campus_id}/credit-awards": {
                "get": {
                    "summary": "One student's awards",
                    "operationId": "listStudentCreditAwards",
                    "parameters": [
                        {"name": "campus_id", "in": "path", "required": True, "schema": {"type": "string"}},
                        *_FILTERS,
                        *_PAGING,
                    ],
                    "responses": {**_page_responses(), "404": not_found},
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "oauth2": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": f"{base}/oauth/token",
                            "scopes": {
                                "credits:read": "Read credit awards",
                                "credits:write": "Acknowledge posting of credit awards",
                            },
                        }
                    },
                },
                "clientBasic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "client_id and client_secret (client_secret_basic)",
                },
            },
            "schemas": component_schemas(),
            "responses": {
                "Unauthorized": _problem("No, unknown, expired or revoked access token.", headers=_WWW_AUTH),
                "Forbidden": _problem("The access token lacks the scope this call needs.", headers=_WWW_AUTH),
                "TooManyRequests": _problem("The client's rate limit is used up.", headers=_RETRY_AFTER),
            },
        },
    }
    return openapi_outbound.extend(document)
