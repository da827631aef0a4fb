"""The OpenAPI document: valid OpenAPI 3.1, every route described, errors included."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
from schemathesis.specs.openapi.definitions import OPENAPI_31

#: The blueprints of the registrar machine API (issue 21 added PESC XML and webhooks).
API_BLUEPRINTS = {"registrar", "registrar_pesc", "registrar_webhooks"}

API_OPERATIONS = [
    ("get", "/api/v1/credit-awards"),
    ("get", "/api/v1/credit-awards.csv"),
    ("get", "/api/v1/credit-awards/{id}"),
    ("post", "/api/v1/credit-awards/{id}/posting"),
    ("get", "/api/v1/students/{campus_id}/credit-awards"),
]


def _document(client: Any) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_document_is_valid_openapi_3_1(client: Any) -> None:
    document = _document(client)
    assert document["openapi"] == "3.1.0"
    jsonschema.Draft202012Validator(OPENAPI_31).validate(document)
    flows = document["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]
    assert flows["tokenUrl"] == "http://careers.test/oauth/token"
    assert set(flows["scopes"]) == {"credits:read", "credits:write", "webhooks:manage"}


def test_every_api_operation_documents_its_errors_as_problems(client: Any) -> None:
    document = _document(client)
    shared = document["components"]["responses"]
    for method, path in API_OPERATIONS:
        responses = document["paths"][path][method]["responses"]
        for status in ("401", "403", "429"):
            assert responses[status]["$ref"].split("/")[-1] in shared, (path, status)
        assert "422" in responses or "404" in responses, path
        for status, response in responses.items():
            if status.startswith(("4", "5")) and "content" in response:
                assert list(response["content"]) == ["application/problem+json"], (path, status)
    assert "WWW-Authenticate" in shared["Unauthorized"]["headers"]
    assert "Retry-After" in shared["TooManyRequests"]["headers"]
    posting = document["paths"]["/api/v1/credit-awards/{id}/posting"]["post"]
    assert posting["security"] == [{"oauth2": ["credits:write"]}]
    assert "409" in posting["responses"]


def test_every_registrar_route_is_described(app: Any, client: Any) -> None:
    document = _document(client)
    routes = {
        re.sub(r"<(?:int:)?(\w+)>", r"{\1}", re.sub(r"<int:(award|subscription)_id>", "{id}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in API_BLUEPRINTS
    }
    assert routes == set(document["paths"])
