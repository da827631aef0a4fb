"""schemathesis against the served OpenAPI document, in-process on the WSGI app, with a valid
token holding both scopes: no server error and no response outside the schema.

(schemathesis's `pytest.from_fixture` does not run under pytest 9, so the operations' Hypothesis
strategies are driven here directly; every built-in check runs through `call_and_validate`.)
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from careercenter.credits.models import AwardStatus

#: Examples per operation and mode: the whole suite runs twice in CI on two cores.
EXAMPLES = 15


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_api_conforms_to_its_openapi_document(
    app: Any, session: Any, make_award: Any, make_student: Any, bearer: Any, mode: Any
) -> None:
    student = make_student(campus_id="S5001")
    for status in AwardStatus:  # records for the generated calls to find, in every state
        make_award(student, status=status)
    headers = bearer("credits:read credits:write webhooks:manage")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "GET /api/v1/credit-awards",
        "GET /api/v1/credit-awards.csv",
        "GET /api/v1/credit-awards/{id}",
        "POST /api/v1/credit-awards/{id}/posting",
        "GET /api/v1/students/{campus_id}/credit-awards",
        "POST /oauth/token",
    }
    for operation in operations:
        negatable = operation.path_parameters or operation.query or operation.headers or operation.body
        if mode is schemathesis.GenerationMode.NEGATIVE and not negatable:
            continue  # nothing to make invalid (e.g. GET /api/v1/webhooks): the positive pass covers it

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            # A cursor is an opaque value the server signs: no generator can make a valid one, so
            # for a generated cursor the only check dropped is "valid data must be accepted"
            # (a 422 it gets is tested in test_api.py); every other check still runs.
            forged = "cursor" in (case.query or {})
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance] if forged else None)

        check()
