"""The OpenAPI entries of the records that leave the building: PESC XML and webhooks.

`extend(document)` adds their paths, the `webhooks:manage` scope and their schemas to the
registrar API's document, so that one document describes the whole API.
"""

from __future__ import annotations

import copy
from typing import Any

from careercenter.registrar.schemas import json_schemas
from careercenter.registrar.webhooks import schemas as webhook_schemas

PROBLEM = "application/problem+json"
WEBHOOKS_SCOPE = "webhooks:manage"
#: Ids are 32-bit database integers.
MAX_ID = 2**31 - 1


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": _ref("Problem")}}}


_COMMON = {
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "429": {"$ref": "#/components/responses/TooManyRequests"},
}
_MANAGE = [{"oauth2": [WEBHOOKS_SCOPE]}]
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


def _pesc_path() -> dict[str, Any]:
    return {
        "get": {
            "summary": "One student's pending and posted awards as PESC College Transcript v1.8.0 XML",
            "description": "Validates against the official PESC schemas (CollegeTranscript v1.8.0, "
            "AcademicRecord v1.13.0, CoreMain v1.19.0). An unofficial, partial transcript: only the credit "
            "this service grants. Disclosure-logged.",
            "operationId": "getStudentPescTranscript",
            "security": [{"oauth2": ["credits:read"]}],
            "parameters": [
                {
                    "name": "campus_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
                }
            ],
            "responses": {
                "200": {
                    "description": "A `ColTrn:CollegeTranscript` document.",
                    "content": {"application/xml": {"schema": {"type": "string"}}},
                },
                "404": _problem("No student has this campus id."),
                **_COMMON,
            },
        }
    }


def _webhook_paths() -> dict[str, Any]:
    return {
        "/api/v1/webhooks": {
            "post": {
                "summary": "Subscribe a URL to award events (Standard Webhooks signatures)",
                "operationId": "createWebhook",
                "security": _MANAGE,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("WebhookRequest")}},
                },
                "responses": {
                    "201": {
                        "description": "The subscription with its signing secret, shown this once.",
                        "headers": {"Location": {"schema": {"type": "string"}, "required": True}},
                        "content": {"application/json": {"schema": _ref("WebhookCreated")}},
                    },
                    "422": _problem("The body is not a valid subscription."),
                    **_COMMON,
                },
            },
            "get": {
                "summary": "The calling client's subscriptions",
                "operationId": "listWebhooks",
                "security": _MANAGE,
                "responses": {
                    "200": {
                        "description": "Subscriptions (no secrets).",
                        "content": {"application/json": {"schema": _ref("WebhookList")}},
                    },
                    **_COMMON,
                },
            },
        },
        "/api/v1/webhooks/{id}": {
            "get": {
                "summary": "One subscription",
                "operationId": "getWebhook",
                "security": _MANAGE,
                "parameters": [_ID],
                "responses": {
                    "200": {
                        "description": "The subscription.",
                        "content": {"application/json": {"schema": _ref("Webhook")}},
                    },
                    "404": _problem("No such subscription of this client."),
                    **_COMMON,
                },
            },
            "delete": {
                "summary": "End a subscription (pending deliveries are dropped)",
                "operationId": "deleteWebhook",
                "security": _MANAGE,
                "parameters": [_ID],
                "responses": {
                    "204": {"description": "Ended."},
                    "404": _problem("No such subscription of this client."),
                    **_COMMON,
                },
            },
        },
        "/api/v1/webhooks/{id}/deliveries": {
            "get": {
                "summary": "The subscription's delivery log, newest first",
                "operationId": "listWebhookDeliveries",
                "security": _MANAGE,
                "parameters": [
                    _ID,
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                ],
                "responses": {
                    "200": {
                        "description": "Deliveries with their attempts' outcome.",
                        "content": {"application/json": {"schema": _ref("DeliveryList")}},
                    },
                    "404": _problem("No such subscription of this client."),
                    "422": _problem("A bad parameter."),
                    **_COMMON,
                },
            }
        },
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver": {
            "post": {
                "summary": "Send one delivery again (a new attempt of the same message id)",
                "operationId": "redeliverWebhook",
                "security": _MANAGE,
                "parameters": [
                    _ID,
                    {
                        "name": "delivery_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    },
                ],
                "responses": {
                    "202": {
                        "description": "Queued for delivery.",
                        "content": {"application/json": {"schema": _ref("Delivery")}},
                    },
                    "404": _problem("No such subscription or delivery of this client."),
                    **_COMMON,
                },
            }
        },
        "/api/v1/webhooks/{id}/rotate-secret": {
            "post": {
                "summary": "Make a new signing secret; the old one keeps signing too until the overlap ends",
                "operationId": "rotateWebhookSecret",
                "security": _MANAGE,
                "parameters": [_ID],
                "responses": {
                    "200": {
                        "description": "The new secret, shown this once, and when the old one stops.",
                        "content": {"application/json": {"schema": _ref("WebhookRotated")}},
                    },
                    "404": _problem("No such subscription of this client."),
                    **_COMMON,
                },
            }
        },
    }


def extend(document: dict[str, Any], *, webhooks: bool = True) -> dict[str, Any]:
    """`document` with the PESC path (and the webhook paths, scope and schemas) added."""
    out = copy.deepcopy(document)
    out["paths"]["/api/v1/students/{campus_id}/pesc-transcript.xml"] = _pesc_path()
    if webhooks:
        out["paths"].update(_webhook_paths())
        out["components"]["schemas"].update(json_schemas(webhook_schemas.COMPONENTS))
        flows = out["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]
        flows["scopes"][WEBHOOKS_SCOPE] = "Subscribe to award events (webhooks) and manage the subscriptions"
    return out
