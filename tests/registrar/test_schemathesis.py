"""schemathesis against the served OpenAPI document, in-process on the WSGI app, with a valid
token holding both scopes: no server error and no response outside the schema.

(schemathesis's `pytest.from_fixture` does not run under pytest 9, so the operations' Hypothesis
strategies are driven here directly; every built-in check runs through `call_and_validate`.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.specs.openapi.checks import positive_data_acceptance

from careercenter.credits.models import AwardStatus

load_all_checks()
#: `--checks all`: every check schemathesis has, not only the default set.
ALL_CHECKS = list(CHECKS.get_all())

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
            forged = bool((case.query or {}).get("cursor"))
            case.call_and_validate(
                headers=headers,
                checks=ALL_CHECKS,
                excluded_checks=[positive_data_acceptance] if forged else None,
            )

        check()


def test_schemathesis_cli_with_all_checks_finds_nothing(committed_db: Any, tmp_path: Any) -> None:
    """`schemathesis run --checks all` — every phase (examples, coverage, fuzzing, stateful) and
    every check, e.g. 405 answers carry `Allow`, an empty `cursor=` is the first page, the
    posting's patterns say exactly what the server accepts — against the API served over HTTP."""
    from careercenter.extensions import db
    from careercenter.registrar import service
    from tests.factories import build_award, build_rule, build_student_with_experience
    from tests.peers.live_server import LiveServer

    app = committed_db
    with app.app_context():
        rule = build_rule(db.session)
        for i, status in enumerate(AwardStatus):
            student, experience = build_student_with_experience(db.session, f"S60{i:02d}", f"Student {i}", "Dashboards")
            build_award(db.session, student, [experience], rule, status=status)
        made = service.create_client(db.session, "schemathesis", "credits:read credits:write")
        client_id, secret = made.client.client_id, made.secret
        db.session.commit()
    token = app.test_client().post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "credits:read credits:write"},
        auth=(client_id, secret),
    )
    assert token.status_code == 200, token.get_json()
    access = token.get_json()["access_token"]
    config = Path(__file__).with_name("schemathesis.toml")
    with LiveServer(app) as server:
        result = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "--config-file",
                str(config),
                "run",
                f"{server.url}/api/v1/openapi.json",
                "--checks",
                "all",
                "--header",
                f"Authorization: Bearer {access}",
                "--max-examples",
                str(EXAMPLES),
                "--generation-deterministic",
                "--no-color",
                f"--report-dir={tmp_path}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "passed" in result.stdout and "failed" not in result.stdout.split("Test cases:")[-1]
